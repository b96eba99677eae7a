"""The X selections (CLIPBOARD, PRIMARY, SECONDARY): what one person copied must not be
pasted by the next. Kivy's clipboard is the X CLIPBOARD selection through SDL.

A selection's content lives in the client that owns it, so clearing a selection is giving
it no owner, and a selection with no owner is empty. Spoken in-process with python-xlib:
one xsel process per selection would cost the wipe a tenth of a second.
"""

from __future__ import annotations

from typing import Protocol

from kiosk.devices import DeviceError

SELECTIONS = ("CLIPBOARD", "PRIMARY", "SECONDARY")


class Selections(Protocol):
    def clear(self) -> None:
        """Empty every selection. Raises DeviceError."""

    def owned(self) -> list[str]:
        """The selections that still have content (an owner). Raises DeviceError."""


class XSelections:
    def __init__(self, display: str) -> None:
        self.display_name = display
        self._display = None

    def _connect(self):
        if self._display is None:
            from Xlib import display as xdisplay
            from Xlib import error as xerror

            try:
                self._display = xdisplay.Display(self.display_name)
            except (xerror.DisplayError, OSError) as error:
                raise DeviceError(f"cannot reach X display {self.display_name}: {error}") from None
        return self._display

    def _atoms(self):
        display = self._connect()
        return [(name, display.intern_atom(name)) for name in SELECTIONS]

    def clear(self) -> None:
        from Xlib import X
        from Xlib.protocol import request

        display = self._connect()
        try:
            for _name, atom in self._atoms():
                request.SetSelectionOwner(display=display.display, window=X.NONE, selection=atom,
                                          time=X.CurrentTime)
            display.sync()
        except Exception as error:  # the connection broke: try afresh next time
            self._display = None
            raise DeviceError(f"cannot clear the X selections on {self.display_name}: {error}") from None

    def owned(self) -> list[str]:
        from Xlib import X

        display = self._connect()
        try:
            return [name for name, atom in self._atoms() if display.get_selection_owner(atom) != X.NONE]
        except Exception as error:
            self._display = None
            raise DeviceError(f"cannot read the X selections on {self.display_name}: {error}") from None


class FakeSelections:
    """Selections in memory: `owners` is what holds content now."""

    def __init__(self) -> None:
        self.owners: list[str] = []

    def clear(self) -> None:
        self.owners = []

    def owned(self) -> list[str]:
        return list(self.owners)
