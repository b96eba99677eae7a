"""`kiosk support import`: the national Service Catalogue's (PTV) service channels, made into
the snapshot of digital support the kiosk reads offline (kiosk/support.py).

Input: what PTV's open API v11 returns for service channels (`GET /api/v11/ServiceChannel/
list/organization?organizationId=…&page=N`, `…/list/area/Municipality/code/091?page=N` or
`…/ServiceChannel/{id}`), saved as JSON files: a page (`pageNumber`, `pageSize`, `pageCount`,
`itemList`), a list of channels, or one channel. The shapes follow PTV's own models
(github.com/vrk-kpa/ptv-releases, V11VmOpenApiServiceLocationChannel and the rest): names
and descriptions per language with a `type`, `phoneNumbers` (`prefixNumber`, `number`,
`isFinnishServiceNumber`, `serviceChargeType`, `chargeDescription`), `addresses` (`type`
Location/Postal, `subType` Single/Street/…, `streetAddress` with `street`, `streetNumber`,
`postalCode`, `postOffice`, `municipality`), `webPages`, `languages` and `serviceHours`
(`serviceHourType` DaysOfTheWeek/Exceptional/OverMidnight, `validFrom`, `validTo`,
`isClosed`, `isAlwaysOpen`, `isReservation`, `openingHour` with `dayFrom`, `dayTo`, `from`,
`to`). PTV's data is CC0 (kehittajille.suomi.fi); the snapshot says where it came from.

The import runs where IT keeps the catalogue, never on a kiosk at run time. What each
channel offers (help with e-services, courses, …) is not a PTV field: it is read from the
words of the channel's name and its services' names, and `--offers` adds what IT knows
(for a list of the region's digital-support channels, `--offers eservice_help`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from kiosk.support import HELSINKI, MAX_EXCEPTIONS, MAX_HOURS, MAX_PROVIDERS, MAX_TEXT, OFFERS, WEEKDAYS

MAX_INPUT_BYTES = 64 * 1024 * 1024
LANGUAGES = ("fi", "sv", "en")
DAYS = {name: index for index, name in enumerate(
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))}
CHANNEL_TYPES = ("ServiceLocation", "Phone", "EChannel", "WebPage")  # PrintableForm: not a place to go
# Words in a channel's or its services' names that say what it offers, in fi, sv and en.
OFFER_WORDS = {  # each at the start of a word ("valtuusto" is a council, not a mandate)
    "eservice_help": r"digitu|digiopast|digineuvo|digiapu|digistöd|digital support|datorhjälp|tietokoneopast|"
                     r"sähköisen asioinnin (tuki|neuvonta|opastus)|e-tjänsterådgivning",
    "courses": r"(digi|tietokone|tablet|älypuhelin)?kurss|kurs(er)?\b|course|digikoulutu",
    "peer_support": r"vertaistu|kamratstöd|peer support|digikaveri|digivertai",
    "home_support": r"kotikäyn|hembesök|home visit|kotiin vietävä (digi|tuki)",
    "on_behalf": r"valtuutu|valtuudet|valtuuks|puolesta asioin|asiointi toisen puolesta|fullmakt|on behalf|"
                 r"mandate|edunvalvon|intressebevak|guardianship",
    "devices": r"laitelain|laitteiden lainaus|lånedator|device loan|laitekokeil",
}


class ImportError_(Exception):
    """The input is not PTV's service-channel JSON: the message says why, for IT."""


@dataclass
class Report:
    """What the import did, for the person running it."""

    read: int = 0
    written: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def __str__(self) -> str:
        text = f"{self.written} of {self.read} service channels written"
        if self.skipped:
            text += "; left out: " + ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        return text


def read_channels(paths: list[Path]) -> list[dict[str, Any]]:
    channels: list[dict[str, Any]] = []
    for path in paths:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise ImportError_(f"{path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; split it by page")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise ImportError_(f"{path}: not JSON ({error})") from None
        if isinstance(data, dict) and "itemList" in data:
            items = data["itemList"] or []
        elif isinstance(data, dict) and "serviceChannelType" in data:
            items = [data]
        elif isinstance(data, list):
            items = data
        else:
            raise ImportError_(f"{path}: not PTV service channels (no itemList, no serviceChannelType); "
                               "save what /api/v11/ServiceChannel/list/… returns")
        if not all(isinstance(item, dict) for item in items):
            raise ImportError_(f"{path}: its channels are not JSON objects")
        channels += items
    return channels


