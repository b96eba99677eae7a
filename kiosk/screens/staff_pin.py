from kivy.properties import StringProperty

from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


class StaffPinScreen(KioskScreen):
    """Staff mode's number pad: the PIN shows as dots, OK checks it, Cancel goes back."""

    chrome = False
    session_controls = False
    digits = StringProperty("")
    essentials = tuple(f"key_{digit}" for digit in "0123456789") + ("pin_ok", "pin_erase", "pin_cancel")

    def on_pre_enter(self, *args) -> None:
        self.digits = ""
        super().on_pre_enter(*args)

    def press(self, digit: str) -> None:
        if len(self.digits) < 12:
            self.digits += digit

    def erase(self) -> None:
        self.digits = self.digits[:-1]

    def submit(self) -> None:
        pin, self.digits = self.digits, ""
        kiosk().staff.enter_pin(pin)

    def cancel(self) -> None:
        self.digits = ""
        kiosk().staff.close_pin()
