"""How the kiosk looks: the colour theme and the text size, which screens bind to.

The normal look is calm and legible (dark text on a warm white, a deep blue for actions);
the high-contrast look is yellow and white on black. Text size scales every "sp" size
live through Kivy's `Metrics.fontscale`, so layouts reflow instead of being rebuilt.

Large text is designed, not only scaled: `font(role, scale)` is the type scale the screens
use. Running text grows the whole way (24 px at 100 %, 48 px at 200 %); headings, which are
large already, grow less so that a screen's question and its answers still fit together;
the bars' few, always-the-same words stop at 150 % (33 px, a capital H of 6.2 mm at
96 dpi, EN 301 549's 0.7 degrees at 500 mm) so that each bar stays one row.
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.metrics import Metrics, dp
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.utils import get_color_from_hex

TEXT_SCALES = (1.0, 1.5, 2.0)

# role -> its size in px at 96 dpi at each of TEXT_SCALES
TYPE_SCALE = {
    "body": (24, 36, 48),
    "small": (22, 33, 44),      # a card's one-line explanation
    "heading": (28, 40, 52),
    "step": (32, 44, 56),
    "title": (38, 48, 60),
    "hero": (64, 80, 96),
    "action": (28, 40, 52),     # the one thing a screen is for (Open the service, Print)
    "start": (44, 60, 72),      # Touch to start
    "bar": (22, 33, 33),        # the bars' buttons
    "key": (32, 44, 52),        # a number pad's keys
    "stepper": (36, 40, 44),    # a stepper's − and +
    "keyboard": (26, 33, 36),   # the browser's on-screen keyboard
}

# name -> (normal, high contrast); each a "#rrggbb"
PALETTE = {
    "background": ("#f6f5f1", "#000000"),
    "surface": ("#ffffff", "#000000"),
    # Information (a list, what you need): flat, never drawn like a button.
    "panel": ("#eceae4", "#000000"),
    # The bars have their own colour in both looks, so a person sees where the screen ends.
    "bar": ("#e6eaf0", "#1a2a5c"),
    "text": ("#1b1f24", "#ffffff"),
    "muted": ("#434b55", "#ffff00"),
    "border": ("#8c96a3", "#ffff00"),
    "primary": ("#0b4f8a", "#ffff00"),
    "primary_text": ("#ffffff", "#000000"),
    "help": ("#9c4400", "#00ffff"),
    "help_text": ("#ffffff", "#000000"),
    "danger": ("#8e1b1b", "#ffffff"),
    "danger_text": ("#ffffff", "#000000"),
    # Selected is outlined (a check mark and a double border), primary is filled: in high
    # contrast they were the same yellow.
    "selected": ("#d7e6f5", "#000000"),
    "selected_text": ("#1b1f24", "#ffff00"),
    "focus": ("#e07b00", "#00ffff"),
}

# Which foreground is read on which background: the pairs whose contrast must hold.
TEXT_PAIRS = (
    ("text", "background"), ("text", "surface"), ("text", "bar"), ("muted", "background"),
    ("muted", "surface"), ("text", "panel"), ("muted", "panel"), ("muted", "bar"), ("primary_text", "primary"), ("help_text", "help"),
    ("danger_text", "danger"), ("selected_text", "selected"), ("primary", "surface"),
)


class Appearance(EventDispatcher):
    """The current look; `reset()` returns to the defaults for the next person."""

    contrast = BooleanProperty(False)
    text_scale = NumericProperty(1.0)
    look = StringProperty("normal")
    # The language is written right to left: KV rules put a button's symbol on its right
    # (kiosk/screens/bidi.py mirrors the rows and the text). Follows the language, not reset.
    rtl = BooleanProperty(False)

    background = ColorProperty()
    surface = ColorProperty()
    panel = ColorProperty()
    bar = ColorProperty()
    text = ColorProperty()
    muted = ColorProperty()
    border = ColorProperty()
    primary = ColorProperty()
    primary_text = ColorProperty()
    help = ColorProperty()
    help_text = ColorProperty()
    danger = ColorProperty()
    danger_text = ColorProperty()
    selected = ColorProperty()
    selected_text = ColorProperty()
    focus = ColorProperty()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._apply_colours()

    def on_contrast(self, *_args) -> None:
        self._apply_colours()

    def on_text_scale(self, _instance, value: float) -> None:
        Metrics.fontscale = value
        self._update_look()

    def set_text_scale(self, value: float) -> None:
        if value not in TEXT_SCALES:
            raise ValueError(f"text scale {value} is not one of {TEXT_SCALES}")
        self.text_scale = value

    def next_text_scale(self) -> None:
        """The one-tap control: 100 % → 150 % → 200 % → 100 %."""
        index = TEXT_SCALES.index(self.text_scale) if self.text_scale in TEXT_SCALES else -1
        self.text_scale = TEXT_SCALES[(index + 1) % len(TEXT_SCALES)]

    def font(self, role: str, scale: float | None = None) -> float:
        """The size of `role` text at `scale` (KV passes `app.look.text_scale`, so a rule
        using it follows the text size)."""
        sizes = TYPE_SCALE[role]
        scale = self.text_scale if scale is None else scale
        index = TEXT_SCALES.index(scale) if scale in TEXT_SCALES else 0
        return dp(sizes[index])

    def reset(self) -> None:
        self.contrast = False
        self.text_scale = 1.0

    def _apply_colours(self) -> None:
        index = 1 if self.contrast else 0
        for name, values in PALETTE.items():
            setattr(self, name, get_color_from_hex(values[index]))
        self._update_look()

    def _update_look(self) -> None:
        self.look = "contrast" if self.contrast else ("large" if self.text_scale > 1.0 else "normal")


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(hex_colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
