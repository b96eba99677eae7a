"""The speaking process (`python -m kiosk.devices.speech_worker WORKDIR DEVICE`).

Reads one JSON utterance per line on stdin ({"id", "text", "voice", "rate", "volume"}), and
for each runs pyttsx3 once (synthesis to a WAV file), then plays it with aplay. Reports on
stdout, one JSON line each: ready (with the voices), playing, error (with a message),
done. pyttsx3's own "Audio saved" print goes to stderr, not into these reports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


_out = sys.stdout


def report(kind: str, **data) -> None:
    _out.write(json.dumps({"event": kind, "t": time.monotonic(), **data}) + "\n")
    _out.flush()


def main(workdir: str, device: str) -> int:
    import pyttsx3

    # pyttsx3 prints to stdout; the reports own it.
    report_stream = sys.stdout
    sys.stdout = sys.stderr
    global _out
    _out = report_stream

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
        try:
            os.unlink(wav)
        except FileNotFoundError:
            pass
        engine.setProperty("voice", request["voice"])
        engine.setProperty("rate", request["rate"])
        engine.setProperty("volume", request["volume"])
        engine.save_to_file(request["text"], wav)
        engine.runAndWait()
        if not os.path.exists(wav) or os.path.getsize(wav) <= 44:  # a WAV header and nothing else
            report("error", id=request["id"], message="the engine produced no sound")
            report("done", id=request["id"])
            continue
        report("playing", id=request["id"])
        player = subprocess.run(["aplay", "-q", "-D", device, wav], check=False, capture_output=True, text=True)
        if player.returncode != 0:
            report("error", id=request["id"], message=f"aplay -D {device}: {player.stderr.strip()[:200]}")
        report("done", id=request["id"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
