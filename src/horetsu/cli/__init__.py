"""The ``horetsu`` command line (Typer + Rich). Entry point: :func:`horetsu.cli.app.main`."""
