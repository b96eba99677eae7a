from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


def countdown_words(tr, seconds: int) -> str:
    """What the countdown means, as the screen shows it and speech says it: "{seconds}
    seconds left" (nominative and partitive in Finnish, so the engine says the number right)."""
    if seconds == 1:
        return tr._("One second left. Then everything you did here is erased.")
    return tr._("{seconds} seconds left. Then everything you did here is erased.").format(seconds=seconds)


class WarningScreen(KioskScreen):
    """"Are you still there?": the session ends when the countdown runs out; one tap
    anywhere continues it (the app takes that tap, so it presses nothing else)."""

    session_controls = False
    essentials = ("still_here",)

    def countdown_words(self, seconds: int, *_bound) -> str:
        return countdown_words(kiosk().tr, seconds)
