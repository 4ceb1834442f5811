"""The ``singletable`` command-line interface."""

from singletable.cli.app import app, main

__all__ = ["app", "main"]
