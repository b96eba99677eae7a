"""Digital support near the kiosk (issue 19): PTV's service channels made into the snapshot
the kiosk reads offline, the snapshot and a site's own entries checked, and "open now"
against a fixed clock, over midnight and on holidays."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

from kiosk import ptv
from kiosk.support import HELSINKI, load_support, public_holiday, status, today

FIXTURES = Path(__file__).parent / "data" / "ptv"
OFFERED = ("fi", "sv", "en")
MADE = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
OODI = "ptv-0f6a2b7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c"
PHONE_LINE = "ptv-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
NIGHT = "ptv-3c4d5e6f-7a8b-4c9d-0e1f-2a3b4c5d6e7f"
ALWAYS = "ptv-8b9c0d1e-2f3a-4b4c-5d6e-7f8a9b0c1d2e"
MANDATES = "ptv-6f7a8b9c-0d1e-4f2a-3b4c-5d6e7f8a9b0c"


def helsinki(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    report = ptv.Report()
    providers = ptv.convert(ptv.read_channels([FIXTURES / "channels-page1.json"]), municipalities=("091",),
                            today=date(2026, 12, 7), report=report)
    path = tmp_path_factory.mktemp("support") / "snapshot.toml"
    path.write_text(ptv.snapshot(providers, MADE, "Helsinki"), encoding="utf-8")
    support = load_support([path], OFFERED)
    assert support.problems == ()
    return report, support


def provider(support, provider_id):
    return next(p for p in support.providers if p.id == provider_id)


def test_the_import_keeps_the_regions_digital_support_and_says_what_it_left_out(imported):
    report, support = imported
    assert [p.id for p in support.providers] == [OODI, PHONE_LINE, NIGHT, MANDATES, ALWAYS]
    assert (report.read, report.written) == (9, 5)
    assert report.skipped == {"elsewhere": 1, "not published": 1, "of type PrintableForm": 1,
                              "offering no digital support": 1}  # Espoo, a draft, a form, a swimming hall
    assert support.made == MADE and "PTV" in support.source and support.licence.startswith("CC0")


def test_a_service_location_in_three_languages(imported):
    oodi = provider(imported[1], OODI)
    assert oodi.name == {"fi": "Digituki – Keskustakirjasto Oodi", "sv": "Digistöd – Centrumbiblioteket Ode",
                         "en": "Digital support – Central Library Oodi"}
    assert oodi.offers == ("eservice_help",)
    # Summary where PTV has one, else its description, on one line.
    assert oodi.summary["en"] == "Help with e-services, smartphones and computers. Drop in or book a time."
    assert oodi.address == {"fi": "Töölönlahdenkatu 4, 00100 Helsinki", "sv": "Tölöviksgatan 4, 00100 Helsingfors",
                            "en": "Töölönlahdenkatu 4, 00100 Helsinki"}
    assert oodi.phone == "09 310 85000"  # +358 9 … as dialled in Finland
    assert oodi.phone_note == {"fi": "Paikallis- tai matkapuhelinmaksu"}
    assert oodi.url == "https://www.oodihelsinki.fi/digituki"
    # This year's hours (last year's period and last Christmas are over), split days kept.
    assert [(w.first, w.last, w.opens, w.closes) for w in oodi.weekly] == [
        (0, 4, time(8), time(20)), (5, 6, time(10), time(18))]
    assert [(x.first, x.last, x.closed, x.opens, x.closes) for x in oodi.exceptions] == [
        (date(2026, 12, 24), date(2026, 12, 26), True, None, None),
        (date(2026, 12, 31), date(2026, 12, 31), False, time(10), time(16))]


def test_a_language_missing_falls_back_and_a_phone_line_needs_no_address(imported):
    line = provider(imported[1], PHONE_LINE)
    assert line.name == {"fi": "Digitukipuhelin"} and line.name.in_("sv") == "Digitukipuhelin"
    assert line.phone == "09 310 12345" and not line.address
    assert line.offers == ("eservice_help",)  # from its service's name, "Digituki"
    mandates = provider(imported[1], MANDATES)
    assert mandates.offers == ("on_behalf",) and mandates.url == "https://www.suomi.fi/valtuudet"


@pytest.mark.parametrize("at, open_now, closes, next_open", [
    (helsinki(2026, 12, 7, 9, 0), True, time(20), None),                     # Monday morning
    (helsinki(2026, 12, 7, 7, 59), False, None, helsinki(2026, 12, 7, 8, 0)),  # before opening
    (helsinki(2026, 12, 7, 20, 0), False, None, helsinki(2026, 12, 8, 8, 0)),  # at closing: closed
    (helsinki(2026, 12, 12, 17, 59), True, time(18), None),                  # Saturday's own hours
    (helsinki(2026, 12, 23, 21, 0), False, None, helsinki(2026, 12, 27, 10, 0)),  # over Christmas
    (helsinki(2026, 12, 31, 12, 0), True, time(16), None),                   # New Year's Eve's hours
])
def test_open_now_against_a_fixed_clock(imported, at, open_now, closes, next_open):
    state = status(provider(imported[1], OODI), at)
    assert (state.open_now, state.closes, state.next_open, state.known) == (open_now, closes, next_open, True)


def test_christmas_is_closed_by_the_data_and_a_holiday_without_data_is_not_claimed(imported):
    oodi = provider(imported[1], OODI)
    christmas = today(oodi, date(2026, 12, 25))
    assert christmas.closed and christmas.note == {"fi": "Suljettu joulunpyhinä"} and christmas.holiday == "Joulupäivä"
    independence = today(oodi, date(2026, 12, 6))  # a Sunday and a holiday PTV says nothing of
    assert independence.unknown and independence.holiday == "Itsenäisyyspäivä"
    assert status(oodi, helsinki(2026, 12, 6, 12, 0)).known is False
    assert public_holiday(date(2026, 6, 19), "sv") == "Midsommarafton"
    # The day before a holiday: no promise of opening past it.
    assert status(oodi, helsinki(2026, 12, 5, 19, 0)).next_open is None


def test_hours_over_midnight_count_in_the_small_hours(imported):
    night = provider(imported[1], NIGHT)
    assert [(w.first, w.opens, w.closes) for w in night.weekly] == [(4, time(20), time(2))]
    assert night.hours_note["fi"].startswith("Ajanvarauksella.")  # isReservation
    friday_night = status(night, helsinki(2026, 12, 11, 23, 30))
    assert friday_night.open_now and friday_night.closes == time(2)  # on past midnight, until 2 tomorrow
    saturday = status(night, helsinki(2026, 12, 12, 1, 30))
    assert saturday.open_now and saturday.closes == time(2)
    assert not status(night, helsinki(2026, 12, 12, 2, 0)).open_now
    assert status(night, helsinki(2026, 12, 10, 12, 0)).next_open == helsinki(2026, 12, 11, 20, 0)


def test_always_open_is_open_at_midnight(imported):
    always = provider(imported[1], ALWAYS)
    assert status(always, helsinki(2026, 12, 8, 0, 0)).open_now
    assert status(always, helsinki(2026, 12, 8, 23, 59)).open_now


def test_a_stale_snapshot_claims_nothing_and_tells_the_staff(tmp_path, imported):
    support = imported[1]
    oodi = provider(support, OODI)
    fresh, old = datetime(2026, 12, 7, 9, tzinfo=timezone.utc), datetime(2027, 1, 15, 9, tzinfo=timezone.utc)
    assert status(oodi, fresh, support).known and support.problems_for_staff(fresh) == []
    assert not status(oodi, old, support).known
    assert support.problems_for_staff(old) == [
        "the digital-support snapshot was made on 2026-12-01, more than 30 days ago: "
        "run 'kiosk support import' and roll it out"]


def test_the_sites_own_entries_come_first_and_are_never_stale(tmp_path, imported):
    local = tmp_path / "local.toml"
    local.write_text('format = 1\n[[provider]]\nid = "our-desk"\noffers = ["eservice_help"]\n'
                     'name = "Digituki tiskillä"\naddress = "Kirjastokatu 1"\n'
                     'hours = [{ from = "tue", opens = "10:00", closes = "12:00" }]\n', encoding="utf-8")
    snapshot = tmp_path / "snapshot.toml"
    snapshot.write_text(ptv.snapshot([], MADE), encoding="utf-8")
    support = load_support([snapshot, local], OFFERED)
    assert support.problems == () and [p.id for p in support.providers] == ["our-desk"]
    ours = support.providers[0]
    assert ours.local and ours.name.in_("sv") == "Digituki tiskillä"
    assert status(ours, helsinki(2026, 12, 8, 11, 0)).open_now  # a Tuesday
    alone = load_support([local], OFFERED)
    assert not alone.stale(datetime(2030, 1, 1, tzinfo=timezone.utc))


def test_a_bad_file_is_reported_with_its_lines_and_read_as_far_as_it_goes(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("\n".join([
        "format = 1",
        'made = "yesterday"',
        "[[provider]]",
        'id = "Bad Id"',
        'offers = ["knitting"]',
        'name = "Paikka"',
        'phone = "call us"',
        'hours = [{ from = "fri", to = "mon", opens = "25:00", closes = "16:00" }]',
        "[[provider.exception]]",
        'first = "2026-02-30"',
        "closed = true",
        "[[provider]]",
        'id = "no-way-to-reach"',
        'offers = ["courses"]',
        'name = "Kurssi"',
        'colour = "red"',
    ]) + "\n", encoding="utf-8")
    support = load_support([bad], OFFERED)
    found = {(p.key, p.line) for p in support.problems}
    assert found == {("made", 2), ("provider[0].id", 4), ("provider[0].offers[0]", 5), ("provider[0].phone", 7),
                     ("provider[0].hours[0].to", 8), ("provider[0].hours[0].opens", 8),
                     ("provider[0].exception[0].first", 10),
                     ("provider[0]", 3),  # the phone was wrong: no way left to reach it
                     ("provider[1]", 12), ("provider[1].colour", 16)}, found
    assert len(support.providers) == 2  # read as far as it goes: staff fix it in one round


@pytest.mark.parametrize("text, why", [
    ("not json", "not JSON"),
    ('{"something": 1}', "not PTV service channels"),
    ('{"itemList": [1, 2]}', "not JSON objects"),
])
def test_the_import_refuses_what_is_not_ptv_json(tmp_path, text, why):
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ptv.ImportError_, match=why):
        ptv.read_channels([path])


def test_the_commands_import_and_check_as_it_would_be_run(kiosk_cli, tmp_path):
    out = tmp_path / "support" / "snapshot.toml"
    made = kiosk_cli("support", "import", str(FIXTURES / "channels-page1.json"), "--out", str(out),
                     "--municipality", "091", "--area", "Helsinki")
    assert made.returncode == 0, made.stderr
    assert "5 of 9 service channels written" in made.stdout and out.exists()
    checked = kiosk_cli("support", "check", str(out))
    assert checked.returncode == 0 and "5 support providers" in checked.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text('format = 1\n[[provider]]\nid = "x"\n', encoding="utf-8")
    refused = kiosk_cli("support", "check", str(broken))
    assert refused.returncode == 2 and "the key 'offers' is missing" in refused.stdout
    wrong = kiosk_cli("support", "import", str(broken), "--out", str(tmp_path / "never.toml"))
    assert wrong.returncode == 2 and not (tmp_path / "never.toml").exists()


SLIP_WORDS = {
    "fi": ["Digitukea lähelläsi", "Tulostettu: Esimerkkikirjasto, 8.12.2026", "Esimerkkikirjaston digituki",
           "Apua verkkoasiointiin · Laitteita kokeiltavaksi", "ti–to klo 10–14, la klo 11–13", "Kansalaisneuvonta",
           "0295 000, arkisin klo 9–16"],
    "sv": ["Digistöd nära dig", "Exempelbibliotekets digistöd", "tis–tors kl. 10–14, lör kl. 11–13",
           "Exempelgatan 1, 00100 Helsingfors"],
    "en": ["Digital support near you", "Example Library's digital support", "Tue–Thu 10:00–14:00, Sat 11:00–13:00",
           "Public Service Info (Kansalaisneuvonta)"],
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_slip_is_one_page_of_real_text_in_the_persons_language(tmp_path, language):
    from kiosk.config import PACKAGE_DATA
    from kiosk.i18n import Translator
    from kiosk.support_slip import write_slip
    from testbed.pdfs import pdf_pages, pdf_text

    support = load_support([PACKAGE_DATA / "support-demo.toml"], OFFERED)
    tr = Translator(list(OFFERED), language)
    names = {"fi": "Esimerkkikirjasto", "sv": "Exempelbiblioteket", "en": "Example Library"}
    path = write_slip(tmp_path / "slip.pdf", support, tr, names[language], "0295 000",
                      {"fi": "arkisin klo 9–16", "sv": "vardagar kl. 9–16", "en": "weekdays 9–16"}[language],
                      datetime(2026, 12, 8, 9, tzinfo=timezone.utc))
    text = " ".join(pdf_text(path).split())
    assert pdf_pages(path) == 1
    assert [words for words in SLIP_WORDS[language] if words not in text] == []


def test_a_long_list_says_how_many_more_and_large_type_fits_fewer(tmp_path, imported):
    from dataclasses import replace

    from kiosk.i18n import Translator
    from kiosk.support_slip import write_slip
    from testbed.pdfs import pdf_pages, pdf_text

    support = imported[1]
    many = replace(support, providers=tuple(replace(p, id=f"{p.id}-{n}") for n in range(4) for p in support.providers))
    tr = Translator(list(OFFERED), "en")
    at = datetime(2026, 12, 8, 9, tzinfo=timezone.utc)

    def left_out(large: bool) -> int:
        path = write_slip(tmp_path / f"slip-{large}.pdf", many, tr, "Oodi", "0295 000", "", at, large=large)
        assert pdf_pages(path) == 1
        text = " ".join(pdf_text(path).split())
        assert "Public Service Info" in text
        return int(text.split("More places that did not fit here: ")[1].split(".")[0])

    normal, large = left_out(False), left_out(True)
    assert 0 < normal < large < len(many.providers)


DESK = '[[provider]]\nid = "desk"\noffers = ["eservice_help"]\nname = "Tiski"\naddress = "Katu 1"\n'


def local_support(tmp_path, text: str):
    path = tmp_path / "local.toml"
    path.write_text("format = 1\n" + text, encoding="utf-8")
    return load_support([path], OFFERED)


def test_a_row_with_a_wrong_time_is_left_out_never_guessed(tmp_path):
    support = local_support(tmp_path, DESK + 'hours = [{ from = "mon", to = "sun", opens = "09:00", closes = "17.00" },'
                            ' { from = "mon", opens = "24:00", closes = "10:00" }]\n'
                            '[[provider.exception]]\nfirst = 2026-12-09\nnote = "Only a note"\n')
    desk = support.providers[0]
    assert desk.weekly == () and desk.exceptions == ()  # reported, and not made "open"
    assert {p.key for p in support.problems} == {"provider[0].hours[0].closes", "provider[0].hours[1].opens",
                                                 "provider[0].exception[0]"}  # its times missing
    assert not status(desk, helsinki(2026, 12, 9, 23, 0)).open_now  # and no crash on the day


def test_the_narrowest_exception_says_the_day_and_midnight_is_the_days_end(tmp_path):
    support = local_support(tmp_path, DESK + 'hours = [{ from = "mon", to = "sun", opens = "18:00", closes = "00:00" }]\n'
                            '[[provider.exception]]\nfirst = 2027-07-01\nlast = 2027-07-31\nclosed = true\n'
                            '[[provider.exception]]\nfirst = 2027-07-15\nopens = "10:00"\ncloses = "12:00"\n')
    desk = support.providers[0]
    assert support.problems == () and desk.weekly[0].closes is None  # 00:00 closing: 24:00, not over midnight
    assert status(desk, helsinki(2027, 7, 15, 11, 0)).open_now
    assert not status(desk, helsinki(2027, 7, 16, 11, 0)).open_now
    assert status(desk, helsinki(2027, 8, 2, 23, 59)).open_now and not status(desk, helsinki(2027, 8, 3, 0, 1)).open_now


def test_the_screens_words_at_the_edges():
    from dataclasses import replace

    from kiosk.i18n import Translator
    from kiosk.support import Provider, Support, Weekly
    from kiosk.support_words import hours_lines

    tr = Translator(list(OFFERED), "en")
    night = Provider("night", {"en": "Night"}, ("peer_support",), {}, {}, "", {}, "", (),
                     (Weekly(4, 4, time(22), time(2)),), (), {}, True)
    support = Support((night,), None, "", "", 30)
    # Saturday 01:00: open from last night; not also "closed today".
    assert hours_lines(tr, night, helsinki(2026, 12, 12, 1, 0), support) == ["Open now, until 2:00."]
    assert hours_lines(tr, night, helsinki(2026, 12, 11, 23, 0), support) == ["Today 22:00–2:00.",
                                                                              "Open now, until 2:00."]
    # The week before Christmas: closed, no promise past the holidays, and said so.
    assert hours_lines(tr, night, helsinki(2026, 12, 21, 12, 0), support) == ["Closed today."]
    assert hours_lines(tr, night, helsinki(2026, 12, 18, 12, 0), support) == [
        "Today 22:00–2:00.", "Closed now. Opens today at 22:00."]
    stale = replace(support, made=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert status(night, helsinki(2026, 12, 11, 23, 0), stale).known  # the site's own: never stale


def test_odd_channels_are_left_out_one_by_one_and_words_are_read_at_their_start():
    base = ptv.read_channels([FIXTURES / "channels-page1.json"])[1]  # the phone line

    def variant(**changes):
        return {**base, **changes}

    channels = [
        variant(id="aaaaaaaa-0000-4000-8000-000000000001",
                serviceChannelDescriptions=[{"type": "Summary", "language": "fi", "value": '{"blocks": [{"text": 5}]}'}]),
        variant(id="aaaaaaaa-0000-4000-8000-000000000002",
                phoneNumbers=[{"type": "Phone", "prefixNumber": 358, "number": "9 1"}]),
        variant(id="aaaaaaaa-0000-4000-8000-000000000003",
                phoneNumbers=[{"type": "Phone", "prefixNumber": "+358", "number": "+358 9 123 4567 / 09 456",
                               "isFinnishServiceNumber": False, "language": "fi"}]),
        variant(id="aaaaaaaa-0000-4000-8000-000000000004", services=[],
                serviceChannelNames=[{"type": "Name", "language": "fi", "value": "Kaupunginvaltuusto"}]),
        variant(id="aaaaaaaa-0000-4000-8000-000000000005", services=[],
                serviceChannelNames=[{"type": "Name", "language": "fi", "value": "Opintotuki ja ateriapalvelu kotiin"}]),
        variant(id="aaaaaaaa-0000-4000-8000-000000000006", url="https://" + "x" * 400 + ".fi",
                serviceHours=[{"serviceHourType": "Exceptional", "validFrom": "2026-01-05T00:00:00Z", "validTo": None,
                               "isClosed": True, "openingHour": []},
                              {"serviceHourType": "DaysOfTheWeek", "validFrom": "2026-01-01T00:00:00Z",
                               "validForNow": True, "openingHour": [{"dayFrom": "Saturday", "dayTo": "Monday",
                                                                     "from": "10:00", "to": "14:00"}]}]),
    ]
    report = ptv.Report()
    providers = {p["id"]: p for p in ptv.convert(channels, today=date(2026, 12, 7), report=report)}
    assert report.skipped == {"unreadable": 1, "offering no digital support": 2}
    assert providers["ptv-aaaaaaaa-0000-4000-8000-000000000003"]["phone"] == "09 123 4567"
    last = providers["ptv-aaaaaaaa-0000-4000-8000-000000000006"]
    assert "exception" not in last  # past, though PTV gave no end
    assert last["hours"] == [{"from": "sat", "to": "sun", "opens": "10:00", "closes": "14:00"},
                             {"from": "mon", "to": "mon", "opens": "10:00", "closes": "14:00"}]


def test_an_authoritys_offices_are_kept_apart_from_the_digital_support_places(tmp_path):
    """--authority: an organisation's service locations here become its offices (the route
    without e-services shows the nearest); one without digital support is no support place."""
    report = ptv.Report()
    providers = ptv.convert(ptv.read_channels([FIXTURES / "channels-page1.json"]), municipalities=("091",),
                            today=date(2026, 12, 7), report=report,
                            authorities={"d3a0ea5c-9d12-4e2f-8f2b-2b0e6c0a1d11": "city"})
    path = tmp_path / "snapshot.toml"
    path.write_text(ptv.snapshot(providers, MADE), encoding="utf-8")
    support = load_support([path], OFFERED)
    assert support.problems == () and report.written == 6
    hall = next(p for p in support.providers if p.name["fi"] == "Uimahalli")
    assert (hall.authority, hall.offers) == ("city", ())
    assert hall not in support.places() and hall in support.offices("city")
    assert [p.id for p in support.places()] == [OODI, PHONE_LINE, NIGHT, MANDATES, ALWAYS]
    # The phone line and the e-service are no offices: an office is a place to go to.
    assert {p.id for p in support.offices("city")} == {OODI, NIGHT, ALWAYS, hall.id}
    assert support.offices("") == [] and support.offices("kela") == []


def test_an_entry_without_offers_must_be_an_authoritys_office(tmp_path):
    path = tmp_path / "local.toml"
    path.write_text('format = 1\n[[provider]]\nid = "x"\nname = "X"\noffers = []\n', encoding="utf-8")
    assert any("offers" in str(p) for p in load_support([path], OFFERED).problems)
    path.write_text('format = 1\n[[provider]]\nid = "x"\nname = "X"\nauthority = "kela"\naddress = "Katu 5"\n',
                    encoding="utf-8")
    assert load_support([path], OFFERED).problems == ()
