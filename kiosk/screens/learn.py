from kiosk.lessons import LESSONS
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import CardButton, KioskScreen


class LearnScreen(KioskScreen):
    """Learn the basics: short lessons, each a few minutes, done by touching; a done mark on
    each finished in this session, and "what I learnt today" to print."""

    essentials = ("print_learnt",)

    def on_kv_post(self, base_widget) -> None:
        super().on_kv_post(base_widget)
        # A bound method, which Kivy holds weakly: a lambda would keep every screen built.
        kiosk().learning.bind(done=self._done_changed)

    def _done_changed(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = kiosk()
        tr, done = app.tr, app.learning.done
        grid = self.ids.lessons
        grid.clear_widgets()
        for item in LESSONS:
            finished = item.id in done
            minutes = tr._("About {n} minutes").format(n=item.minutes)
            card = CardButton(title=tr._(item.title), icon="check_circle" if finished else "school",
                              summary=f"{tr._('Done')} · {minutes}" if finished else minutes,
                              kind="selected" if finished else "secondary")
            card.lesson_id = item.id
            card.bind(on_release=lambda _c, lesson_id=item.id: app.learning.open(lesson_id))
            grid.add_widget(card)
