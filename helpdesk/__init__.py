"""Composition root: settings, process wiring and the command line."""
