"""Speech navigation: speech mode on and off, explore by touch (the first tap on an item
says it, a second chooses it), each new screen announced once it is laid out, the focus
ring's moves spoken, the volume, and what the services report while speech is on (the
timeout warning, help's progress, a print job's state, a picture that cannot be printed, a
file from one's phone, a document the e-service's page did not take, a headset plugged
in). On the browser strip, swipes and double taps go through the e-service's page first:
that part is PageNavigation's (page_nav.py)."""

from __future__ import annotations

import logging
from typing import Callable

from kivy.clock import Clock

log = logging.getLogger(__name__)

# A new screen's title is said as soon as the screen is shown (KioskRoot's on_shown), a
# guide's new page in Kivy's passes before the next frame (timeout -1, as layouts are); the
# rest once it is laid out and drawn (its lists have their sizes then), queued behind the title.
TITLE_AFTER_PASSES = 2
REST_AFTER_FRAMES = 2


class SpeechNavigation:
    def __init__(self, services, flow, root: Callable[[], object]) -> None:
        """`flow`: the session flow (speech turned on at the welcome screen starts a session);
        `root`: the kiosk's root widget once it exists."""
        self.s, self.flow, self.root = services, flow, root
        self.speech, self.tr = services.speech, services.tr
        self._explored = None  # the item the last tap spoke
        self.focus = None      # the focus ring, once the window exists: the item spoken is focused
        self._announce_pending = False
        self._generation = 0  # of screen changes: a reading of an earlier screen is dropped
        from kiosk.screens.page_nav import PageNavigation

        self.page = PageNavigation(services, root, focus=lambda: self.focus, on_strip=self._landed)
        # A new screen, or a new page of the step-by-step guide, is read once laid out.
        services.journey.bind(screen=self._on_screen, step=self._on_page)
        # A hand-over at the desk changes the helper's name, not the state: said too.
        services.help.bind(state=self._on_help_state,
                           helper=lambda help_, helper: help_.state == "accepted" and helper
                           and self._on_help_state(help_, help_.state))
        services.printing.bind(job_state=self._on_print_job, preparing=self._on_print_ready)
        services.usb.bind(refused=self._on_stick_refused)
        services.scanning.bind(state=self._on_scan)
        if services.phone_upload is not None:
            services.phone_upload.bind(state=self._on_phone_code, received=self._on_phone_file,
                                       lost=self._on_phone_file)
        services.eservices.bind(notice=self._on_browser_notice)
        if services.booking is not None:
            services.booking.bind(state=self._on_booking)

    def set_speech(self, on: bool) -> None:
        if on and not self.speech.available:
            return
        if on and self.flow.waiting():
            self.flow.begin_session()
        self.speech.enabled = on
        self._explored = None
        self.page.reset()
        if on:
            self.speech.say(self.tr._("Speech is on. Touch an item to hear it, touch it again to choose it."))
            if self.s.journey.screen == "closed":  # no session to start: what the screen says, then
                self._read_again("closed", self.speech.then, whole=True)
        else:
            self.speech.stop()

    def change_volume(self, delta: float) -> None:
        if self.speech.set_volume(self.speech.volume + delta):
            self.speech.say(self.tr._("Volume {percent} percent").format(percent=int(round(self.speech.volume * 100))))

    def read_page_aloud(self) -> None:
        if not self.speech.available:
            return
        if not self.speech.enabled:
            self.set_speech(True)
        self.s.eservices.page_text(lambda text: self.speech.say_long(text))

    def headset(self, plugged: bool, device: str) -> None:
        """A headset plugged in: speech mode on, spoken into it (EN 301 549 5.1.3.2, 5.2)."""
        log.info("headset %s", "plugged in" if plugged else "unplugged")
        self.speech.use_output(device if plugged else self.s.config.speech.device, headset=plugged)
        if plugged and self.speech.available and (not self.flow.out_of_service or self.flow.closed_only()):
            self.set_speech(True)

    def explore(self, touch) -> bool:
        """A touch in speech mode: True when it only said what is under the finger."""
        from kiosk.screens.spoken import describe

        self.speech.stop()  # any new touch silences what was being said
        self._announce_pending = False
        target = self._under(touch)
        if target is None:
            return False
        if not getattr(target, "speech_direct", False):  # a key typed leaves the place in the page
            self.page.leave()
        if getattr(target, "speech_direct", False) or target is self._explored:
            self._explored = None
            return False  # goes through: the release activates it
        self._explored = target
        if self.focus is not None:
            self.focus.focus(target)  # a swipe goes on from here, a double tap chooses it
        self.speech.say(describe(target, self.tr, headset=self.speech.headset))
        return True

    def _under(self, touch):
        """The touchable under the finger, if any."""
        from kiosk.screens.walk import touchables

        under = [w for w in touchables(self.root()) if w.collide_point(*w.to_widget(*touch.pos))]
        return under[-1] if under else None

    def step(self, direction: int) -> None:
        """A swipe right (1) or left (-1): the next or previous item, spoken (on the browser
        strip the page's items come first)."""
        if self.page.active():
            self.page.step(direction)
            return
        focused = self.focus.move(direction) if self.focus is not None else None
        if focused is not None:
            self._landed(focused)

    def _landed(self, widget) -> None:
        self._explored = widget
        self.focused(widget)

    def takes_double_tap(self, touch) -> bool:
        """A double tap chooses the item last spoken: anywhere while it is one of the page's,
        anywhere but on the item itself (a tap there goes through to it) while it is a widget;
        never on a button that acts at the first touch (a letter typed twice, Louder twice)."""
        under = self._under(touch)
        if under is not None and getattr(under, "speech_direct", False):
            return False
        if self.page.active() and self.page.current is not None:
            return True
        focused = self.focus.focused if self.focus is not None else None
        return focused is not None and not focused.collide_point(*focused.to_widget(*touch.pos))

    def activate(self) -> bool:
        """A double tap anywhere: the item last spoken is chosen."""
        self._explored = None
        if self.page.active() and self.page.current is not None:
            return self.page.activate()
        return self.focus is not None and self.focus.activate()

    def typed(self, text: str) -> None:
        """A key of the strip's keyboard typed `text`: said, as a person cannot see it appear
        (a capital as a capital: "capital k")."""
        if text == " ":
            text = self.tr._("Space")
        elif len(text) == 1 and text.isalpha() and text.isupper():
            text = self.tr._("Capital {letter}").format(letter=text.lower())
        self.say_now(text)

    def say_now(self, text: str) -> None:
        """What a key just did, said at once over whatever was being said."""
        if self.speech.enabled:
            self.speech.stop()
            self.speech.say(text)

    def repeat(self) -> None:
        """Repeat: the whole screen read again."""
        from kiosk.screens.spoken import announce

        root = self.root()
        if root is not None and self.speech.enabled:
            self.speech.stop()
            self.speech.say(announce(root.ids.manager.current_screen, self.tr))

    def focused(self, widget) -> None:
        """The keyboard's focus moved to `widget`: say it."""
        from kiosk.screens.spoken import describe

        self.page.leave()
        self.speech.stop()
        self.speech.say(describe(widget, self.tr, headset=self.speech.headset))

    def attach(self, root) -> None:
        """The root tells when a new screen is shown, built with its content: its title is
        said at once, before the screen is even drawn."""
        root.bind(on_shown=lambda _root, _screen: self._read(now=True))

    def _on_screen(self, *_args) -> None:
        self._explored = None
        if self.root() is None:  # no window yet: nothing tells when the screen is shown
            self._read(now=False)

    def _on_page(self, *_args) -> None:
        """A new page of the step-by-step guide: read like a new screen."""
        self._explored = None
        self._read(now=False)

    def _read(self, now: bool) -> None:
        # Not after a fixed delay, which a blind person would wait through on every screen.
        self._announce_pending = True
        self._generation += 1
        generation = self._generation  # a later screen change makes this reading stale
        if now:
            self._say_title()
        else:
            self._later(TITLE_AFTER_PASSES, -1, lambda: generation == self._generation and self._say_title())

    def _later(self, times: int, timeout: float, then: Callable[[], None]) -> None:
        if times == 0:
            then()
        else:
            Clock.schedule_once(lambda _dt: self._later(times - 1, timeout, then), timeout)

    def _current_screen(self):
        root = self.root()
        if not self._announce_pending or not self.speech.enabled or root is None:
            return None  # silent, or over an item the person has already touched on the new screen
        return root.ids.manager.current_screen

    def _say_title(self) -> None:
        from kiosk.screens.spoken import sentence, title_of

        screen = self._current_screen()
        if screen is None:
            return
        if screen.name == "warning":
            self.speech.say(self._warning())
            self._announce_pending = False
            return
        self.speech.say(sentence(title_of(screen)))
        generation = self._generation
        self._later(REST_AFTER_FRAMES, 0, lambda: generation == self._generation and self._say_rest())

    def _say_rest(self) -> None:
        from kiosk.screens.spoken import announce_rest

        screen = self._current_screen()
        if screen is not None:
            self.speech.then(announce_rest(screen, self.tr))
        self._announce_pending = False

    def _warning(self) -> str:
        from kiosk.screens.warning import countdown_words

        return " ".join((
            self.tr._("Are you still there?"),
            countdown_words(self.tr, int(self.s.session.remaining)),
            self.tr._("Touch anywhere on the screen to continue.")))

    def _on_help_state(self, help_, _state) -> None:
        from kiosk.screens.help import request_words

        if help_.state and self.speech.enabled:
            self.speech.say(request_words(help_, self.tr, self.s.config.help.phone))

    def _on_print_job(self, printing, state: str) -> None:
        """Each change of the job's state is spoken in speech mode (the screen shows it)."""
        from kiosk.screens.print_words import job_text

        if state and state != "sending" and self.speech.enabled:
            place = self.s.config.printing.printer_place.in_(self.tr.language)
            self.speech.say(job_text(printing, self.tr, place))

    def _on_print_ready(self, _printing, preparing: bool) -> None:
        """The print screen is read while its preview is being made: once it is ready, what
        the screen now says (how many pages on how many sheets, the price, where to collect
        it, the limit; or why it cannot be printed) and its choices, Print among them."""
        if not preparing:
            self._read_again("print", self.speech.then)

    def read_again(self, name: str) -> None:
        """Screen `name`, if shown, read again after its title, at once (its words changed:
        the closing notice's time left)."""
        self._read_again(name, self.speech.say)

    def _read_again(self, name: str, say: Callable[[str], None], whole: bool = False) -> None:
        """Screen `name`, if shown, read again after the title (or `whole`, the title too) once
        laid out (its content changed): `say` is Speech.say (instead of what is being said)
        or Speech.then."""
        root = self.root()
        if not self.speech.enabled or root is None or root.ids.manager.current_screen.name != name:
            return
        generation = self._generation

        def read() -> None:
            from kiosk.screens.spoken import announce, announce_rest

            screen = root.ids.manager.current_screen
            if generation == self._generation and screen.name == name and self.speech.enabled:
                say((announce if whole else announce_rest)(screen, self.tr))

        self._later(REST_AFTER_FRAMES, 0, read)

    def _on_booking(self, _booking, state: str) -> None:
        """The booking screen changes as the desk answers: what it says now and its choices
        are read (the free times, "Book this time?", the code)."""
        if state:
            self._read_again("booking", self.speech.say)

    def _on_scan(self, _scanning, state: str) -> None:
        """Scanning said as it starts; once a page is in (or did not come), the scan screen
        read again: what it says now (the page, or the fault) and its choices."""
        if state == "scanning" and self.speech.enabled:
            self.speech.say(self.tr._("Scanning… Keep the lid closed."))
        elif state == "idle":
            self._read_again("scan", self.speech.say)

    def _on_phone_code(self, _phone, state: str) -> None:
        """"From my phone" read again once the code is ready (or cannot be had): the steps
        and the choices, or why not."""
        if state in ("ready", "unavailable"):
            self._read_again("phone_upload", self.speech.say)

    def _on_phone_file(self, _phone, count: int) -> None:
        """... and as a file arrives, or does not: "Files received: 1. ...", then the rest."""
        if count:
            self._read_again("phone_upload", self.speech.say)

    def _on_browser_notice(self, _eservices, notice: str) -> None:
        """A document that did not reach the page is said on the strip at once; coming back
        to the strip, or while its reading is still to come, the strip's reading says it."""
        from kiosk.screens.browser import attach_failed_words

        root = self.root()
        if (notice == "attach_failed" and self.speech.enabled and root is not None
                and root.ids.manager.current_screen.name == "browser" and not self._announce_pending):
            self.speech.say(attach_failed_words(self.tr))

    def _on_stick_refused(self, _usb, kind: str) -> None:
        """A picture on the stick that cannot be printed is said in speech mode (its row shows why)."""
        from kiosk.screens.stick import refused_words

        if kind and self.speech.enabled:
            self.speech.say(refused_words(self.tr, kind))
