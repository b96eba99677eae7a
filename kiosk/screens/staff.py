from pathlib import Path

from kivy.properties import StringProperty

from kiosk.i18n import N_
from kiosk.languages import NATIVE_NAMES
from kiosk.screens.facade import kiosk, kiosk_id
from kiosk.screens.widgets import KioskButton, KioskScreen

# What staff may show on the out-of-service screen (translated there in every language).
STAFF_MESSAGES = (N_("Maintenance is under way."), N_("The printer is being repaired."),
                  N_("This computer cannot be used today."))
SPEECH_SAMPLES = {"fi": "Tämä on puhetesti. Kuuluuko ääni hyvin?", "sv": "Det här är ett taltest. Hörs rösten bra?",
                  "en": "This is a speech test. Can you hear the voice well?"}


def network_up(route_file: Path = Path("/proc/net/route")) -> bool:
    """A default route exists (the kiosk can reach beyond its own network segment)."""
    try:
        lines = route_file.read_text().splitlines()[1:]
    except OSError:
        return False
    return any(len(fields) > 2 and fields[1] == "00000000" for fields in (line.split() for line in lines))


class StaffScreen(KioskScreen):
    """Staff mode: the kiosk's state and what staff may do with it, without a keyboard."""

    chrome = False
    session_controls = False
    facts = StringProperty("")
    receipts = StringProperty("")
    essentials = ("leave_staff",)

    def on_pre_enter(self, *args) -> None:
        kiosk().staff.note = ""
        super().on_pre_enter(*args)

    def refresh(self) -> None:
        from kiosk import __version__

        app = kiosk()
        tr = app.tr
        printer = app.printing.printer
        if not app.printing.available:
            printer_text = tr._("no printer")
        elif app.printing.printer_fault:
            printer_text = tr._("needs attention ({fault})").format(fault=app.printing.printer_fault)
        else:
            printer_text = tr._("ready") if printer is not None else tr._("not read yet")
        self.facts = "\n".join((
            tr._("Kiosk: {id}").format(id=kiosk_id()),
            tr._("Version: {version}").format(version=__version__),
            tr._("Network: {state}").format(state=tr._("connected") if network_up() else tr._("not connected")),
            tr._("Staff desk: {state}").format(state=tr._("connected") if app.help.connected else tr._("not connected")),
            tr._("Printer: {state}").format(state=printer_text),
            tr._("Speech volume at the start of a session: {percent} %").format(
                percent=int(round(app.speech.default_volume * 100))),
            support_fact(app),
            *hours_facts(app),
            tr._("In service") if not app.flow.out_of_service else tr._("Out of service"),
        ))
        lines = []
        for receipt in reversed(app.wipe.receipts()[-5:]):
            failed = [s["name"] for s in receipt.get("steps", []) if not s.get("ok")] + \
                     [c["name"] for c in receipt.get("checks", []) if not c.get("ok")]
            state = tr._("wiped") if receipt.get("ok") else tr._("NOT wiped: {what}").format(what=", ".join(failed))
            lines.append(f"{receipt.get('time', '')[:19].replace('T', ' ')}  {receipt.get('reason', '')}  {state}")
        self.receipts = "\n".join(lines) or tr._("No wipes yet.")
        box = self.ids.speech_tests
        box.clear_widgets()
        for language in app.tr.languages:
            box.add_widget(KioskButton(text=NATIVE_NAMES.get(language, language),
                                       on_release=lambda _b, lang=language: app.speech.test(
                                           SPEECH_SAMPLES.get(lang, SPEECH_SAMPLES["en"]), lang)))
        messages = self.ids.messages
        messages.clear_widgets()
        for message in STAFF_MESSAGES:
            # A bound method (kept weakly by Kivy), not a lambda holding the screen, which
            # would keep the screen alive for ever after it is left.
            button = KioskButton(text=tr._(message), kind="danger", on_release=self._message_pressed)
            button.message = message
            messages.add_widget(button)

    def _message_pressed(self, button) -> None:
        self.out_of_service(button.message)

    def out_of_service(self, message: str) -> None:
        kiosk().staff.out_of_service(message)
        self.refresh()

    def volume(self, delta: float) -> None:
        kiosk().staff.default_volume(delta)
        self.refresh()


def support_fact(app) -> str:
    """What staff must know of the digital-support details: how many, how old, what is wrong."""
    from kiosk.support import now_utc

    tr, support = app.tr, app.support
    if support.problems:
        return tr._("Digital support: {count} problems in its files (see 'kiosk support check')").format(
            count=len(support.problems))
    if support.stale(now_utc()):
        return tr._("Digital support: the details are from {date}, older than {days} days. Import them again.").format(
            date=support.made.strftime("%Y-%m-%d"), days=support.max_age_days)
    return tr._("Digital support: {count} places").format(count=len(support.providers))


def hours_facts(app) -> list[str]:
    """What staff must know of the opening hours the kiosk keeps (none: nothing is said)."""
    from kiosk.opening_hours import next_unknown_holiday
    from kiosk.support import HELSINKI

    tr, closing = app.tr, app.closing
    hours, now = closing.hours, closing.now()
    facts = []
    if hours is None:
        return [tr._("Opening hours: not kept ({reason})").format(reason=app.services.hours_note)] \
            if app.services.hours_note else []

    def when(at) -> str:
        local = at.astimezone(HELSINKI)
        return f"{local.day}.{local.month}. {local:%H:%M}"

    if hours.stale(now):
        facts.append(tr._("Opening hours: the details are from {date}, older than {days} days: the kiosk does not close by them. Import them again.").format(
            date=hours.made.strftime("%Y-%m-%d"), days=hours.max_age_days))
    elif closing.closed and closing.opens_at is not None:
        facts.append(tr._("Opening hours: closed, opens at {time}").format(time=when(closing.opens_at)))
    elif closing.closes_at is not None:
        facts.append(tr._("Opening hours: open, closes at {time}").format(time=when(closing.closes_at)))
    holiday = None if hours.stale(now) else next_unknown_holiday(hours, now)
    if holiday is not None:
        facts.append(tr._("Opening hours: {date} is a public holiday with no exception: the kiosk keeps its weekly hours then.").format(
            date=f"{holiday.day.day}.{holiday.day.month}."))
    if closing.power_problem:
        facts.append(tr._("The screen is not turned off at night: {reason}").format(reason=closing.power_problem))
    return facts
