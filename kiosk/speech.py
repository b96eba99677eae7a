"""Speech mode: what the kiosk says, in which language, and Stop / Repeat.

The screens decide what a widget is called (kiosk/screens/spoken.py); this service decides
whether and how it is said: only in speech mode, always in the screen's language (or the
nearest language that has a voice, which the accessibility screen then says visibly),
every new utterance interrupting the last, and never a crash when there is no audio.
What reaches the engine is the spoken form of the text (kiosk/spoken_text.py: phone
numbers digit by digit, times, amounts, abbreviations); `last`, what Repeat says again,
stays the written text.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Mapping

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.devices import DeviceError
from kiosk.devices.speaker import MAX_UTTERANCE_CHARS, NEAREST_SPOKEN, Speaker
from kiosk.session import KivyScheduler, Scheduler

log = logging.getLogger(__name__)

# Long texts (a page read aloud) go to the engine a few sentences at a time, so Stop and a
# new touch never wait behind a whole page.
CHUNK_CHARS = 400
POLL_S = 0.1  # how often a reading looks whether the engine has finished its chunk


class Speech(EventDispatcher):
    enabled = BooleanProperty(False)
    available = BooleanProperty(False)
    unavailable_reason = StringProperty("")
    language = StringProperty("")          # the screen's language
    voice_language = StringProperty("")    # the language actually spoken ("" = none)
    volume = NumericProperty(0.8)
    last = StringProperty("")
    headset = BooleanProperty(False)       # private output: masked input may be read out

    def __init__(self, speaker: Speaker | None, default_volume: float, unavailable_reason: str = "",
                 scheduler: Scheduler | None = None,
                 spoken_forms: Mapping[str, Mapping[str, str]] | None = None, **kwargs) -> None:
        """`scheduler` times a long reading's next chunk (Kivy's clock unless given);
        `spoken_forms` are the catalogue's own, per language (`Catalog.spoken`)."""
        super().__init__(**kwargs)
        self.speaker = speaker
        self.set_spoken_forms(spoken_forms or {})
        self.scheduler = scheduler or KivyScheduler()
        self._cancel_reading: Callable[[], None] | None = None
        self.default_volume = default_volume
        self.volume = default_volume
        self._voices: dict[str, str] = {}
        self._chunks: list[str] = []
        if speaker is not None:
            try:
                self._voices = speaker.voices()
                self.available = True
                speaker.set_volume(default_volume)
            except DeviceError as error:
                unavailable_reason = str(error)
        if not self.available:
            self.unavailable_reason = unavailable_reason or "no speech engine configured"
            log.warning("speech unavailable: %s", self.unavailable_reason)

    def set_language(self, language: str) -> None:
        self.language = language
        if language in self._voices:
            self.voice_language = language
        else:
            nearest = NEAREST_SPOKEN.get(language, "en")
            self.voice_language = nearest if nearest in self._voices else ""

    @property
    def voice_missing(self) -> bool:
        return self.voice_language != self.language

    def say(self, text: str) -> bool:
        """Say `text` if speech mode is on (interrupting); remembered for Repeat."""
        self._chunks = []  # whatever was being read aloud gives way
        if not self.enabled or not text.strip():
            return False
        if len(text) > CHUNK_CHARS:
            return self.say_long(text)
        self.last = text
        return self._speak(text)

    def say_long(self, text: str) -> bool:
        """A long text (a page read aloud), a few sentences at a time, each chunk when the
        last has been said; Stop or any new utterance drops the rest."""
        chunks = chunk(text)
        if not chunks or not self.enabled:
            return False
        self.last = chunks[0]
        started = self._speak(chunks[0])
        self._chunks = chunks[1:]
        if started:
            self._read_on()
        return started

    def then(self, text: str) -> bool:
        """`text` after what is being said now, a few sentences at a time (a screen's words
        after its title); Stop or any new utterance drops it too."""
        if not self.enabled or not text.strip():
            return False
        self._chunks += chunk(text)
        self._read_on()
        return True

    def _read_on(self) -> None:
        """Every POLL_S while chunks remain: the next one once the engine is quiet."""
        if self._cancel_reading is not None:
            self._cancel_reading()
            self._cancel_reading = None
        if self._chunks:
            self._cancel_reading = self.scheduler.call_later(POLL_S, self._poll)

    def _poll(self) -> None:
        self._cancel_reading = None
        if self._chunks and not self.speaker.busy():
            self.next_chunk()
        self._read_on()

    def next_chunk(self) -> bool:
        if not self._chunks:
            return False
        self.last = self._chunks.pop(0)
        return self._speak(self.last)

    def repeat(self) -> bool:
        return self._speak(self.last) if self.enabled and self.last else False

    def stop(self) -> None:
        self._chunks = []
        if self.speaker is not None and self.available:
            try:
                self.speaker.stop()
            except DeviceError as error:
                log.error("speech stop failed: %s", error)

    def set_volume(self, volume: float) -> bool:
        volume = round(min(1.0, max(0.1, volume)), 2)
        if self.speaker is None or not self.speaker.set_volume(volume):
            return False
        self.volume = volume
        return True

    def use_output(self, device: str, headset: bool) -> None:
        """Speak to `device` from now on; `headset` says whether only the person hears it."""
        self.headset = headset
        if self.speaker is not None and self.available:
            try:
                self.speaker.set_device(device)
            except DeviceError as error:
                log.error("cannot switch speech to %s: %s", device, error)

    def reset(self) -> None:
        """For the next person: speech off, silent, volume back to the safe default."""
        self.stop()
        self.enabled = False
        self.last = ""
        self.set_volume(self.default_volume)

    def test(self, text: str, language: str) -> bool:
        """Staff mode's speech test: `text` in `language`'s voice, speech mode on or not."""
        previous = self.language
        self.set_language(language)
        try:
            return self._speak(text)
        finally:
            self.set_language(previous)

    def set_spoken_forms(self, spoken_forms: Mapping[str, Mapping[str, str]]) -> None:
        """The catalogue's own spoken forms (a catalogue rolled out between sessions too)."""
        self._written_forms = {language: dict(forms) for language, forms in spoken_forms.items()}
        self._spoken_forms = None

    @property
    def spoken_forms(self) -> dict:
        """The catalogue's spoken forms per language (kiosk.spoken_text.SpokenForms). Built,
        with the normaliser's patterns, at the first utterance: not before the first frame."""
        if self._spoken_forms is None:
            from kiosk.spoken_text import SpokenForms

            self._spoken_forms = {language: SpokenForms(forms) for language, forms in self._written_forms.items()}
        return self._spoken_forms

    def spoken(self, text: str) -> str:
        """What the engine is given for `text`, written in the screen's language. Should the
        spoken form outgrow what the engine takes at once, the written text is said."""
        from kiosk.spoken_text import normalise

        said = normalise(text, self.language, self.spoken_forms.get(self.language))
        return said if len(said) <= MAX_UTTERANCE_CHARS else text

    def _speak(self, text: str) -> bool:
        """Every utterance goes to the engine here, in its spoken form."""
        if not self.available or not self.voice_language:
            return False
        try:
            self.speaker.speak(self.spoken(text), self.voice_language)
            return True
        except DeviceError as error:
            log.error("speech failed: %s", error)
            return False


def chunk(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Split at sentence ends into pieces of at most about `limit` characters."""
    sentences = []
    for sentence in (s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s):
        while len(sentence) > limit:  # a run-on "sentence": cut at a space
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            sentences.append(sentence[:cut])
            sentence = sentence[cut:].strip()
        if sentence:
            sentences.append(sentence)
    chunks, current = [], ""
    for sentence in sentences:
        if current and len(current) + 1 + len(sentence) > limit:
            chunks.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        chunks.append(current)
    return chunks
