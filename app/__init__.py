"""The composition root: command line, settings, the embedded server and the desktop wiring."""
