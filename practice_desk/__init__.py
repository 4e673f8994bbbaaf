"""Practice Desk core: importers, metrics, reports and the command line. Never imports Qt."""

__version__ = "0.1.0"
APP_NAME = "Practice Desk"
