"""The desk's languages: Finnish, Swedish and English, the staff member's choice (a cookie)
or else their browser's Accept-Language; the gettext catalogues of the `desk` domain in the
kiosk's locale tree (kiosk/locale/<lang>/LC_MESSAGES/desk.po, compiled with the kiosk's by
`make locale`); and every code a kiosk sends shown as words (`large_text` → "Large text").

Strings are marked `N_(...)` where they are defined and translated where they are shown,
in the reader's language; Babel extracts both these and the templates' (`make po`)."""

from __future__ import annotations

import gettext
import logging
from pathlib import Path

from kiosk.languages import LOCALE_DIR

log = logging.getLogger(__name__)

DOMAIN = "desk"
LANGUAGES = ("fi", "sv", "en")
DEFAULT = "en"  # the source language, for a browser that asks for none the desk has
COOKIE = "desk_language"
# Each language by its own name, as whoever reads only that language looks for it.
OWN_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def N_(text: str) -> str:
    """Marks a string for translation where it is translated later, in the reader's language."""
    return text


def load_catalogues(locale_dir: Path = LOCALE_DIR) -> dict[str, gettext.NullTranslations]:
    catalogues: dict[str, gettext.NullTranslations] = {}
    for code in LANGUAGES:
        mo = locale_dir / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            with mo.open("rb") as handle:
                catalogues[code] = gettext.GNUTranslations(handle)
        except OSError:
            # English is the source language: the desk stays usable, and says why.
            log.error("the desk's translations for '%s' are not compiled (%s missing): run 'make locale'", code, mo)
            catalogues[code] = gettext.NullTranslations()
    return catalogues


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The chosen language if it is offered, else the first offered one the browser asks
    for (by q-value, then order), else English."""
    if chosen in LANGUAGES:
        return chosen
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "")[:500].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if quality > 0 and primary in LANGUAGES:
            wanted.append((-quality, index, primary))
    return min(wanted)[2] if wanted else DEFAULT


# -- the codes kiosks send, as words -------------------------------------------------------------

WORDS: dict[str, dict[str, str]] = {
    "topic": {"logging_in": N_("Logging in"), "filling_form": N_("Filling in a form"), "printing": N_("Printing"),
              "attaching": N_("Attaching a file"), "other": N_("Something else")},
    "accessibility": {"speech": N_("Speech"), "large_text": N_("Large text"), "high_contrast": N_("High contrast"),
                      "plain_language": N_("Plain language")},
    "fault": {"out_of_paper": N_("out of paper"), "jammed": N_("paper jam"), "door_open": N_("a door is open"),
              "toner_empty": N_("out of toner"), "toner_low": N_("toner low"), "offline": N_("offline"),
              "paused": N_("paused"), "not_accepting": N_("not accepting jobs"), "unreachable": N_("not reachable")},
    "resolution": {"solved": N_("Solved"), "solved_partly": N_("Partly solved"), "referred": N_("Referred elsewhere"),
                   "e_service_fault": N_("Fault in the e-service"), "no_show": N_("Nobody there"),
                   "other": N_("Other"), "open": N_("Still open")},
    "session": {"ready": N_("free"), "free": N_("free"), "active": N_("in use"), "warning": N_("in use"),
                "wiping": N_("clearing for the next person"), "out_of_service": N_("out of service")},
    "language": {"fi": N_("Finnish"), "sv": N_("Swedish"), "en": N_("English"), "se": N_("Northern Sámi"),
                 "ru": N_("Russian"), "uk": N_("Ukrainian"), "et": N_("Estonian"), "ar": N_("Arabic"),
                 "so": N_("Somali")},
    "outcome": {"yes": N_("Got it done"), "partly": N_("Partly"), "no": N_("No"), "no_answer": N_("No answer")},
    "need": {"self": N_("Can do it myself"), "guided": N_("Guide me"), "person": N_("A person to help"),
             "nondigital": N_("Cannot use e-services")},
    "duration": {"under_5_min": N_("Under 5 min"), "5_15_min": N_("5–15 min"), "15_30_min": N_("15–30 min"),
                 "over_30_min": N_("Over 30 min")},
    # What the audit log records (kiosk.desk.store.Store.audit), as its page shows it.
    "audit": {"login": N_("Logged in"), "login_failed": N_("Failed login"),
              "login_refused": N_("Login refused: account disabled"), "command": N_("Command to a kiosk"),
              "user_added": N_("Staff account added"), "user_changed": N_("Staff account changed"),
              "user_disabled": N_("Staff account disabled"), "user_enabled": N_("Staff account enabled"),
              "password_reset": N_("Password reset"), "users_listed": N_("Staff accounts listed"),
              "request_released": N_("Request back to the queue"), "request_transferred": N_("Request handed over"),
              "request_escalated": N_("Request escalated to the region"),
              "webhook_failed": N_("Escalation did not reach the chat"),
              "kiosk_forgotten": N_("Kiosk removed from the board"),
              "kiosk_enrolled": N_("New terminal made a kiosk"),
              "enrolment_refused": N_("New terminal refused"),
              "kiosk_credentials": N_("Kiosk collected its broker account"),
              "booking_cancelled": N_("Booked time cancelled"),
              "share_asked": N_("Asked to see a screen"), "share_started": N_("Saw a screen"),
              "share_ended": N_("Stopped seeing a screen"), "share_refused": N_("Did not see a screen"),
              "rollout_released": N_("Release rolled out"), "rollout_promoted": N_("Release to all kiosks"),
              "rollout_rolled_back": N_("Release rolled back"), "rollout_ring": N_("Kiosk's ring changed"),
              "log_bundle_downloaded": N_("Downloaded a kiosk's log bundle")},
    # Roll-out (kiosk.desk.rollout): what is released, to whom, and why a kiosk refused one
    # (kiosk/rollout.py's REASONS).
    "release": {"config": N_("Configuration"), "catalog": N_("Catalogue")},
    "ring": {"pilot": N_("Pilot kiosks"), "all": N_("All kiosks")},
    "refusal": {"site": N_("it was for another site"),
                "older": N_("it is not newer than what the kiosk has (a replayed release)"),
                "signature": N_("its signature is not this desk's"), "size": N_("it is too large"),
                "no_key": N_("the kiosk has no key for releases ([fleet] rollout_key_file)"),
                "no_desk": N_("the kiosk has no address of the desk to fetch it from ([fleet] desk_url)"),
                "hash": N_("the file fetched was not the one announced"),
                "fetch": N_("the kiosk could not fetch it (it will be tried again)"),
                "invalid": N_("the kiosk's checks found problems")},
    "help_accepted": {"under_2_min": N_("Under 2 min"), "2_5_min": N_("2–5 min"), "5_15_min": N_("5–15 min"),
                      "over_15_min": N_("Over 15 min")},
}


def word(gettext_, kind: str, code: str | None) -> str:
    """`code` of `kind` as words in the reader's language; a code the desk does not know is
    shown as it came, its underscores as spaces (a newer kiosk may know more than the desk)."""
    if not code:
        return ""
    known = WORDS.get(kind, {}).get(code)
    return gettext_(known) if known else code.replace("_", " ")
