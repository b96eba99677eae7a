"""Asking for help on the real screens, with the fake fleet link standing in for the desk."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_someone_here_please_followed_to_the_helpers_name(fresh_app):
    gui, app = fresh_app, fresh_app.app
    link = app.devices.link
    gui.tap(gui.ids()["start_button"])
    gui.tap(gui.bar("help_button"))
    assert "Pyydä henkilökunta tänne. Missä tarvitset apua?" in gui.texts()
    gui.tap(gui.button("Kirjautuminen"))
    request = next(p for p in reversed(link.published) if p[0] == "help")[1]
    assert request["topic"] == "logging_in" and request["kiosk"] == app.kiosk_config.site.kiosk_id
    gui.frames()
    assert "Pyyntöäsi lähetetään henkilökunnalle…" in gui.texts()
    link.acknowledge_all()
    gui.wait_until(lambda: app.help.state == "sent", 2)
    link.deliver({"type": "help_accepted", "id": request["id"], "helper": "Aino"})
    gui.wait_until(lambda: app.help.state == "accepted", 2)
    gui.frames()
    assert "Aino tulee auttamaan sinua." in gui.texts()
    assert "En tarvitse enää apua" in gui.texts()
    # Staff see the kiosk's state, and nothing of the person.
    gui.wait_until(lambda: any(p[0] == "status" and p[1]["help"] == "accepted" for p in link.published), 3)
    status = [p for p in link.published if p[0] == "status"][-1][1]
    assert status["screen"] == "help" and status["session"] == "active" and "printer" in status
    # The person leaves: the request is called off at the desk, nothing stays on screen.
    gui.tap(gui.bar("end_button"))
    gui.tap(gui.ids()["confirm_end"])
    assert any(p[1].get("type") == "cancel" and p[1]["id"] == request["id"] for p in link.published
               if p[0] == "help")
    assert app.help.state == "" and app.help.helper == ""


def test_a_hand_over_and_a_release_at_the_desk_are_shown_and_heard(fresh_app):
    gui, app = fresh_app, fresh_app.app
    link, speaker = app.devices.link, app.devices.speaker
    gui.tap(gui.ids()["start_button"])
    gui.tap(gui.bar("help_button"))
    gui.tap(gui.button("Tulostus"))
    app.speech_nav.set_speech(True)
    gui.frames()
    request = next(p for p in reversed(link.published) if p[0] == "help")[1]
    link.acknowledge_all()
    link.deliver({"type": "help_accepted", "id": request["id"], "helper": "Aino"})
    gui.wait_until(lambda: speaker.spoken and "Aino tulee auttamaan sinua." in speaker.spoken[-1][1], 10)
    link.deliver({"type": "help_accepted", "id": request["id"], "helper": "Eero"})  # Aino handed it to Eero
    gui.wait_until(lambda: speaker.spoken and "Eero tulee auttamaan sinua." in speaker.spoken[-1][1], 10)
    gui.frames()
    assert "Eero tulee auttamaan sinua." in gui.texts() and "Aino tulee auttamaan sinua." not in gui.texts()
    link.deliver({"type": "help_released", "id": request["id"]})  # Eero could not come: waiting again
    gui.wait_until(lambda: speaker.spoken and "Henkilökunta on nähnyt pyyntösi." in speaker.spoken[-1][1], 10)
    gui.frames()
    assert app.help.state == "seen" and "Eero tulee auttamaan sinua." not in gui.texts()
    app.speech_nav.set_speech(False)


def test_the_desk_can_send_a_message_and_end_an_empty_session(fresh_app):
    gui, app = fresh_app, fresh_app.app
    link = app.devices.link
    gui.tap(gui.ids()["start_button"])
    link.deliver({"type": "message", "text": "Tulen viiden minuutin päästä"})
    gui.wait_until(lambda: app.journey.screen == "help", 2)
    gui.frames()
    assert "Viesti henkilökunnalta: Tulen viiden minuutin päästä" in gui.texts()
    link.deliver({"type": "end_session"})
    gui.wait_until(lambda: app.journey.screen == "end_session", 2)  # the person confirms
    link.deliver({"type": "no_such_command", "x": 1})  # ignored, nothing breaks
    gui.frames()
    assert app.journey.screen == "end_session"


def test_the_desk_lifts_the_print_limit_of_the_person_at_the_kiosk(fresh_app):
    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.ids()["start_button"])
    assert app.printing.quota == app.kiosk_config.printing.quota_pages > 0
    app.devices.link.deliver({"type": "lift_print_limit"})
    gui.wait_until(lambda: app.printing.quota == 0, 2)


def test_remote_help_comes_with_qr_codes_to_continue_on_ones_own_phone(fresh_app):
    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.bar("help_button"))
    ids = gui.ids()
    assert ids["qr_phone"].data == "tel:0295000" and ids["qr_chat"].data == app.kiosk_config.help.chat_url
    for name in ("qr_phone", "qr_chat", "qr_video"):
        texture = ids[name].texture
        assert texture is not None and texture.width == texture.height >= 21  # a real QR code's modules
    assert "Soita puhelimellasi" in gui.texts()
