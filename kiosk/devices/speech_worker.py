"""The speaking process (`python -m kiosk.devices.speech_worker WORKDIR DEVICE`).

Reads one JSON utterance per line on stdin ({"id", "text", "voice", "rate", "volume"}), and
for each runs pyttsx3 once (synthesis to a WAV file), then plays it with aplay. Reports on
stdout, one JSON line each: ready (with the voices), playing, done.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def report(kind: str, **data) -> None:
    sys.stdout.write(json.dumps({"event": kind, "t": time.monotonic(), **data}) + "\n")
    sys.stdout.flush()


def main(workdir: str, device: str) -> int:
    import pyttsx3

    engine = pyttsx3.init("espeak")
    voices: dict[str, str] = {}
    for voice in engine.getProperty("voices"):
        for language in voice.languages or []:
            code = language.decode() if isinstance(language, bytes) else str(language)
            voices.setdefault(code.split("-")[0].lower(), voice.id)
    report("ready", voices=voices)
    wav = os.path.join(workdir, f"utterance-{os.getpid()}.wav")
    for line in sys.stdin:
        request = json.loads(line)
        engine.setProperty("voice", request["voice"])
        engine.setProperty("rate", request["rate"])
        engine.setProperty("volume", request["volume"])
        engine.save_to_file(request["text"], wav)
        engine.runAndWait()
        report("playing", id=request["id"])
        subprocess.run(["aplay", "-q", "-D", device, wav], check=False)
        report("done", id=request["id"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
