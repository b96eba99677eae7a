"""A release taken between sessions in the real app, without a restart: the next person's
screens show the new catalogue, site name and phone (KV follows the app's properties).
How a release arrives and when it is taken: tests/desk/test_desk_rollout.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.catalog import load_catalog
from kiosk.compose import reconfigure, restart_needed
from kiosk.config_keys import Text

pytestmark = pytest.mark.gui


def test_what_a_running_kiosk_takes_between_sessions_is_what_the_next_person_sees(fresh_app, tmp_path):
    gui, app = fresh_app, fresh_app.app
    s = app.services
    before = (s.config, s.catalog)
    changed = tmp_path / "catalog.toml"
    changed.write_bytes(Path(s.catalog.file).read_bytes().replace(b'fi = "Raha ja etuudet"',
                                                                  b'fi = "Raha, etuudet ja el\xc3\xa4kkeet"'))
    catalog = load_catalog(changed, s.catalog.languages)
    config = replace(s.config, site=replace(s.config.site, name=Text({**s.config.site.name, "fi": "Uusi kirjasto"})),
                     help=replace(s.config.help, phone="09 310 85000"))
    assert restart_needed(s, config, catalog) == ""  # the site's name, the phone and the catalogue: live
    try:
        reconfigure(s, config, catalog)
        app._reconfigured()  # as kiosk/rollout_apply.py calls it
        gui.frames()
        assert "Uusi kirjasto" in gui.texts()
        gui.tap(gui.ids()["start_button"])
        gui.tap(gui.button("Osaan itse"))
        assert "Raha, etuudet ja eläkkeet" in gui.texts()
        gui.tap(gui.bar("help_button"))
        assert any("09 310 85000" in text for text in gui.texts())
    finally:
        reconfigure(s, *before)
        app._reconfigured()
