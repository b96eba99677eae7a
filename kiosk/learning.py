"""Learn the basics, from the kiosk's side: which lesson is open in the locked browser, which
are done in this session, and "what I learnt today" on a slip to print.

The lessons are pages of the practice site (kiosk/lessons.py, kiosk/practice.py); a lesson
is done when its last page is reached. What is done lives in this session only and goes
at the wipe; the statistics count lessons finished, by lesson, and nothing else.
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.lessons import LESSONS, lesson


class Learning(EventDispatcher):
    done = ListProperty()  # the lessons finished in this session, in the order finished
    current = StringProperty("")  # the lesson open in the browser; "" for none
    page = StringProperty("")  # its page: a number, or "done"
    available = BooleanProperty(False)  # the practice site that serves the lessons is up

    def __init__(self, services, flow, counts, errands, **kwargs) -> None:
        """`errands`: opens pages in the locked browser and prints slips; its practice
        site serves the lessons."""
        super().__init__(**kwargs)
        self.s, self.flow, self.counts, self.errands = services, flow, counts, errands
        services.eservices.bind(url=self._page_changed, open=self._page_changed)
        errands.bind(practice=lambda _errands, practice: setattr(self, "available", practice is not None))
        self.available = errands.practice is not None

    def open(self, lesson_id: str) -> None:
        practice = self.errands.practice
        if practice is None or lesson(lesson_id) is None or not self.flow.begin_session():
            return
        self.errands.open_address(f"lesson-{lesson_id}", practice.lesson_url(lesson_id, self.s.tr.language))

    def leave(self) -> None:
        """"Lessons" in the strip: back to the list, the browser closed."""
        self.s.eservices.close()
        self.s.journey.back_to("learn")

    def _page_changed(self, *_args) -> None:
        eservices, practice = self.s.eservices, self.errands.practice
        lesson_id, page = "", ""
        if practice is not None and eservices.open:
            from kiosk.practice import lesson_of  # practice on: its module is loaded already

            lesson_id, page = lesson_of(eservices.url, practice.host)
        self.current, self.page = lesson_id, page
        if page == "done" and lesson_id not in self.done:
            self.done.append(lesson_id)
            self.counts.learnt(lesson_id)

    def print_learnt(self) -> None:
        """"What I learnt today": the lessons done, each with what it taught, on a slip."""
        from kiosk.support_slip import write_learnt_slip

        tr = self.s.tr
        if not self.done:
            return
        learnt = [(tr._(item.title), tr._(item.learnt)) for item in LESSONS if item.id in self.done]
        self.errands.print_slip(tr._("What I learnt today"), lambda path, large: write_learnt_slip(
            path, learnt, tr, self.s.config.site.name.in_(tr.language), large=large))

    def reset(self) -> None:
        self.done = []
        self.current = ""
        self.page = ""

    def left_over(self) -> int:
        return len(self.done) + bool(self.current)


def lesson_words(tr, lesson_id: str, page: str) -> str:
    """The strip's line while a lesson is open: which lesson, and how far (`tr`: the Translator)."""
    item = lesson(lesson_id)
    if item is None:
        return ""
    if page == "done":
        return tr._("Lesson done: {title}").format(title=tr._(item.title))
    return tr._("Lesson: {title}, page {n} of {total}").format(title=tr._(item.title), n=page, total=len(item.pages))
