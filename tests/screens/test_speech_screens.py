"""Speech mode on the real screens, with the fake speaker that records what it was asked."""

from __future__ import annotations

import pytest

from kiosk.screens import SCREENS
from kiosk.screens.spoken import describe
from kiosk.screens.walk import touchables
from kiosk.spoken_text import normalise

pytestmark = pytest.mark.gui
ROLE = {"fi": "painike", "sv": "knapp", "en": "button"}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_touchable_on_every_screen_has_a_spoken_text_in_the_screen_language(speaking, language):
    from kiosk.screenshots import stage

    app = speaking.app
    app.switch_language(language)
    silent = []
    for name in SCREENS:
        if name == "out_of_service":
            continue
        stage(app, name)
        speaking.frames()
        for widget in touchables(app.root):
            text = describe(widget, app.tr)
            label = text.split(", ")[1] if ", " in text else ""
            if not text.startswith(ROLE[language] + ", ") or not label.strip():
                silent.append(f"{name}: {text!r}")
    assert silent == []


def test_explore_by_touch_first_tap_speaks_second_chooses(speaking):
    app, speaker = speaking.app, speaking.app.devices.speaker
    card = speaking.button("Osaan itse")
    speaking.tap(card)
    assert app.journey.screen == "needs"  # not chosen yet
    # The position "1/4" on the screen is said as Finnish says it (kiosk/spoken_text.py).
    assert speaker.spoken[-1] == ("fi", "painike, Osaan itse. Siirry suoraan verkkopalveluihin., yksi neljästä")
    before = len(speaker.spoken)
    speaking.tap(card)
    assert app.journey.screen == "categories"
    # The new screen is read (a few sentences at a time): its title, then its choices by name.
    speaking.wait_until(lambda: app.catalog.categories[-1].title.in_("fi") in heard_since(speaking, before), 10)
    said = heard_since(speaking, before)
    assert said.startswith("Mitä haluat tehdä? Valitse aihe. 9 vaihtoehtoa: Raha ja etuudet, Verot, ")
    for category in app.catalog.categories:
        assert category.title.in_("fi") in said


def test_a_new_touch_stops_speech_and_stop_and_repeat_act_at_once(speaking):
    app, speaker = speaking.app, speaking.app.devices.speaker
    stops = speaker.stops
    speaking.tap(speaking.button("Opasta minua vaihe vaiheelta"))
    assert speaker.stops == stops + 1
    speaking.tap(speaking.bar("repeat_button"))  # one tap, no explore step: the screen again
    assert speaker.spoken[-1][1].startswith("Miten voimme auttaa?") and len(speaker.spoken) >= 2
    before = speaker.stops
    speaking.tap(speaking.bar("stop_speech_button"))
    assert speaker.stops > before
    assert app.journey.screen == "needs"


def test_long_press_on_the_welcome_screen_turns_speech_on_without_pressing_start(fresh_app):
    app = fresh_app.app
    touch = fresh_app.press(fresh_app.ids()["start_button"])
    fresh_app.wait(app.kiosk_config.speech.long_press_s + 0.3)
    assert app.speech.enabled
    touch.touch_up()
    fresh_app.frames()
    assert app.journey.screen == "welcome"  # the long press did not start anything else
    assert "Puhe on päällä" in app.devices.speaker.spoken[-1][1]
    app.speech_nav.set_speech(False)


def test_the_speech_key_toggles_speech(fresh_app):
    from kivy.core.window import Keyboard, Window

    app = fresh_app.app
    Window.dispatch("on_key_down", Keyboard.keycodes["f12"], 0, None, [])
    assert app.speech.enabled
    Window.dispatch("on_key_down", Keyboard.keycodes["f12"], 0, None, [])
    assert not app.speech.enabled


def test_speech_language_follows_the_screen_language(speaking):
    app, speaker = speaking.app, speaking.app.devices.speaker
    speaking.tap(speaking.button("Svenska"))
    speaking.tap(speaking.button("Svenska"))  # second tap chooses
    assert app.tr.language == "sv"
    speaking.tap(speaking.button("Jag klarar det själv"))
    assert speaker.spoken[-1][0] == "sv" and speaker.spoken[-1][1].startswith("knapp, Jag klarar det själv")


