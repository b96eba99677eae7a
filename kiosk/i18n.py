"""Translations with a live language switch.

Kivy has no gettext integration. `Translator` is an `Observable` whose `_` can be used in
KV rules (`text: app.tr._("Touch to start")`): the KV compiler binds to `_` like to a
property, and switching language re-evaluates exactly those rules, so the screen a person
is looking at changes language without being rebuilt.
"""

from __future__ import annotations

import gettext
import itertools
import logging
import weakref
from pathlib import Path
from typing import Any, Callable

from kivy.event import EventDispatcher, Observable
from kivy.weakproxy import WeakProxy

from kiosk.languages import LOCALE_DIR
from kiosk.po import DOMAIN

log = logging.getLogger(__name__)


def N_(text: str) -> str:
    """Marks a string for translation where it is translated later (by `gettext_for`)."""
    return text


class Translator(Observable):
    """Translates user-visible strings into the current language and tells KV rules when it changes."""

    def __init__(self, languages: list[str], language: str, locale_dir: Path = LOCALE_DIR) -> None:
        super().__init__()
        self.languages = list(languages)
        self._catalogues: dict[str, gettext.NullTranslations] = {}
        for code in self.languages:
            mo = locale_dir / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
            try:
                with mo.open("rb") as handle:
                    self._catalogues[code] = gettext.GNUTranslations(handle)
            except OSError:
                # English is the source language, so the kiosk stays usable; staff see why.
                log.error("translations for '%s' are not compiled (%s missing): run 'make locale'", code, mo)
                self._catalogues[code] = gettext.NullTranslations()
        self.language = language
        self._observers: dict[int, tuple[Callable, Any, tuple, dict]] = {}
        self._uids = itertools.count(1)
        self._listeners: list[Callable[[str], None]] = []
        self._reverse: dict[str, dict[str, str]] = {}

    def _(self, text: str) -> str:
        return self._catalogues[self.language].gettext(text)

    def gettext_for(self, language: str, text: str) -> str:
        """`text` in `language` (the current language if that one is not offered)."""
        return self._catalogues.get(language, self._catalogues[self.language]).gettext(text)

    def in_every_language(self, shown: str) -> list[str]:
        """`shown`, a text in the current language, as each offered language has it ([shown]
        alone when it is no translation of the catalogue's). For what must take the same
        room in every language (Help and End session hold one place on every screen).

        gettext has no public way back from a translation to its message, so the
        catalogue's own dictionary is read, once a language."""
        back = self._reverse.get(self.language)
        if back is None:
            catalogue = getattr(self._catalogues[self.language], "_catalog", {})
            back = self._reverse[self.language] = {
                str(text): str(key) for key, text in catalogue.items() if isinstance(key, str) and key}
        msgid = back.get(shown, shown if self._(shown) == shown else None)
        if msgid is None:
            return [shown]
        return [self.gettext_for(code, msgid) for code in self.languages]

    def switch(self, language: str) -> None:
        if language not in self._catalogues:
            raise ValueError(f"language '{language}' is not offered here")
        if language == self.language:
            return
        self.language = language
        # A copy taken in one step (dict.copy allocates nothing per entry): building a list
        # of the items may run the garbage collector, whose weak-reference callbacks unbind
        # rules of widgets just collected, changing the dictionary under the iteration.
        for uid, (func, element_ref, rest, kwargs) in self._observers.copy().items():
            element = element_ref() if element_ref is not None else None
            if element_ref is not None and element is None:
                self._observers.pop(uid, None)
                continue
            args = ((element,) + rest,) if element_ref is not None else rest
            try:
                func(*args, None, None, **kwargs)
            except ReferenceError:
                self._observers.pop(uid, None)
        for listener in list(self._listeners):
            listener(language)

    def on_language(self, listener: Callable[[str], None]) -> None:
        """Call `listener(language)` after every switch (for widgets built in Python)."""
        self._listeners.append(listener)

    @property
    def bound_rules(self) -> int:
        return len(self._observers)

    # The KV compiler binds rules to '_' through these three methods.
    def fbind(self, name: str, func: Callable, *largs: Any, **kwargs: Any) -> int:
        if name != "_":
            return super().fbind(name, func, *largs, **kwargs)
        uid = next(self._uids)
        # KV passes (element, key, value, rule, idmap); hold the element weakly so a
        # discarded widget is not kept alive by the translator (Kivy unbinds it on death).
        if len(largs) == 1 and isinstance(largs[0], tuple) and largs[0] \
                and isinstance(largs[0][0], (EventDispatcher, WeakProxy)):
            element = largs[0][0]
            # A WeakProxy is weak already; it raises ReferenceError once its widget is gone.
            ref = (lambda proxy=element: proxy) if isinstance(element, WeakProxy) else weakref.ref(element)
            self._observers[uid] = (func, ref, largs[0][1:], kwargs)
        else:
            self._observers[uid] = (func, None, largs, kwargs)
        return uid

    def funbind(self, name: str, func: Callable, *largs: Any, **kwargs: Any) -> None:
        if name != "_":
            return super().funbind(name, func, *largs, **kwargs)
        for uid, (f, _ref, _rest, _kw) in list(self._observers.items()):
            if f == func:
                del self._observers[uid]
                return

    def unbind_uid(self, name: str, uid: int) -> None:
        if name != "_":
            return super().unbind_uid(name, uid)
        self._observers.pop(uid, None)