def convert(channels: list[dict[str, Any]], *, municipalities: tuple[str, ...] = (), offers: tuple[str, ...] = (),
            today: date | None = None, report: Report | None = None,
            authorities: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """PTV channels → the snapshot's providers (as TOML-ready tables), today's and later hours.
    `authorities`: organisation id → a name (kela, police): those organisations' service
    locations here are kept as that authority's offices, digital support or not."""
    authorities = authorities or {}
    today = today or date.today()
    report = report if report is not None else Report()
    providers: list[dict[str, Any]] = []
    seen: set[str] = set()
    for channel in channels:
        report.read += 1
        kind = channel.get("serviceChannelType")
        if kind not in CHANNEL_TYPES:
            report.skip(f"of type {kind}" if isinstance(kind, str) else "without a type")
            continue
        if channel.get("publishingStatus", "Published") != "Published":
            report.skip("not published")
            continue
        try:
            organisation = channel.get("organizationId")
            authority = authorities.get(organisation.lower(), "") if isinstance(organisation, str) else ""
            provider = _provider(channel, offers, today, municipalities, report, authority)
        except (TypeError, AttributeError, ValueError, KeyError, RecursionError):
            report.skip("unreadable")  # a shape PTV's models do not have: the rest go on
            continue
        if provider is None:
            continue
        if not _valid(provider):
            report.skip("failing the kiosk's checks")
            continue
        if provider["id"] in seen:
            report.skip("given twice")
            continue
        seen.add(provider["id"])
        providers.append(provider)
        if len(providers) >= MAX_PROVIDERS:
            report.skip("over the limit")
            break
    report.written = len(providers)
    return providers


def _valid(provider: dict[str, Any]) -> bool:
    """What the kiosk's reader (kiosk/support.py) takes: one provider that it would refuse
    is left out, not the whole snapshot."""
    from kiosk.support import _provider as read_provider
    from kiosk.toml_schema import Context, TableReader

    problems: list = []
    read_provider(TableReader(Context([], problems), provider, ("provider", 0)), LANGUAGES, False)
    return not problems


def snapshot(providers: list[dict[str, Any]], made: datetime | None = None, area: str = "") -> str:
    import tomli_w

    document = {
        "format": 1,
        "source": "Palvelutietovaranto (PTV), open API v11" + (f", {area}" if area else ""),
        "licence": "CC0 1.0 (Digital and Population Data Services Agency)",
        "made": (made or datetime.now(timezone.utc)).replace(microsecond=0),
        "provider": providers,
    }
    return ("# Digital support near the kiosk, made by 'kiosk support import' from PTV.\n"
            "# Do not edit: import again. A site's own entries go in its own file ([support] local_file).\n"
            + tomli_w.dumps(document))


# -- one channel ---------------------------------------------------------------------------

def _list(value: Any) -> list:
    """A JSON array, or nothing: a channel of another shape is read as far as it goes."""
    return value if isinstance(value, list) else []


def _texts(entries: Any, wanted_type: str | None = None) -> dict[str, str]:
    """PTV's [{language, value, type}] as {language: value}, in the kiosk's languages."""
    found: dict[str, str] = {}
    for entry in _list(entries):
        if not isinstance(entry, dict):
            continue
        language, value = entry.get("language"), entry.get("value")
        if wanted_type is not None and entry.get("type") != wanted_type:
            continue
        if language in LANGUAGES and isinstance(value, str) and value.strip() and language not in found:
            found[language] = _plain(value)
    return found


def _plain(value: str) -> str:
    """PTV's descriptions may hold Draft.js JSON or markdown-like marks: the words only, one line."""
    text = value.strip()
    if text.startswith("{") and '"blocks"' in text:
        try:
            text = " ".join(block.get("text", "") for block in json.loads(text).get("blocks", []))
        except (json.JSONDecodeError, AttributeError):
            pass
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_TEXT]


def _summary(channel: dict[str, Any]) -> dict[str, str]:
    summary = _texts(channel.get("serviceChannelDescriptions"), "Summary")
    longer = _texts(channel.get("serviceChannelDescriptions"), "Description")
    for language, text in longer.items():
        if language not in summary:
            summary[language] = text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + "…"
    return summary