def test_the_wipe_turns_speech_off_and_restores_the_volume(speaking):
    app = speaking.app
    default = app.speech.default_volume
    app.speech_nav.change_volume(0.1)
    assert app.speech.volume == pytest.approx(default + 0.1)
    receipt = app.session.end("end")
    assert receipt.ok and {c.name for c in receipt.checks if c.ok} >= {"speech off, volume at default"}
    app.flow.leave_goodbye()  # the goodbye kept the person's speech and volume until it closed
    assert not app.speech.enabled and app.speech.volume == default


def test_speech_unavailable_is_shown_and_nothing_breaks(fresh_app):
    from kiosk.screenshots import stage

    app = fresh_app.app
    app.speech.available = False
    try:
        stage(app, "accessibility")
        fresh_app.frames()
        texts = fresh_app.texts()
        assert "Puhe ei ole käytettävissä tällä tietokoneella." in texts
        assert "Puhe päälle" not in texts
        app.speech_nav.set_speech(True)
        assert not app.speech.enabled
    finally:
        app.speech.available = True


def test_text_size_is_one_tap_from_every_screen(fresh_app):
    app = fresh_app.app
    fresh_app.tap(fresh_app.ids()["start_button"])
    button = fresh_app.bar("text_size_button")
    assert button.text == "Aa 100 %"
    for expected in (1.5, 2.0, 1.0):
        fresh_app.tap(button)
        assert app.look.text_scale == expected


@pytest.mark.parametrize("name", [n for n in SCREENS if n != "out_of_service"])
def test_keyboard_focus_visits_everything_in_order_and_is_never_trapped(fresh_app, name):
    from kivy.core.window import Window

    from kiosk.screens.focus import reading_order
    from kiosk.screenshots import stage

    app = fresh_app.app
    app.flow.start_session()
    stage(app, name)
    fresh_app.frames()
    expected = reading_order(touchables(app.root))
    assert expected
    visited = []
    for _ in range(len(expected) + 1):
        Window.dispatch("on_key_down", 9, 0, None, [])  # Tab
        visited.append(app.focus.focused)
    assert visited[:-1] == expected and visited[-1] is expected[0]  # round and round, not stuck
    Window.dispatch("on_key_down", 9, 0, None, ["shift"])
    assert app.focus.focused is expected[-1]


def test_the_focus_scrolls_what_it_reaches_into_sight_at_large_text(fresh_app):
    """At 200 % the topics do not fit: Tab through them and each one focused is scrolled
    into sight, the ring drawn round it inside the view (not over the bars), in an order
    that does not change as the view scrolls."""
    from kivy.core.window import Window
    from kivy.metrics import dp
    from kivy.uix.scrollview import ScrollView

    from kiosk.screens.focus import reading_order

    app = fresh_app.app
    app.flow.start_session()
    app.look.set_text_scale(2.0)
    try:
        app.journey.choose_level("self")
        fresh_app.frames(6)
        cards = list(reversed(fresh_app.ids()["grid"].children))
        view = next(w for w in fresh_app.screen().walk(restrict=True) if isinstance(w, ScrollView))
        order = reading_order(touchables(app.root))
        assert view.viewport_size[1] > view.height and cards[-1] in order
        vx, vy = view.to_window(view.x, view.y)
        reached = []
        for _ in range(len(order)):
            Window.dispatch("on_key_down", 9, 0, None, [])  # Tab
            fresh_app.frames(2)
            focused = app.focus.focused
            if focused in cards:
                x, y = focused.to_window(focused.x, focused.y)
                assert vy - 1 <= y and y + focused.height <= vy + view.height + 1, focused.title
                ring = app.focus._line.rectangle
                assert ring[1] >= vy - dp(8) and ring[1] + ring[3] <= vy + view.height + dp(8)
                reached.append(focused)
        assert reached == cards
        assert reading_order(touchables(app.root)) == order  # scrolled to the end, the same order
    finally:
        app.look.reset()


