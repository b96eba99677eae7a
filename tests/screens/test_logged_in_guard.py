"""The identification guard for the whole logged-in period (issue 20): once a person has
come back from the identification provider to the e-service, the strip keeps saying they
are logged in and the shorter inactivity limit holds, Home and back included, until the
session ends; the next person starts without it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_logged_in_until_the_session_ends(fresh_app):
    gui, app = fresh_app, fresh_app.app
    timeouts, browser = app.kiosk_config.timeouts, app.devices.browser
    gui.tap(gui.ids()["start_button"])
    app.journey.choose_level("self")
    app.journey.choose_category("money")
    app.journey.choose_service("kela")
    app.errands.open_service()
    gui.wait_until(lambda: app.journey.screen == "browser" and app.eservices.open, 10)
    assert app.session.inactivity_s == timeouts.inactivity_s and not app.eservices.logged_in
    provider = "https://" + app.catalog.identification_domains[0] + "/login"
    browser.navigate(provider)
    gui.wait_until(lambda: app.eservices.identifying, 5)
    gui.frames()
    assert gui.screen().ids.notice.text.startswith("Olet kirjautumassa")
    assert app.session.inactivity_s == timeouts.identification_inactivity_s
    browser.navigate(app.catalog.service("kela").url)  # through, and back at Kela
    gui.wait_until(lambda: not app.eservices.identifying, 5)
    gui.frames()
    assert app.eservices.logged_in and gui.screen().ids.notice.text.startswith("Olet kirjautunut sisään")
    assert app.session.inactivity_s == timeouts.identification_inactivity_s
    app.errands.leave_service()  # Home: the login still lives in the browser's profile
    gui.frames()
    assert app.eservices.logged_in and app.session.inactivity_s == timeouts.identification_inactivity_s
    app.flow.end_session()
    app.flow.leave_goodbye()
    gui.frames()
    assert not app.eservices.logged_in
    gui.tap(gui.ids()["start_button"])
    assert app.session.inactivity_s == timeouts.inactivity_s  # the next person
