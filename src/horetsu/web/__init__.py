"""The shop's web app (``horetsu serve``): Django, configured for one workspace by a function.

The library never imports this package; this package imports the library. Importing it
has no side effects: :func:`horetsu.web.setup.setup_django` configures Django.
"""