def test_enter_chooses_the_focused_item_and_focus_is_spoken(speaking):
    from kivy.core.window import Window

    app, speaker = speaking.app, speaking.app.devices.speaker
    for _ in range(20):
        Window.dispatch("on_key_down", 274, 0, None, [])  # down arrow
        if getattr(app.focus.focused, "title", "") == "Osaan itse":
            break
    assert speaker.spoken[-1][1].startswith("painike, Osaan itse")
    Window.dispatch("on_key_down", 13, 0, None, [])  # Enter
    speaking.frames()
    assert app.journey.screen == "categories"


def test_the_goodbye_is_spoken_in_the_persons_language_and_speech_ends_with_it(speaking):
    app, speaker = speaking.app, speaking.app.devices.speaker
    app.switch_language("en")
    app.session.end("end")
    speaking.wait_until(lambda: speaker.spoken and "Thank you." in speaker.spoken[-1][1], 15)
    assert app.journey.screen == "goodbye" and app.speech.enabled
    assert speaker.spoken[-1][0] == "en"
    app.flow.leave_goodbye()
    assert not app.speech.enabled and app.tr.language == "fi" and app.journey.screen == "welcome"


def test_the_warning_is_spoken(speaking):
    app, speaker = speaking.app, speaking.app.devices.speaker
    app.session.tick(app.session.inactivity_s)
    speaking.wait_until(lambda: speaker.spoken and "Oletko vielä siellä?" in speaker.spoken[-1][1], 10)
    assert "30 sekuntia jäljellä. Sitten kaikki, mitä teit täällä, pyyhitään." in speaker.spoken[-1][1]
    app.session.extend()


def test_plain_language_guides_where_the_catalogue_has_them(fresh_app):
    app = fresh_app.app
    fresh_app.tap(fresh_app.ids()["start_button"])
    fresh_app.tap(fresh_app.bar("accessibility_button"))
    fresh_app.tap(fresh_app.button("Ohjeet selkokielellä"))
    assert app.plain_language
    app.journey.choose_level("self")
    app.journey.choose_category("money")
    app.journey.choose_service("kela")
    fresh_app.frames()
    texts = " ".join(fresh_app.texts())
    assert "Kela maksaa rahaa, jos sinulla on vähän rahaa" in texts
    assert "Paina Kirjaudu OmaKelaan." in texts
    app.switch_language("sv")  # lättläst beside selkokieli: the same guide in plain Swedish
    fresh_app.frames()
    texts = " ".join(fresh_app.texts())
    assert "FPA betalar pengar om du har lite pengar eller är sjuk." in texts
    assert "Tryck på Logga in i MittFPA." in texts
    app.switch_language("en")  # no plain English in the catalogue: the standard guide
    fresh_app.frames()
    assert any("Apply for benefits" in t for t in fresh_app.texts())
    app.session.end("end")
    assert not app.plain_language


def test_plugging_a_headset_turns_speech_on_and_speaks_into_it(fresh_app):
    app = fresh_app.app
    headsets, speaker = app.devices.headsets, app.devices.speaker
    headsets.plug("plughw:CARD=Headset")
    fresh_app.frames()
    assert app.speech.enabled and app.speech.headset and speaker.device == "plughw:CARD=Headset"
    assert app.session.state == "active"  # someone is here
    assert "Puhe on päällä" in speaker.spoken[-1][1]
    headsets.unplug()
    fresh_app.frames()
    assert not app.speech.headset and speaker.device == app.kiosk_config.speech.device
    app.speech_nav.set_speech(False)


def test_volume_keys_change_the_volume_and_say_it(speaking):
    from kivy.core.window import Window

    app, speaker = speaking.app, speaking.app.devices.speaker
    start = app.speech.volume
    Window.dispatch("on_key_down", 1073741953, 0, None, [])  # volume down
    assert app.speech.volume == pytest.approx(start - 0.1)
    assert speaker.spoken[-1] == ("fi", f"Äänenvoimakkuus {int(round((start - 0.1) * 100))} prosenttia")
    Window.dispatch("on_key_down", 1073741952, 0, None, [])  # volume up
    assert app.speech.volume == pytest.approx(start)


