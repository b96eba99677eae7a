"""What each staff role may do: the one table every route of the desk asks
(`kiosk.desk.web`), and the pages' navigation and buttons follow.

- helper: the help queue (accept, resolve) and the kiosks of their own sites, to which
  they may send a message, and whose screen they may ask to see; no other command.
- site_lead: also the other commands, IT's operations on their kiosks (restart, reboot,
  screenshot, log bundle, wake-on-LAN), the help report, statistics and the audit log of
  their sites.
- admin: everything, for every site the desk serves, the staff accounts, and rolling out
  configuration and catalogues.
- stats_reader (a regional coordinator): the help report and statistics of every site the
  desk serves; no board, no accept, no commands.

A route not in the table is refused: a new page must be given its roles here."""

from __future__ import annotations

from kiosk.desk.language import N_
from kiosk.desk.schema import ROLES

STAFF = frozenset({"helper", "site_lead", "admin"})
LEADS = frozenset({"site_lead", "admin"})
READERS = frozenset({"site_lead", "admin", "stats_reader"})

MAY: dict[str, frozenset[str]] = {
    "board": STAFF,       # the queue and kiosks page, its state and event stream
    "help": STAFF,        # accept and resolve a request
    "message": STAFF,     # a message to the person at a kiosk
    "command": LEADS,     # every other command to a kiosk
    # IT's operations (kiosk.desk.ops_web): below the person's session, on the terminal
    # itself. An action of their own, so that a region may keep them to administrators.
    "operate": LEADS,
    "share": STAFF,       # see a kiosk's screen, once the person there allows it
    "report": READERS,    # the help report
    "stats": READERS,     # statistics and their CSV
    "audit": LEADS,       # the audit log (a site lead: their sites; an admin: all)
    "admin": frozenset({"admin"}),  # staff accounts
    # Configuration and catalogue releases, and kiosks' rings: a release changes every kiosk
    # of a site, what its browser may open included, so it is the administrators'.
    "rollout": frozenset({"admin"}),
}
# Roles that see every site the desk serves, whatever sites their account lists.
REGION = frozenset({"admin", "stats_reader"})
# Role names as staff read them (translated where shown).
ROLE_NAMES = {"helper": N_("Helper"), "site_lead": N_("Site lead"), "admin": N_("Administrator"),
              "stats_reader": N_("Statistics reader")}

assert set(ROLE_NAMES) == set(ROLES) and all(roles <= set(ROLES) for roles in MAY.values())


def may(role: str | None, action: str) -> bool:
    """Whether `role` may do `action`; an unknown role or action may do nothing."""
    return role in MAY.get(action, ())


OPERATIONS = ("restart", "reboot")  # commands of /api/command that are IT's operations


def command_action(command: str) -> str:
    """The action a kiosk command needs: a message is the helpers' too; restart and reboot
    are operations."""
    return "message" if command == "message" else "operate" if command in OPERATIONS else "command"
