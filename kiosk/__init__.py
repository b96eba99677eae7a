"""A public self-service terminal for libraries and citizen service points."""

__version__ = "0.1.0"