def heard_since(gui, index: int) -> str:
    """Everything said since the transcript had `index` utterances, as one text."""
    return gui.heard_since(index)


def swipe_until(gui, part: str, limit: int = 40) -> None:
    """Swipes right until `part` is said (a person going through the screen by ear)."""
    speaker = gui.app.devices.speaker
    for _ in range(limit):
        gui.swipe(1)
        if speaker.spoken and part in speaker.spoken[-1][1]:
            return
    raise AssertionError(f"'{part}' never said; last: {speaker.spoken[-3:]}")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_guide_by_ear_alone_with_swipes_and_double_taps(speaking, language):
    """A blind person: the step-by-step guide to Kela, heard step by step, driven only by
    swipes and double taps, up to the service opened in the browser."""
    app, speaker = speaking.app, speaking.app.devices.speaker
    app.switch_language(language)
    tr = app.tr
    service = app.catalog.service("kela")
    texts = service.in_(language)
    category = app.catalog.category(service.category)

    def said(text: str) -> str:  # what the engine gets for a written text (numbers, "klo"...)
        return normalise(text, language, app.speech.spoken_forms.get(language))

    speaking.frames()
    swipe_until(speaking, tr._("Guide me step by step"))
    speaking.double_tap()
    assert app.journey.screen == "categories" and app.journey.guided
    swipe_until(speaking, category.title.in_(language))
    speaking.double_tap()
    assert app.journey.screen == "services"
    swipe_until(speaking, texts.title)
    before = len(speaker.spoken)
    speaking.double_tap()
    assert app.journey.screen == "guide"
    # What you need, read on arrival; then each step as its page opens.
    speaking.wait_until(lambda: all(said(need) in heard_since(speaking, before) for need in texts.needs), 10)
    for step in texts.steps:
        swipe_until(speaking, tr._("Next"))
        before = len(speaker.spoken)
        speaking.double_tap()
        speaking.wait_until(lambda: said(step) in heard_since(speaking, before), 10)
    swipe_until(speaking, tr._("Open the service"))
    speaking.double_tap()
    assert app.journey.screen == "open_service"  # what happens next, then the same button
    swipe_until(speaking, tr._("Open the service"))
    speaking.double_tap()
    assert app.journey.screen == "browser"
    app.errands.leave_service()


def test_repeat_reads_the_whole_screen_and_the_bar_changes_the_volume(speaking):
    app, speaker = speaking.app, speaking.app.devices.speaker
    before = len(speaker.spoken)
    speaking.tap(speaking.bar("repeat_button"))
    speaking.wait_until(lambda: "Osaan itse" in heard_since(speaking, before), 10)
    said = heard_since(speaking, before)
    assert said.startswith("Miten voimme auttaa?") and "7 vaihtoehtoa: " in said and said.endswith(
        "Digitukea lähelläsi, Asioin toisen puolesta, Opettele perusasiat.")
    volume = app.speech.volume
    speaking.tap(speaking.bar("louder_button"))
    assert app.speech.volume == pytest.approx(min(1.0, volume + 0.1))
    speaking.tap(speaking.bar("quieter_button"))
    speaking.tap(speaking.bar("quieter_button"))
    assert app.speech.volume == pytest.approx(max(0.1, min(1.0, volume + 0.1) - 0.2))
    assert speaker.spoken[-1][1].startswith("Äänenvoimakkuus ")