def _phone(channel: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The first voice number, as it is dialled in Finland, and what it costs or says."""
    numbers = [p for p in _list(channel.get("phoneNumbers")) + _list(channel.get("supportPhones"))
               if isinstance(p, dict) and p.get("type", "Phone") == "Phone" and isinstance(p.get("number"), str)]
    numbers.sort(key=lambda p: {"fi": 0, "sv": 1, "en": 2}.get(p.get("language"), 3))
    if not numbers:
        return "", {}
    phone = numbers[0]
    first = re.split(r"[/,;]| tai | eller | or ", phone["number"])[0]  # "09 123 / 09 456": the first
    number = re.sub(r"[^0-9 +()-]", "", first).strip()
    prefix = phone.get("prefixNumber") if isinstance(phone.get("prefixNumber"), str) else ""
    prefix = prefix.strip()
    if number.startswith("+"):
        prefix = ""  # the number has its own
        if number.startswith("+358"):
            number = "0" + number[4:].strip()
    if not phone.get("isFinnishServiceNumber") and prefix == "+358" and not number.startswith("0"):
        number = "0" + number  # +358 9 310 85000 is dialled 09 310 85000 in Finland
    elif prefix and prefix != "+358":
        number = f"{prefix} {number}"
    note: dict[str, str] = {}
    for entry in numbers:
        language = entry.get("language")  # the notes of the first number's languages
        if language not in LANGUAGES or language in note:
            continue
        words = [w for w in (entry.get("chargeDescription"), entry.get("additionalInformation"))
                 if isinstance(w, str) and w.strip()]
        if words:
            note[language] = _plain(" ".join(words))
    return number if re.fullmatch(r"\+?[0-9 ()-]{3,24}", number) else "", note


def _address(channel: dict[str, Any], municipalities: tuple[str, ...]) -> tuple[dict[str, str], bool]:
    """The visiting address in each language it has, and whether it lies in `municipalities`."""
    for address in _list(channel.get("addresses")):
        if not isinstance(address, dict) or address.get("type") != "Location":
            continue
        street = address.get("streetAddress")
        if address.get("subType") not in ("Single", "Street") or not isinstance(street, dict):
            continue
        municipality = street.get("municipality") or {}
        code = municipality.get("code", "") if isinstance(municipality, dict) else ""
        names, offices = _texts(street.get("street")), _texts(street.get("postOffice"))
        number, postal = street.get("streetNumber") or "", street.get("postalCode") or ""
        text = {}
        for language in LANGUAGES:
            name = names.get(language) or names.get("fi") or next(iter(names.values()), "")
            office = offices.get(language) or offices.get("fi") or next(iter(offices.values()), "")
            if name:
                text[language] = f"{name} {number}".strip() + (f", {postal} {office.title()}".rstrip()
                                                               if postal or office else "")
        return text, not municipalities or code in municipalities
    return {}, not municipalities


def _url(channel: dict[str, Any]) -> str:
    pages = sorted((p for p in _list(channel.get("webPages")) if isinstance(p, dict)),
                   key=lambda p: {"fi": 0, "sv": 1, "en": 2}.get(p.get("language"), 3))
    urls = [{"url": u.get("value")} for u in _list(channel.get("urls")) if isinstance(u, dict)]  # older e-channels
    for page in urls + pages:
        url = page.get("url")
        if isinstance(url, str) and url.startswith("https://") and len(url) <= 300 and " " not in url:
            return url
    return ""


def _clock(value: Any) -> str | None:
    """"08:00", "08:00:00" → "08:00"; "24:00", "23:59:59" stays a day's end."""
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?", value.strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if (hour, minute) == (24, 0) or value.strip().startswith("23:59:59"):
        return "24:00"
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at.astimezone(HELSINKI).date() if at.tzinfo else at.date()  # "2026-12-23T22:00Z" is the 24th here


def _hours(channel: dict[str, Any], today: date) -> tuple[list, list, dict[str, str]]:
    weekly: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    notes: dict[str, str] = {}
    regular = []
    for hours in _list(channel.get("serviceHours")):
        if not isinstance(hours, dict):
            continue
        first, last = _day(hours.get("validFrom")), _day(hours.get("validTo"))
        kind = hours.get("serviceHourType")
        if kind == "Exceptional":
            if first is None or (last or first) < today:
                continue  # over (an exception without validTo is its one day)
            row: dict[str, Any] = {"first": first.isoformat(), "last": (last or first).isoformat()}
            opening = next((o for o in _list(hours.get("openingHour")) if isinstance(o, dict)), None)
            opens, closes = (_clock(opening.get("from")), _clock(opening.get("to"))) if opening else (None, None)
            if hours.get("isClosed") or not (opens and closes):
                row["closed"] = True
            else:
                row["opens"], row["closes"] = opens, closes
            note = _texts(hours.get("additionalInformation"))
            if note:
                row["note"] = note
            exceptions.append(row)
        elif kind in ("DaysOfTheWeek", "OverMidnight"):
            if last is not None and last < today:
                continue  # last season's
            if first is not None and first > today and not hours.get("validForNow"):
                continue  # next season's hours: the next import takes them
            regular.append(hours)
    # The periods in force today, all of them (a day's hours and a night's beside them); PTV
    # marks them, else those begun: of those, only the latest begun of each kind.
    now = [h for h in regular if h.get("validForNow")] or regular
    latest: dict[str, dict] = {}
    for hours in sorted(now, key=lambda h: _day(h.get("validFrom")) or date.min):
        latest[hours.get("serviceHourType")] = hours
    for hours in latest.values():
        extra = _texts(hours.get("additionalInformation"))
        if hours.get("isReservation"):
            extra = {language: ("Ajanvarauksella. " if language == "fi" else "Med tidsbokning. " if language == "sv"
                                else "By appointment. ") + extra.get(language, "") for language in LANGUAGES}
        for language, text in extra.items():
            notes[language] = (notes.get(language, "") + " " + text).strip()
        if hours.get("isAlwaysOpen"):
            weekly.append({"from": "mon", "to": "sun", "opens": "00:00", "closes": "24:00"})
            continue
        if hours.get("isClosed"):
            continue
        for opening in _list(hours.get("openingHour")):
            if not isinstance(opening, dict) or opening.get("dayFrom") not in DAYS:
                continue
            opens, closes = _clock(opening.get("from")), _clock(opening.get("to"))
            if not opens or not closes or opens == "24:00":
                continue
            first_day = DAYS[opening["dayFrom"]]
            last_day = first_day
            if hours.get("serviceHourType") == "DaysOfTheWeek" and opening.get("dayTo") in DAYS:
                last_day = DAYS[opening["dayTo"]]
            if last_day < first_day:  # Saturday to Monday: over the week's end
                weekly.append({"from": WEEKDAYS[first_day], "to": "sun", "opens": opens, "closes": closes})
                first_day = 0
            weekly.append({"from": WEEKDAYS[first_day], "to": WEEKDAYS[last_day], "opens": opens, "closes": closes})
    return weekly[:MAX_HOURS], sorted(exceptions, key=lambda e: e["first"])[:MAX_EXCEPTIONS], notes


def _offers(channel: dict[str, Any], given: tuple[str, ...]) -> list[str]:
    words = " ".join(_texts(channel.get("serviceChannelNames")).values())
    for service in _list(channel.get("services")):
        if isinstance(service, dict):
            inner = service.get("service") if isinstance(service.get("service"), dict) else service
            name = inner.get("name")  # v11: a plain text (VmOpenApiItem); other versions: per language
            words += " " + (name if isinstance(name, str) else " ".join(_texts(name).values()))
    words = words.lower()
    found = [offer for offer, pattern in OFFER_WORDS.items() if re.search(r"(?<!\w)(" + pattern + ")", words)]
    return [offer for offer in OFFERS if offer in found or offer in given]


def _provider(channel: dict[str, Any], offers: tuple[str, ...], today: date, municipalities: tuple[str, ...],
              report: Report, authority: str = "") -> dict[str, Any] | None:
    channel_id = channel.get("id")
    if not isinstance(channel_id, str) or not re.fullmatch(r"[0-9a-fA-F-]{36}", channel_id):
        report.skip("without an id")
        return None
    name = _texts(channel.get("serviceChannelNames"), "Name") or _texts(channel.get("serviceChannelNames"))
    if not name:
        report.skip("without a name")
        return None
    address, here = _address(channel, municipalities)
    if channel.get("serviceChannelType") == "ServiceLocation" and not here:
        report.skip("elsewhere")
        return None
    phone, phone_note = _phone(channel)
    url = _url(channel)
    if not (phone or address or url):
        report.skip("with no phone, address or web address")
        return None
    if authority and channel.get("serviceChannelType") != "ServiceLocation":
        authority = ""  # an office is a place to go to
    found = _offers(channel, () if authority else offers)  # --offers: the support files', not an office's
    if not found and not authority:
        report.skip("offering no digital support")
        return None
    weekly, exceptions, hours_note = _hours(channel, today)
    provider: dict[str, Any] = {"id": "ptv-" + channel_id.lower(), "offers": found, "name": name}
    if authority:
        provider["authority"] = authority
    for key, value in (("summary", _summary(channel)), ("address", address), ("phone", phone),
                       ("phone_note", phone_note), ("url", url), ("hours_note", hours_note)):
        if value:
            provider[key] = value
    languages = [v for v in channel.get("languages") or [] if isinstance(v, str) and re.fullmatch(r"[a-z]{2,3}", v)]
    if languages:
        provider["languages"] = languages[:20]
    if weekly:
        provider["hours"] = weekly
    if exceptions:
        provider["exception"] = exceptions
    return provider
