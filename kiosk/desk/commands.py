"""What staff may ask of a kiosk from the desk, the ready-made messages they may send the
person there, and what became of each command, in words.

A kiosk replies to a command (kiosk.desk_commands): "done", "no_session" (nobody there:
a message is not shown, a print limit has no one to lift it for), "no_service" (no
e-service to reopen). The desk adds "offline" (not sent: the kiosk is not connected) and
"no_answer" (sent, no reply in time: the kiosk went away, or runs an older version)."""

from __future__ import annotations

from kiosk.desk.language import N_

# In the order the buttons are shown. Those that affect a person ask staff to confirm.
COMMANDS = ("message", "lift_print_limit", "reopen_browser", "end_session", "out_of_service", "back_in_service",
            "restart")
CONFIRM = ("lift_print_limit", "end_session", "out_of_service", "restart")
LABELS = {"message": N_("Message"), "lift_print_limit": N_("Lift print limit"),
          "reopen_browser": N_("Reopen browser"), "end_session": N_("End session"),
          "out_of_service": N_("Out of service"), "back_in_service": N_("Back in service"),
          "restart": N_("Restart")}
REPLY_S = 8.0

# Shown to staff in their language, sent in the language the person uses at the kiosk.
READY_MESSAGES = {
    "coming": N_("A helper is on the way to you."),
    "moment": N_("Please wait a moment: a helper will come soon."),
    "busy": N_("All helpers are busy right now. Please wait, or come to the service desk."),
    "come_to_desk": N_("Please come to the service desk."),
    "printout": N_("Your printout is ready at the service desk."),
    "closing": N_("The library closes in 15 minutes."),
}

DONE = {"message": N_("Message shown"), "lift_print_limit": N_("Print limit lifted"),
        "reopen_browser": N_("Browser reopened"),
        "end_session": N_("The person was asked to end the session"),
        "out_of_service": N_("Out of service now"), "back_in_service": N_("Back in service"),
        "restart": N_("Restarting")}
NO_SESSION = {"message": N_("Not shown: nobody is using the kiosk"),
              "lift_print_limit": N_("Nothing lifted: nobody is using the kiosk"),
              "reopen_browser": N_("Nothing reopened: nobody is using the kiosk"),
              "end_session": N_("Nobody was using the kiosk: it was cleared")}
OTHER_RESULTS = {"no_service": N_("Nothing reopened: no e-service was open"),
                 "offline": N_("Not sent: the kiosk is offline"),
                 "no_answer": N_("Sent, but the kiosk did not answer: it may have gone offline")}


def result_text(gettext_, command: str, result: str) -> str:
    """What became of `command`, in words of the reader's language."""
    if result == "done":
        text = DONE.get(command, N_("Done"))
    elif result == "no_session":
        text = NO_SESSION.get(command, N_("Nobody is using the kiosk"))
    else:
        text = OTHER_RESULTS.get(result, N_("Sent"))
    return gettext_(text)


# The confirmation each command that affects a person asks for: a title, and what happens.
CONFIRMATIONS = {
    "lift_print_limit": (N_("Lift the print limit?"),
                         N_("The person at this kiosk can then print more pages than the limit allows.")),
    "end_session": (N_("End this person's session?"),
                    N_("The person at the kiosk is asked to confirm; then everything they did there is wiped.")),
    "out_of_service": (N_("Put the kiosk out of service?"),
                       N_("A person using it now has their session ended and wiped, and nobody can start a new one "
                          "until the kiosk is back in service.")),
    "restart": (N_("Restart the kiosk?"),
                N_("A person using it now loses their session, which is wiped. The kiosk is back in about a "
                   "minute.")),
}