def test_an_e_service_form_by_ear_with_swipes_double_taps_and_the_strips_keyboard(speaking):
    """A blind person inside the e-service (the fake browser's small form): swipes go
    through the page's items and on to the strip, double taps press, tick and focus, the
    strip's keyboard types into the field, and the page's error is heard and put right."""
    app, speaker = speaking.app, speaking.app.devices.speaker
    app.journey.choose_level("self")
    app.journey.choose_category("money")
    app.journey.choose_service("kela")
    app.errands.open_service()
    speaking.wait_until(lambda: app.journey.screen == "browser" and app.eservices.open and app.window_settled(), 10)
    page = app.devices.browser.page

    def said(text: str) -> str:
        return normalise(text, "fi", app.speech.spoken_forms.get("fi"))

    def hear(act, *parts: str) -> str:
        """Do `act`; what is said after it, once every part has been."""
        before = len(speaker.spoken)
        act()
        speaking.wait_until(lambda: all(said(p) in heard_since(speaking, before) for p in parts), 10)
        return heard_since(speaking, before)

    hear(lambda: None, "Sivulla on 5 kohdetta. Pyyhkäise oikealle käydäksesi ne läpi.")
    assert hear(lambda: speaking.swipe(1), "otsikko") == said("otsikko, taso 1, Hae pysäköintitunnusta")
    assert hear(lambda: speaking.swipe(1), "linkki") == said("linkki, Lue ohjeet")
    assert hear(lambda: speaking.swipe(1), "tekstikenttä") == said("tekstikenttä, Rekisterinumero, pakollinen")
    # A double tap on the field: the focus in it, the strip's keyboard open.
    assert hear(speaking.double_tap, "Kirjoita") == said(
        "tekstikenttä, Rekisterinumero, pakollinen. "
        "Kirjoita sivun alla olevalla näppäimistöllä ja pyyhkäise sitten eteenpäin.")
    assert speaking.screen().keyboard and page.focused == page.FIELD
    for key in "abc123":  # a number the service will not take: no dash
        assert hear(lambda: speaking.tap(speaking.button(key)), key).endswith(said(key))
    speaking.wait_until(lambda: page.plate == "abc123", 5)  # typed on the browser's runner
    assert hear(lambda: speaking.swipe(1), "valintaruutu") == said("valintaruutu, Asun alueella, ei valittu")
    assert hear(speaking.double_tap, "valittu") == said("valintaruutu, Asun alueella, valittu.")
    assert hear(lambda: speaking.swipe(1), "painike") == said("painike, Lähetä hakemus")
    assert hear(speaking.double_tap, "muotoa") == said("painike, Lähetä hakemus. Rekisterinumero on muotoa ABC-123.")
    # Back to the field: its mistake is told with it; put right with Erase and the keys.
    hear(lambda: speaking.swipe(-1), "valintaruutu")
    assert hear(lambda: speaking.swipe(-1), "tekstikenttä") == said(
        "tekstikenttä, Rekisterinumero, abc123, pakollinen, virheellinen syöte, Rekisterinumero on muotoa ABC-123.")
    hear(speaking.double_tap, "Kirjoita")
    for _ in range(3):
        speaking.tap(speaking.button("Poista merkki"))
    for key in "-123":
        speaking.tap(speaking.button(key))
    speaking.wait_until(lambda: page.plate == "abc-123", 5)
    hear(lambda: speaking.swipe(1), "valintaruutu, Asun alueella, valittu")
    hear(lambda: speaking.swipe(1), "painike, Lähetä hakemus")
    assert hear(speaking.double_tap, "vastaanotettu") == said(
        "painike, Lähetä hakemus. Hakemus vastaanotettu: ABC-123, asut alueella.")
    assert page.received and page.activated == ["Asun alueella", "Lähetä hakemus", "Lähetä hakemus"]
    # Past the page's last item: the strip's own buttons (the keyboard's keys first), and back.
    first = hear(lambda: speaking.swipe(1), "painike")
    assert first.startswith(said("painike, 1,")) and app.focus.focused is not None
    assert hear(lambda: speaking.swipe(-1), "Lähetä") == said("painike, Lähetä hakemus")
    assert app.focus.focused is None  # the place is in the page, not on the strip
    for _ in range(4):
        speaking.swipe(-1)
    assert speaker.spoken[-1][1] == said("otsikko, taso 1, Hae pysäköintitunnusta")
    # Before the page's first item, the strip's last: End session, chosen with a double tap.
    assert hear(lambda: speaking.swipe(-1), "Lopeta ja pyyhi").startswith(said("painike, Lopeta ja pyyhi"))
    speaking.double_tap()
    assert app.journey.screen == "end_session"
    assert app.devices.browser.typed == list("abc123-123")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_screen_reads_its_text_on_arrival_not_only_its_buttons(speaking, language):
    """What a person without sight must hear to act: the print summary before Print, the
    phone numbers of the help screen in their spoken form, the advice of the screen for
    those who cannot use e-services."""
    from kiosk.screenshots import stage
    from tests.test_spoken_text import KANSALAISNEUVONTA

    app, speaker = speaking.app, speaking.app.devices.speaker
    app.switch_language(language)

    def said(text: str) -> str:
        return normalise(text, language, app.speech.spoken_forms.get(language))

    def heard_on_arrival(screen: str, *texts: str) -> None:
        before = len(speaker.spoken)
        stage(app, screen)
        speaking.wait_until(lambda: all(text in heard_since(speaking, before) for text in texts), 15)

    heard_on_arrival("help", KANSALAISNEUVONTA[language])
    heard_on_arrival("nondigital", said(app.tr._(
        "A person you trust can handle your matters with a Suomi.fi mandate (valtuutus).")), KANSALAISNEUVONTA[language])
    # The print screen is read while its preview is made; once ready, its summary is said.
    stage(app, "documents")
    speaking.frames()
    before = len(speaker.spoken)
    stage(app, "print")
    speaking.wait_until(lambda: not app.printing.preparing and speaking.screen().ids.summary.lines, 15)
    summary = [line.strip("• ") for line in speaking.screen().ids.summary.lines if line.strip()]
    assert len(summary) >= 3  # pages and sheets, the price, where to collect it, the limit
    speaking.wait_until(lambda: all(said(line) in heard_since(speaking, before) for line in summary), 15)
    speaking.wait_until(lambda: said(speaking.screen().ids.print_button.text) in heard_since(speaking, before), 15)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_print_help_and_the_end_by_ear_alone(speaking, language):
    """After the e-service, by swipes and double taps only: a downloaded document printed
    (its summary heard before Print, the printout heard ready), the help screen's phone
    number heard in its spoken form, the session ended and the goodbye heard."""
    from kiosk.screenshots import SAMPLE_DOCUMENT, stage_printing
    from tests.test_spoken_text import KANSALAISNEUVONTA

    app, speaker = speaking.app, speaking.app.devices.speaker
    app.switch_language(language)
    tr = app.tr

    def said(text: str) -> str:
        return normalise(text, language, app.speech.spoken_forms.get(language))

    stage_printing(app, "documents")  # a document downloaded from the e-service
    speaking.frames()
    swipe_until(speaking, tr._("My documents ({n})").format(n=1))
    speaking.double_tap()
    assert app.journey.screen == "documents"
    swipe_until(speaking, tr._("Print {name}").format(name=SAMPLE_DOCUMENT))
    before = len(speaker.spoken)
    speaking.double_tap()
    assert app.journey.screen == "print"
    speaking.wait_until(lambda: not app.printing.preparing, 15)
    print_label = speaking.screen().ids.print_button.text
    speaking.wait_until(lambda: said(print_label) in heard_since(speaking, before), 15)  # the summary, then Print
    swipe_until(speaking, print_label)
    before = len(speaker.spoken)
    speaking.double_tap()
    speaking.wait_until(lambda: app.journey.screen == "print_status"
                        and said(tr._("Your printout is ready.")) in heard_since(speaking, before), 15)

    swipe_until(speaking, tr._("Help"))
    before = len(speaker.spoken)
    speaking.double_tap()
    assert app.journey.screen == "help"
    speaking.wait_until(lambda: KANSALAISNEUVONTA[language] in heard_since(speaking, before), 15)

    swipe_until(speaking, tr._("End and erase"))
    speaking.double_tap()
    assert app.journey.screen == "end_session"
    swipe_until(speaking, tr._("Yes, end and erase everything"))
    before = len(speaker.spoken)
    speaking.double_tap()
    speaking.wait_until(lambda: app.journey.screen == "goodbye" and said(
        tr._("Thank you. Everything you did here has been erased.")) in heard_since(speaking, before), 20)
    assert speaker.spoken[-1][0] == language
    app.flow.leave_goodbye()
