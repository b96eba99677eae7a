"""Adapters to things outside the process. Plain Python, no Kivy."""


class DeviceError(RuntimeError):
    """A device could not be used; the message says what a person can do about it."""
