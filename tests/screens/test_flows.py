"""A citizen's way through the kiosk, tapped on real screens."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def start(gui) -> None:
    gui.tap(gui.ids()["start_button"])
    assert gui.app.journey.screen == "needs"


def test_welcome_shows_site_and_languages_by_their_own_names(fresh_app):
    # The bar is fitted once its buttons have their widths (a busy machine may take a few
    # frames more after the previous person's wipe): the languages then stand one by one.
    app = fresh_app.app
    fresh_app.wait_until(lambda: app.window_settled() and not app.root.fold_languages, 10)
    texts = fresh_app.texts()
    assert "Esimerkkikirjasto" in texts
    assert "Kosketa aloittaaksesi" in texts
    for name in ("Suomi", "Svenska", "English"):
        assert name in texts
    # No session yet, so nothing to end; help and accessibility are there already.
    assert "Lopeta ja pyyhi" not in texts
    assert "Apua" in texts and "Saavutettavuus" in texts


def test_touch_to_start_opens_the_four_levels_of_need(fresh_app):
    start(fresh_app)
    texts = fresh_app.texts()
    assert "Miten voimme auttaa?" in texts
    for title in ("Osaan itse", "Opasta minua vaihe vaiheelta", "Haluan, että ihminen auttaa minua",
                  "En pysty käyttämään verkkopalveluja"):
        assert title in texts


@pytest.mark.parametrize("choice, screen, guided", [
    ("Osaan itse", "categories", False),
    ("Opasta minua vaihe vaiheelta", "categories", True),
    ("Haluan, että ihminen auttaa minua", "help", False),
    ("En pysty käyttämään verkkopalveluja", "nondigital", False),
])
def test_each_level_leads_to_its_screen(fresh_app, choice, screen, guided):
    start(fresh_app)
    fresh_app.tap(fresh_app.button(choice))
    assert fresh_app.app.journey.screen == screen
    assert fresh_app.app.journey.guided is guided


def test_catalogue_to_service_guide_to_address(fresh_app):
    start(fresh_app)
    fresh_app.tap(fresh_app.button("Osaan itse"))
    fresh_app.tap(fresh_app.button("Verot"))
    assert fresh_app.app.journey.screen == "services"
    assert "Verot" in fresh_app.texts()
    fresh_app.tap(fresh_app.button("OmaVero: verokortti ja veroilmoitus"))
    assert fresh_app.app.journey.screen == "guide"
    texts = fresh_app.texts()
    assert "Ennen kuin aloitat, tarvitset:" in texts
    assert any("Valitse Kirjaudu OmaVeroon" in t for t in texts)  # every step listed at once
    fresh_app.tap(fresh_app.button("Avaa palvelu"))
    assert fresh_app.app.journey.screen == "open_service"
    assert "Palvelun osoite: https://www.vero.fi/omavero" in fresh_app.texts()
    # Not a dead end: back to the guide, or help.
    fresh_app.tap(fresh_app.button("Takaisin ohjeeseen"))
    assert fresh_app.app.journey.screen == "guide"
    fresh_app.tap(fresh_app.button("Avaa palvelu"))
    # The service opens in the browser, the kiosk's window becomes the strip under it.
    app = fresh_app.app
    fresh_app.tap(fresh_app.ids()["open_button"])
    fresh_app.wait_until(lambda: app.eservices.open, 5)
    assert app.journey.screen == "browser" and app.devices.browser.opened[-1] == "https://www.vero.fi/omavero"
    from kivy.core.window import Window

    assert Window.system_size[1] < 300 and Window.top > 500
    for label in ("Lue ääneen", "Tulosta tämä sivu", "Näppäimistö", "Apua", "Lopeta ja pyyhi"):
        fresh_app.button(label)
    fresh_app.tap(fresh_app.button("Alkuun"))
    assert app.journey.screen == "needs" and not app.devices.browser.running
    assert Window.system_size[1] == 800


def test_a_reopened_browser_is_placed_above_the_strip_that_says_so(fresh_app):
    from kivy.core.window import Window

    app = fresh_app.app
    start(fresh_app)
    fresh_app.tap(fresh_app.button("Osaan itse"))
    fresh_app.tap(fresh_app.button("Verot"))
    fresh_app.tap(fresh_app.button("OmaVero: verokortti ja veroilmoitus"))
    fresh_app.tap(fresh_app.button("Avaa palvelu"))
    fresh_app.tap(fresh_app.ids()["open_button"])
    fresh_app.wait_until(lambda: app.eservices.open and app.window_settled(), 5)
    before = Window.system_size[1]
    browser = app.devices.browser
    browser.started.clear()  # a real browser takes a second to start again
    try:
        browser.crash()  # as Ctrl+W does: it is reopened, and the strip says so meanwhile
        fresh_app.wait_until(lambda: app.eservices.notice == "reopened" and app.eservices.starting, 5)
        fresh_app.wait_until(lambda: app.window_settled() and Window.system_size[1] > before, 5)
    finally:
        browser.started.set()
    fresh_app.wait_until(lambda: app.eservices.open, 5)
    # The browser ends where the strip, grown by its message, begins.
    fresh_app.wait_until(lambda: app.devices.browser.geometry.height == Window.top, 5)
    assert app.devices.browser.geometry.height + Window.system_size[1] == 800
    fresh_app.tap(fresh_app.button("Alkuun"))


def test_guided_mode_shows_one_step_per_page(fresh_app):
    start(fresh_app)
    fresh_app.tap(fresh_app.button("Opasta minua vaihe vaiheelta"))
    fresh_app.tap(fresh_app.button("Terveys"))
    fresh_app.tap(fresh_app.button("OmaKanta: reseptit ja terveystiedot"))
    steps = fresh_app.app.catalog.service("omakanta").in_("fi").steps
    texts = fresh_app.texts()
    assert "Ennen kuin aloitat" in texts and steps[0] not in texts
    for number, step in enumerate(steps, start=1):
        fresh_app.tap(fresh_app.button("Seuraava"))
        texts = fresh_app.texts()
        assert f"Vaihe {number}/{len(steps)}" in texts
        assert step in texts
        assert [s for s in steps if s in texts] == [step]
    with pytest.raises(AssertionError):
        fresh_app.button("Seuraava")  # the last step has no Next, only Open the service
    fresh_app.tap(fresh_app.button("Edellinen"))
    assert steps[-2] in fresh_app.texts()


def test_back_and_home_are_consistent(fresh_app):
    start(fresh_app)
    fresh_app.tap(fresh_app.button("Osaan itse"))
    fresh_app.tap(fresh_app.button("Työ"))
    fresh_app.tap(fresh_app.bar("back_button"))
    assert fresh_app.app.journey.screen == "categories"
    fresh_app.tap(fresh_app.bar("home_button"))
    assert fresh_app.app.journey.screen == "needs"


def test_language_switch_rerenders_the_current_screen_in_place(fresh_app):
    start(fresh_app)
    fresh_app.tap(fresh_app.button("Osaan itse"))
    fresh_app.tap(fresh_app.button("Raha ja etuudet"))
    screen = fresh_app.screen()
    fresh_app.tap(fresh_app.button("Svenska"))
    assert fresh_app.screen() is screen  # same screen, not rebuilt or restarted
    texts = fresh_app.texts()
    assert "FPA: förmåner och ansökningar" in texts
    assert "Pengar och förmåner" in texts
    assert "Hjälp" in texts and "Avsluta och radera" in texts
    assert "Raha ja etuudet" not in texts
    fresh_app.tap(fresh_app.button("English"))
    assert "Kela: benefits and applications" in fresh_app.texts()
    assert fresh_app.app.journey.screen == "services"


SESSION_SCREENS = ["needs", "categories", "services", "guide", "open_service", "help",
                   "accessibility", "nondigital"]


@pytest.mark.parametrize("screen", SESSION_SCREENS)
@pytest.mark.parametrize("target, bar_button", [("accessibility", "accessibility_button"),
                                                ("help", "help_button"),
                                                ("end_session", "end_button")])
def test_accessibility_help_and_end_session_one_tap_from_every_screen(fresh_app, screen, target, bar_button):
    from kiosk.screenshots import stage

    start(fresh_app)
    stage(fresh_app.app, screen)
    fresh_app.frames()
    button = fresh_app.bar(bar_button)
    assert not button.disabled and button.opacity == 1 and button.width > 0
    fresh_app.tap(button)
    assert fresh_app.app.journey.screen == target


def test_end_session_asks_first_and_then_resets_everything(fresh_app):
    start(fresh_app)
    fresh_app.tap(fresh_app.button("Svenska"))
    fresh_app.tap(fresh_app.bar("accessibility_button"))
    fresh_app.tap(fresh_app.button("Största text"))
    fresh_app.tap(fresh_app.button("Hög kontrast"))
    assert fresh_app.app.look.text_scale == 2.0 and fresh_app.app.look.contrast
    fresh_app.tap(fresh_app.bar("end_button"))
    assert fresh_app.app.journey.screen == "end_session"
    assert "Allt du gjorde här raderas:" in fresh_app.texts()
    fresh_app.tap(fresh_app.button("Nej, fortsätt"))
    assert fresh_app.app.journey.screen == "accessibility"
    fresh_app.tap(fresh_app.bar("end_button"))
    fresh_app.tap(fresh_app.button("Ja, avsluta och radera allt"))
    app = fresh_app.app
    # Wiped (its checks found the settings at their defaults), then the goodbye is shown
    # as the person had the kiosk: their language, text size and contrast.
    assert app.session.state == "ready" and app.wipe.receipts()[-1]["ok"]
    assert app.journey.history == [] and app.journey.service_id == ""
    assert app.journey.screen == "goodbye"
    assert app.tr.language == "sv" and app.look.contrast and app.look.text_scale == 2.0
    texts = fresh_app.texts()
    assert "Tack. Allt du gjorde här har raderats." in texts and "Fick du ditt ärende uträttat?" in texts
    fresh_app.tap(fresh_app.button("Delvis"))
    # The next person finds the defaults.
    assert app.journey.screen == "welcome"
    assert app.tr.language == "fi" and not app.look.contrast and app.look.text_scale == 1.0
    assert "Kosketa aloittaaksesi" in fresh_app.texts()


def test_text_size_scales_text_live(fresh_app):
    """The same widgets grow in place: running text doubles at 200 %, a title by the type
    scale (less, so that a question and its answers still fit together)."""
    from kivy.metrics import Metrics, dp

    start(fresh_app)
    fresh_app.tap(fresh_app.button("Osaan itse"))
    title = next(w for w in fresh_app.screen().walk() if getattr(w, "text", "") == "Mitä haluat tehdä?")
    body = next(w for w in fresh_app.screen().walk() if getattr(w, "text", "") == "Valitse aihe.")
    before = title.font_size, body.font_size
    fresh_app.app.look.set_text_scale(2.0)
    fresh_app.frames()
    assert Metrics.fontscale == 2.0
    assert body.font_size == pytest.approx(before[1] * 2)
    assert title.font_size == pytest.approx(dp(60)) and title.font_size > before[0]


def test_screens_are_rebuilt_per_visit_without_leaking(fresh_app):
    import gc

    from kivy.weakproxy import WeakProxy

    from kiosk.screens import SCREENS
    from kiosk.screens.widgets import KioskScreen
    from kiosk.screenshots import stage

    app = fresh_app.app

    def live_screens() -> list[str]:
        names = []
        for o in gc.get_objects():
            if type(o) is not WeakProxy and isinstance(type(o), type) and issubclass(type(o), KioskScreen):
                names.append(o.name)
        return names

    def visit_all() -> tuple[int, list[str]]:
        app.flow.start_session()
        for name in SCREENS:
            if name != "out_of_service":
                stage(app, name)
                fresh_app.frames(2)
        app.flow.end_session()
        app.flow.leave_goodbye()
        # A dropped screen lives while Kivy still has a layout or canvas update queued for
        # it; let those run out, as they do while the kiosk waits for the next person.
        for _ in range(30):
            fresh_app.frames(1)
            gc.collect()
            if live_screens() == ["welcome"]:
                break
        return app.tr.bound_rules, live_screens()

    rounds = [visit_all() for _ in range(5)]
    assert all(screens == ["welcome"] for _, screens in rounds), rounds
    assert len({bindings for bindings, _ in rounds}) == 1, rounds
    assert [s.name for s in app.root.ids.manager.screens] == ["welcome"]


def test_read_aloud_and_print_this_page_from_the_strip(fresh_app):
    app = fresh_app.app
    start(fresh_app)
    app.journey.service_id = "kela"
    app.journey.go("open_service")
    fresh_app.frames()
    fresh_app.tap(fresh_app.ids()["open_button"])
    fresh_app.wait_until(lambda: app.eservices.open, 5)
    app.devices.browser.text = "Asumistuki. Hae asumistukea verkossa."
    fresh_app.tap(fresh_app.button("Lue ääneen"))
    # Read aloud turns speech on for the person who asked, and reads the page.
    fresh_app.wait_until(lambda: app.devices.speaker.spoken
                         and app.devices.speaker.spoken[-1][1] == "Asumistuki. Hae asumistukea verkossa.", 5)
    app.speech_nav.set_speech(False)
    fresh_app.tap(fresh_app.button("Tulosta tämä sivu"))
    fresh_app.wait_until(lambda: app.journey.screen == "print", 5)
    fresh_app.wait_until(lambda: not app.printing.preparing, 10)
    assert app.printing.document.name == "page-1.pdf" and app.printing.document.pages == 1
