"""One measured process: `python -m bench.probe {kiosk|bare} {startup|memory}`.

Both subjects start the same way (this module, the same Kivy set-up and window size), so
the difference between them is what the kiosk itself costs.
  startup: prints "first-frame" as soon as the first frame is on screen, then exits.
  memory:  (kiosk) visits every screen once, then prints "rss <kB>" while idle, then exits.
"""

from __future__ import annotations

import sys

from kiosk.config import DEMO_FILE


def resident_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def make_app(subject: str):
    if subject == "kiosk":
        from kiosk.cli import build_app

        return build_app(DEMO_FILE)
    from kiosk import lockdown
    from kiosk.config import load_config

    lockdown.prepare_environment()
    lockdown.configure_kivy(load_config(DEMO_FILE).display)
    from kivy.app import App
    from kivy.uix.button import Button

    class BareApp(App):
        def build(self):
            return Button(text="Touch to start")

    return BareApp()


def main(subject: str, metric: str) -> int:
    app = make_app(subject)
    from kivy.clock import Clock
    from kivy.core.window import Window

    def first_frame(*_args) -> None:
        Window.unbind(on_flip=first_frame)
        if metric == "startup":
            print("first-frame", flush=True)
            app.stop()
            return
        if subject == "kiosk":
            app.flow.start_session()
        Clock.schedule_once(lambda _dt: tour(list_screens()), 0)

    def list_screens() -> list[str]:
        if subject != "kiosk":
            return []
        from kiosk.screens import SCREENS

        return [s for s in SCREENS if s != "out_of_service"]

    def tour(remaining: list[str]) -> None:
        if remaining:
            from kiosk.screenshots import stage

            stage(app, remaining[0])
            Clock.schedule_once(lambda _dt: tour(remaining[1:]), 0.05)
            return
        if subject == "kiosk":
            app.flow.end_session()  # the wipe, then the goodbye screen
            app.flow.answer_goodbye("yes")  # and back to welcome, the way a person leaves
        # Idle for a moment, as a kiosk waits for the next person.
        Clock.schedule_once(report, 0.5)

    def report(_dt) -> None:
        print(f"rss {resident_kb()}", flush=True)
        app.stop()

    app.bind(on_start=lambda *_: Window.bind(on_flip=first_frame))
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
