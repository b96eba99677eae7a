"""The screen of a terminal waiting to be made a kiosk (kiosk/enrolment.py): the code to
accept on the staff desk, a QR code of the desk's page for it, and what is happening. It is
for the IT person or staff member setting the terminal up, in the image's languages, and
ends the process once the terminal has its identity: systemd starts it again as the kiosk.

Kept apart from KioskApp: nothing of a person's session exists yet, and the whole kiosk is
built only from a configuration that has an identity."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp, sp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.label import Label

from kiosk.enrolment import ASK_S, EnrolmentClient, EnrolmentRefused, write_identity
from kiosk.i18n import N_, Translator
from kiosk.screens.widgets import qr_texture

log = logging.getLogger(__name__)

TITLE = N_("This computer is waiting to be set up")
HOW = N_("An administrator makes it a kiosk on the staff desk, on the page New kiosks, with this code:")
STATES = {"asking": N_("Connecting to the staff desk…"),
          "waiting": N_("Waiting for the administrator. This takes no more than a moment once the code is accepted."),
          "away": N_("The staff desk cannot be reached. Trying again…"),
          "done": N_("Done. Starting as a kiosk…"),
          "refused": N_("The staff desk refused this computer. Ask your IT support.")}


class EnrolApp(App):
    def __init__(self, config, directory: Path, version: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.kiosk_config, self.state_dir = config, directory
        offered = list(config.languages.offered)
        self.tr = Translator(offered, config.languages.default)
        self.client = EnrolmentClient(config.fleet.desk_url, config.fleet.ca_file, directory, version)
        self.state, self.code, self.enrolled = "asking", "", False
        self._halt = threading.Event()

    def _(self, text: str) -> str:
        return self.tr._(text)

    def build(self):
        root = BoxLayout(orientation="vertical", padding=dp(40), spacing=dp(24))
        with root.canvas.before:
            Color(1, 1, 1, 1)
            background = Rectangle(pos=root.pos, size=root.size)
        root.bind(pos=lambda w, v: setattr(background, "pos", v), size=lambda w, v: setattr(background, "size", v))
        label = lambda size, **kw: Label(color=(0, 0, 0, 1), font_size=sp(size), halign="center", valign="middle",
                                         **kw)
        self.title_label = label(40, text=self._(TITLE), bold=True)
        self.how_label = label(26, text=self._(HOW))
        self.code_label = label(72, text="", bold=True)
        self.qr = Image(size_hint=(1, 2), fit_mode="contain")
        self.state_label = label(24, text=self._(STATES["asking"]))
        for widget in (self.title_label, self.how_label, self.code_label, self.qr, self.state_label):
            widget.bind(width=lambda w, width: setattr(w, "text_size", (width, None)))
            root.add_widget(widget)
        return root

    def on_start(self) -> None:
        from kiosk.devices.systemd import Systemd

        systemd = Systemd()  # the kiosk's unit is Type=notify with a watchdog, enrolling or not
        systemd.ready("waiting to be enrolled")
        if systemd.watchdog_s:
            Clock.schedule_interval(lambda _dt: systemd.alive(), systemd.watchdog_s / 3)
        threading.Thread(target=self._work, daemon=True, name="enrolment").start()

    def on_stop(self) -> None:
        self._halt.set()

    def _show(self, state: str, code: str | None = None) -> None:
        def show(_dt) -> None:
            self.state = state
            self.state_label.text = self._(STATES[state])
            if code is not None and code != self.code:
                self.code = code
                self.code_label.text = code
                self.qr.texture = qr_texture(f"{self.client.base}/admin/enrol?code={code}") if code else None
        Clock.schedule_once(show)

    def _work(self) -> None:
        """Hello, then ask until accepted or refused; the desk away is tried again."""
        code = ""
        while not self._halt.is_set():
            try:
                if not code:
                    code = self.client.hello()
                    log.info("enrolment: waiting with code %s", code)  # shown on the screen anyway
                    self._show("waiting", code)
                identity = self.client.ask()
            except EnrolmentRefused:
                log.warning("enrolment: the desk refused this terminal")
                (self.state_dir / "enrolment-secret").unlink(missing_ok=True)  # a restart asks afresh
                self._show("refused", "")
                return
            except (OSError, ValueError) as error:
                log.warning("enrolment: %s", error)
                code = ""
                self._show("away")
                self._halt.wait(ASK_S * 3)
                continue
            if identity is not None:
                write_identity(identity, self.state_dir)
                self.client.done()
                (self.state_dir / "enrolment-secret").unlink(missing_ok=True)
                log.info("enrolment: this terminal is kiosk %s of %s", identity.kiosk_id, identity.site)
                self.enrolled = True
                self._show("done")
                Clock.schedule_once(lambda _dt: self.stop(), 1.0)
                return
            self._halt.wait(ASK_S)
