"""What the printing screens say (and speech mode speaks): reasons, job states, sizes, prices."""

from __future__ import annotations

from kiosk.i18n import N_

# Why a document cannot be printed, in the person's words. {mb}, {left} are filled in.
REASON_TEXTS = {
    "not_pdf": N_("Only PDF documents can be printed here. This file is of another type."),
    "encrypted": N_("This document is protected with a password, so it cannot be printed here. Print it from the e-service instead, or ask the staff."),
    "damaged": N_("This document is damaged and cannot be printed. Try downloading it again."),
    "empty": N_("This document has no pages to print."),
    "too_large": N_("This document is too large to print here (over {mb} MB)."),
    "unshowable": N_("This document cannot be shown here, so it cannot be printed here either. The staff can help."),
    "quota": N_("This is more than you can print in one visit. Pages left: {left}. The staff can help."),
    "unavailable": N_("Printing is not available on this computer. Please ask the staff."),
    "out_of_paper": N_("The printer is out of paper."),
    "jammed": N_("Paper is stuck in the printer."),
    "door_open": N_("A cover of the printer is open."),
    "toner_empty": N_("The printer has run out of ink."),
    "offline": N_("The printer is not working right now."),
    "paused": N_("The printer is not working right now."),
    "not_accepting": N_("The printer is not working right now."),
    "unreachable": N_("The printer is not working right now."),
}
PRINTER_FAULTS = ("out_of_paper", "jammed", "door_open", "toner_empty", "offline", "paused", "not_accepting",
                  "unreachable")

JOB_TEXTS = {
    "sending": N_("Sending your document to the printer…"),
    "waiting": N_("Waiting for the printer…"),
    "printing": N_("Printing…"),
    "done": N_("Your printout is ready."),
}
JOB_PROBLEM_TEXTS = {
    "stuck": N_("The printer did not print your document in time, so printing was cancelled. Your pages were not counted."),
    "not_sent": N_("Your document could not be sent to the printer. Your pages were not counted."),
    "aborted": N_("The printer could not print your document. Your pages were not counted."),
    "by_person": N_("Printing was cancelled. Your pages were not counted."),
}


def reason_text(reason: str, tr, printing) -> str:
    """Plain words for a reason not to print; printer faults say who knows about it."""
    template = REASON_TEXTS.get(reason)
    if template is None:
        return ""
    text = tr._(template).format(mb=printing.config.max_file_mb, left=max(0, printing.quota_left))
    if reason in PRINTER_FAULTS:
        text += " " + (tr._("The staff have been told.") if printing.staff_alerted
                       else tr._("Please tell the staff."))
    return text


def job_text(printing, tr, place: str) -> str:
    """The job's state in a sentence or two."""
    state = printing.job_state
    if state in ("failed", "cancelled"):
        return tr._(JOB_PROBLEM_TEXTS.get(printing.job_problem, JOB_PROBLEM_TEXTS["aborted"]))
    if state == "done":
        return " ".join(t for t in (tr._(JOB_TEXTS["done"]), place) if t)
    text = tr._(JOB_TEXTS.get(state, "")) if state else ""
    if state in ("waiting", "printing") and printing.printer_fault:
        text += " " + reason_text(printing.printer_fault, tr, printing)
    return text


# A count of pages or sheets, one and many apart. Finnish takes the nominative after one
# and the partitive after other numbers ("yksi sivu", "3 sivua"), which espeak-ng reads
# right as written; a case after a number ("3 paperiarkille") it would not.
PAGES = (N_("one page"), N_("{n} pages"))
SHEETS = (N_("one sheet of paper"), N_("{n} sheets of paper"))


def counted(tr, n: int, forms: tuple[str, str]) -> str:
    one, many = forms
    return tr._(one) if n == 1 else tr._(many).format(n=n)


def pages_on_sheets(tr, pages: int, sheets: int) -> str:
    """"3 pages on 2 sheets of paper", "One page on one sheet of paper"."""
    text = tr._("{pages} on {sheets}").format(pages=counted(tr, pages, PAGES), sheets=counted(tr, sheets, SHEETS))
    return text[:1].upper() + text[1:]


def print_button_text(tr, pages: int) -> str:
    return tr._("Print {pages}").format(pages=counted(tr, pages, PAGES))


def document_pages_text(tr, pages: int) -> str:
    return tr._("The document has {pages}.").format(pages=counted(tr, pages, PAGES))


def quota_left_text(tr, left: int) -> str:
    """What is left of the print limit (Finnish says "yhden sivun", so one is a sentence of its own)."""
    if left == 0:
        return tr._("You cannot print more pages.")
    if left == 1:
        return tr._("You can still print one page.")
    return tr._("You can still print {left} pages.").format(left=left)


def decimal(value: float, language: str, digits: int = 2) -> str:
    text = f"{value:.{digits}f}"
    return text if language == "en" else text.replace(".", ",")


def price_text(cents: int, language: str) -> str:
    amount = decimal(cents / 100, language)
    return f"€{amount}" if language == "en" else f"{amount} €"


def size_text(size_bytes: int, language: str) -> str:
    if size_bytes < 1024 * 1024:
        return f"{max(1, round(size_bytes / 1024))} kB"
    return f"{decimal(size_bytes / 1024 / 1024, language, 1)} MB"
