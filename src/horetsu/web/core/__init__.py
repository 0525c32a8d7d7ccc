"""The web app's core Django app: roles, audit log, login throttle, background jobs."""
