"""Text-to-speech: pyttsx3 with espeak-ng, in a worker process of its own.

pyttsx3's run loop cannot be re-entered or interrupted, and espeak's playback blocks in
`aplay`, so the engine lives in a separate process (a fresh interpreter, never a fork of
the Kivy process: `kiosk.devices.speech_worker`) in its own process group. Stop kills that group, which silences `aplay` at once, and a spare worker
that was started beforehand takes over, so the next utterance does not wait for a start.
Each utterance is one pyttsx3 run: synthesised to a WAV file, then played with
`aplay -D <device>` (device "null" where there is no sound card, as in CI).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Protocol

from kiosk.devices import DeviceError

log = logging.getLogger(__name__)

# Fallbacks for languages espeak-ng cannot speak (CONTEXT.md): the nearest spoken one.
NEAREST_SPOKEN = {"se": "fi", "smn": "fi", "sms": "fi", "so": "en", "ku": "en", "fa": "en", "zh": "en"}
START_TIMEOUT_S = 15.0
# pyttsx3 hangs on very long texts: long texts go to the engine in chunks (kiosk.speech).
MAX_UTTERANCE_CHARS = 1000


class Speaker(Protocol):
    """A voice. `speak` interrupts whatever is being said."""

    def voices(self) -> dict[str, str]:
        """Installed voice per language code ("fi" -> "urj/fi"). Raises DeviceError."""

    def speak(self, text: str, language: str) -> None:
        """Say `text` in `language` (which must have a voice), interrupting current speech."""

    def stop(self) -> None:
        """Silence now."""

    def set_rate(self, words_per_minute: int) -> bool:
        ...

    def set_volume(self, volume: float) -> bool:
        """0.0 - 1.0; False if out of range."""

    def set_device(self, device: str) -> None:
        """Speak to another ALSA device from now on (a headset plugged or unplugged)."""

    def busy(self) -> bool:
        """Whether something is still being said. Polling it is how playback is followed:
        the engine's reports (`on_event`) are read here, on the caller's thread."""


def has_sound_card(cards: Path = Path("/proc/asound/cards")) -> bool:
    try:
        text = cards.read_text()
    except OSError:
        return False
    return bool(text.strip()) and "no soundcards" not in text


class _Worker:
    """One speaking process, in a process group of its own (aplay included)."""

    def __init__(self, workdir: Path, device: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.devices.speech_worker", str(workdir), device],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True)
        self.events: queue.Queue = queue.Queue()
        self.voices: dict[str, str] | None = None
        threading.Thread(target=self._read, daemon=True, name="speech-events").start()

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                continue
        self.events.put({"event": "exit"})

    def wait_ready(self, timeout: float) -> dict[str, str]:
        if self.voices is None:
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                event = {}
            if event.get("event") != "ready":
                self.kill()
                raise DeviceError(f"the speech engine did not start within {timeout:g} s "
                                  "(are espeak-ng and pyttsx3 installed?)")
            self.voices = event["voices"]
        return self.voices

    def send(self, number: int, text: str, voice: str, rate: int, volume: float) -> None:
        try:
            self.process.stdin.write(json.dumps({"id": number, "text": text, "voice": voice, "rate": rate,
                                                 "volume": volume}) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise DeviceError("the speech engine stopped") from None

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=5)


class VoiceSettings:
    """Rate and volume, bounded the same for the real engine and the fake."""

    rate = 160
    volume = 0.8

    def set_rate(self, words_per_minute: int) -> bool:
        if not 80 <= words_per_minute <= 400:
            return False
        self.rate = words_per_minute
        return True

    def set_volume(self, volume: float) -> bool:
        if not 0.0 <= volume <= 1.0:
            return False
        self.volume = volume
        return True


class EspeakSpeaker(VoiceSettings):
    def __init__(self, workdir: Path, device: str = "default", rate: int = 160, volume: float = 0.8,
                 on_event: Callable[[str, float, int], None] | None = None) -> None:
        if shutil.which("aplay") is None:
            raise DeviceError("aplay is not installed (Debian package 'alsa-utils'): speech is unavailable")
        if device != "null" and not has_sound_card():
            raise DeviceError("there is no audio device (no sound card in /proc/asound/cards): "
                              "speech is unavailable until one is connected")
        self.workdir = workdir
        self.device = device
        self.rate = rate
        self.volume = volume
        self.on_event = on_event
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._pending = 0
        self.last_id = 0  # of the last utterance sent; the engine's reports carry it
        self._current = _Worker(workdir, device)
        self._spare = _Worker(workdir, device)
        self._voices = self._current.wait_ready(START_TIMEOUT_S)

    def voices(self) -> dict[str, str]:
        return dict(self._voices)

    def speak(self, text: str, language: str) -> None:
        if len(text) > MAX_UTTERANCE_CHARS:
            raise DeviceError(f"an utterance of {len(text)} characters is too long; send it in chunks")
        voice = self._voices.get(language)
        if voice is None:
            raise DeviceError(f"no voice for language '{language}'")
        with self._lock:
            if self._busy():
                self._replace()
            self._pending += 1
            self.last_id += 1
            self._current.send(self.last_id, text, voice, self.rate, self.volume)

    def stop(self) -> None:
        with self._lock:
            if self._busy():
                self._replace()

    def set_device(self, device: str) -> None:
        with self._lock:
            if device == self.device:
                return
            self.device = device
            for worker in (self._current, self._spare):
                worker.kill()
            self._pending = 0
            self._current = _Worker(self.workdir, device)
            self._spare = _Worker(self.workdir, device)
            self._current.wait_ready(START_TIMEOUT_S)

    @property
    def worker_pid(self) -> int:
        """The process (and process group) of the engine speaking now; Stop replaces it."""
        return self._current.process.pid

    def busy(self) -> bool:
        """Whether the current utterance is still being said. Reads the engine's reports
        first, so `on_event` ("playing", "done") is called from here, on the caller's
        thread: kiosk.speech polls this between the chunks of a long text, and anyone
        waiting for a report (a test, a benchmark) polls it too."""
        with self._lock:
            return self._busy()

    def wait_idle(self, timeout: float) -> bool:
        """For tests and benchmarks: until the current utterance has been played."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _busy(self) -> bool:
        """busy() for callers that hold the lock already."""
        while True:
            try:
                event = self._current.events.get_nowait()
            except queue.Empty:
                break
            if event["event"] in ("done", "exit"):
                self._pending = 0 if event["event"] == "exit" else max(0, self._pending - 1)
            if event["event"] == "error":
                log.error("speech: %s", event.get("message", "unknown error"))
            if event["event"] in ("playing", "done") and self.on_event:
                self.on_event(event["event"], event["t"], event["id"])
        return self._pending > 0

    def _replace(self) -> None:
        old = self._current
        old.kill()  # silence first: aplay dies with its process group
        self._current = self._spare
        self._current.wait_ready(START_TIMEOUT_S)
        self._pending = 0
        self._spare = _Worker(self.workdir, self.device)

    def close(self) -> None:
        for worker in (self._current, self._spare):
            worker.kill()


class FakeSpeaker(VoiceSettings):
    """Records what it was asked to say; voices for the languages given. It says everything
    at once (never busy), and refuses what the engine refuses. Its contract with
    EspeakSpeaker: tests/devices/test_contract_speaker.py."""

    def __init__(self, languages=("fi", "sv", "en")) -> None:
        self._voices = {code: f"fake/{code}" for code in languages}
        self.spoken: list[tuple[str, str]] = []
        self.stops = 0
        self.device = "default"
        self.rate = 160
        self.volume = 0.8

    def voices(self) -> dict[str, str]:
        return dict(self._voices)

    def speak(self, text: str, language: str) -> None:
        if len(text) > MAX_UTTERANCE_CHARS:
            raise DeviceError(f"an utterance of {len(text)} characters is too long; send it in chunks")
        if language not in self._voices:
            raise DeviceError(f"no voice for language '{language}'")
        self.spoken.append((language, text))

    def stop(self) -> None:
        self.stops += 1

    def set_device(self, device: str) -> None:
        self.device = device

    def busy(self) -> bool:
        return False
