"""The audit log as its page shows it: newest first, a page of `AUDIT_PAGE` entries at a
time, each action and its detail in words of the reader's language (never a raw code).
A site lead sees the entries of their sites (commands to their kiosks); an administrator
every entry, logins and account changes included."""

from __future__ import annotations

import time

from kiosk.desk.commands import LABELS, result_text
from kiosk.desk.language import word
from kiosk.desk.roles import ROLE_NAMES

AUDIT_PAGE = 50


def detail_text(_, entry: dict) -> str:
    """What an entry's detail says, in words."""
    action, detail = entry["action"], entry["detail"] if isinstance(entry["detail"], dict) else {}
    if action == "command" and detail.get("command") in LABELS:
        command = detail["command"]
        text = f"{_(LABELS[command])}: {result_text(_, command, str(detail.get('result', '')))}"
        if isinstance(detail.get("text"), str):
            text += f" – “{detail['text']}”"
        return text
    name = str(detail.get("name", ""))
    if action in ("user_added", "user_changed"):
        role = detail.get("role")
        return _("%(name)s: %(role)s; sites %(sites)s") % {
            "name": name, "role": _(ROLE_NAMES[role]) if role in ROLE_NAMES else str(role),
            "sites": str(detail.get("sites", "")).replace(",", ", ")}
    if action in ("user_disabled", "user_enabled", "password_reset"):
        return name
    if action == "request_transferred":
        return _("from %(from)s to %(to)s") % {"from": str(detail.get("from", "")), "to": str(detail.get("to", ""))}
    if action == "request_released":
        return _("accepted by %(helper)s") % {"helper": str(detail.get("helper", ""))}
    if action == "request_escalated" and isinstance(detail.get("waited_min"), int):
        return _("%(topic)s, waited %(minutes)s min") % {"topic": word(_, "topic", str(detail.get("topic", ""))),
                                                          "minutes": detail["waited_min"]}
    if action == "booking_cancelled":
        return _("%(time)s, code %(code)s") % {"time": str(detail.get("starts", "")).replace("T", " "),
                                               "code": str(detail.get("code", ""))}
    if action.startswith("rollout_") and action != "rollout_ring":
        text = _("%(what)s version %(version)s") % {"what": word(_, "release", str(detail.get("kind", ""))),
                                                    "version": detail.get("version", "")}
        if action == "rollout_released":
            text += ", " + word(_, "ring", str(detail.get("ring", "")))
        if action == "rollout_rolled_back":
            text += ", " + _("the content of version %(n)s") % {"n": detail.get("content_of", "")}
        return text
    if action == "rollout_ring":
        return word(_, "ring", str(detail.get("ring", "")))
    if action == "login_failed" and detail.get("locked"):
        return _("the name is locked for five minutes")
    return ""


def audit_rows(_, entries: list[dict]) -> list[dict]:
    return [{"id": e["id"], "time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e["at"])),
             "actor": e["actor"], "action": word(_, "audit", e["action"]), "site": e["site"], "kiosk": e["kiosk"],
             "detail": detail_text(_, e)} for e in entries]
