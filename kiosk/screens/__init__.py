"""The screen registry: every screen by name, created and its KV loaded on first use."""

from __future__ import annotations

import importlib
from pathlib import Path

from kivy.lang import Builder

HERE = Path(__file__).parent

# name -> (module, class); the order is the order of a tour through the kiosk.
SCREENS = {
    "welcome": ("kiosk.screens.welcome", "WelcomeScreen"),
    "needs": ("kiosk.screens.needs", "NeedsScreen"),
    "categories": ("kiosk.screens.categories", "CategoriesScreen"),
    "services": ("kiosk.screens.services", "ServicesScreen"),
    "guide": ("kiosk.screens.guide", "GuideScreen"),
    "open_service": ("kiosk.screens.open_service", "OpenServiceScreen"),
    "browser": ("kiosk.screens.browser", "BrowserScreen"),
    "choose_file": ("kiosk.screens.choose_file", "ChooseFileScreen"),
    "help": ("kiosk.screens.help", "HelpScreen"),
    "share_ask": ("kiosk.screens.share_ask", "ShareAskScreen"),
    "accessibility": ("kiosk.screens.accessibility", "AccessibilityScreen"),
    "language": ("kiosk.screens.language", "LanguageScreen"),
    "nondigital": ("kiosk.screens.nondigital", "NondigitalScreen"),
    "route": ("kiosk.screens.route", "RouteScreen"),
    "support": ("kiosk.screens.support", "SupportScreen"),
    "booking": ("kiosk.screens.booking", "BookingScreen"),
    "on_behalf": ("kiosk.screens.on_behalf", "OnBehalfScreen"),
    "learn": ("kiosk.screens.learn", "LearnScreen"),
    "documents": ("kiosk.screens.documents", "DocumentsScreen"),
    "phone_upload": ("kiosk.screens.phone_upload", "PhoneUploadScreen"),
    "print": ("kiosk.screens.print", "PrintScreen"),
    "print_status": ("kiosk.screens.print_status", "PrintStatusScreen"),
    "scan": ("kiosk.screens.scan", "ScanScreen"),
    "stick": ("kiosk.screens.stick", "StickScreen"),
    "staff_pin": ("kiosk.screens.staff_pin", "StaffPinScreen"),
    "staff": ("kiosk.screens.staff", "StaffScreen"),
    "end_session": ("kiosk.screens.end_session", "EndSessionScreen"),
    "warning": ("kiosk.screens.warning", "WarningScreen"),
    "closing_soon": ("kiosk.screens.closing_soon", "ClosingSoonScreen"),
    "closed": ("kiosk.screens.closed", "ClosedScreen"),
    "goodbye": ("kiosk.screens.goodbye", "GoodbyeScreen"),
    "out_of_service": ("kiosk.screens.out_of_service", "OutOfServiceScreen"),
}

_loaded: set[str] = set()


def load_kv(stem: str) -> None:
    """Load `kiosk/screens/<stem>.kv` once per process."""
    if stem not in _loaded:
        Builder.load_file(str(HERE / f"{stem}.kv"))
        _loaded.add(stem)


def load_shared() -> None:
    from kiosk.screens import share_banner  # noqa: F401 - its class, for the rules below

    load_kv("widgets")
    load_kv("share_banner")
    load_kv("root")


def create_screen(name: str):
    module_name, class_name = SCREENS[name]
    module = importlib.import_module(module_name)
    load_kv(module_name.rsplit(".", 1)[1])
    return getattr(module, class_name)(name=name)
