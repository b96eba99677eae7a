"""Every service's practice, from its guide's "Practise first" to its confirmation and out,
in real Chromium on the kiosk's own practice site (issue 20): the whole app, its strip
showing the guide's step beside the page's, and the page's buttons pressed in the page."""

from __future__ import annotations

import json

import pytest

from kiosk.devices import DeviceError
from testbed.pdfs import pdf_text
from tests.screens.conftest import evaluate

pytestmark = pytest.mark.gui

# What a person writes in each kind of field (the practice takes anything).
ANSWERS = {"number": "3", "date": "1.2.2027", "email": "maija@example.fi", "tel": "040 123 4567",
           "password": "1234", "text": "Harjoitus", "textarea": "Kiitos"}
FILL = """(() => {
  const answers = %s;
  for (const field of document.querySelectorAll('main input:not([type=hidden]), main textarea')) {
    if (field.type === 'radio') { if (!document.querySelector(`input[name="${field.name}"]:checked`)) field.checked = true; continue; }
    const kind = field.tagName === 'TEXTAREA' ? 'textarea' : field.inputMode === 'numeric' && field.placeholder ? 'date'
      : field.inputMode === 'numeric' ? 'number' : field.type;
    field.value = answers[kind] || answers.text;
  }
})()""" % json.dumps(ANSWERS)


PAGE = ("document.readyState === 'complete' && document.body && document.body.dataset.kind ? "
        "({url: location.href, kind: document.body.dataset.kind, step: +document.body.dataset.step, "
        "total: +document.body.dataset.total, shown: document.getElementById('step').innerText, "
        "guide: document.getElementById('guide').innerText, "
        "reference: document.getElementById('reference')?.innerText || ''}) : null")


def page(app) -> dict:
    """The page in the browser as the person sees it, once it is drawn ({} while it is
    between two pages: Chromium may then have no page to ask)."""
    try:
        return evaluate(app, PAGE) or {}
    except DeviceError:
        return {}


def go_on(gui, before: str) -> None:
    """Fills in what the page asks and presses its first button, as a person would."""
    app = gui.app
    evaluate(app, FILL)
    evaluate(app, "document.querySelector('main button.go').click()")
    gui.wait_until(lambda: page(app).get("url", before) != before, 20)


def test_every_services_practice_follows_its_guide_step_by_step_in_chromium(practising):
    gui = practising
    app = gui.app
    for service in app.catalog.services:
        steps = service.in_("en").steps
        app.journey.choose_level("guided")
        app.journey.choose_service(service.id)
        gui.frames()
        gui.tap(gui.ids()["practice_button"])  # the guide's "Practise first"
        gui.wait_until(lambda: app.eservices.open and page(app).get("kind"), 60)
        seen, printed = [], False
        while True:
            shown = page(app)
            gui.wait_until(lambda: app.errands.practice_step == shown["step"], 20)
            gui.frames()
            n, total = shown["step"], shown["total"]
            where = f"{service.id}, {shown['url']}"
            # The guide's step beside the page's: the same number, the same words.
            assert total == len(steps), where
            assert shown["shown"] == f"Step {n} of {total}", where
            assert steps[n - 1] in shown["guide"], where
            strip = gui.ids()["notice"].text
            assert strip == f"Practice – the guide's step {n} of {total}: {steps[n - 1]}", where
            seen.append(n)
            if shown["kind"] == "end":
                break
            if shown["kind"] == "done" and not printed:
                # The confirmation to print: the page as a document of the session.
                assert shown["reference"].startswith("Practice reference: HARJ-"), where
                gui.tap(gui.ids()["print_page"])
                gui.wait_until(lambda: app.journey.screen == "print", 30)
                document = app.printing.document
                assert document is not None and shown["reference"][len("Practice reference: "):] in " ".join(
                    pdf_text(document.path).split()), where
                printed = True
                gui.wait_until(lambda: not app.printing.preparing, 30)
                gui.frames()
                gui.tap(gui.bar("back_button"))
                gui.wait_until(lambda: app.journey.screen == "browser", 10)
            go_on(gui, shown["url"])
        assert seen == sorted(seen) and set(seen) == set(range(1, len(steps) + 1)), (service.id, seen)
        assert printed or not any(p.kind == "done" for p in service.practice), service.id
        # "Guide" in the strip: back to the guide, on the step the practice ended on.
        home = gui.ids()["browser_home"]
        assert home.text == "Guide"
        gui.tap(home)
        gui.wait_until(lambda: app.journey.screen == "guide", 10)
        gui.frames()
        assert gui.ids()["progress"].text == f"Step {len(steps)} of {len(steps)}"
        gui.wait_until(lambda: not app.eservices.open, 20)
        app.journey.home()
