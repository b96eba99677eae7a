"""What staff may ask of a kiosk from the desk, the ready-made messages they may send the
person there, and what became of each command, in words.

A kiosk replies to a command (kiosk.desk_commands): "done", "no_session" (nobody there:
a message is not shown, a print limit has no one to lift it for), "no_service" (no
e-service to reopen), and to IT's operations (kiosk.remote_ops) "in_session" and
"staff_mode" (not done while a person or staff use the kiosk) or "failed". The desk adds
"offline" (not sent: the kiosk is not connected), "no_answer" (sent, no reply in time: the
kiosk went away, or runs an older version) and, for a wake-up, "sent_by_desk"."""

from __future__ import annotations

from kiosk.desk.language import N_

# In the order the buttons are shown. Those that affect a person ask staff to confirm.
COMMANDS = ("message", "lift_print_limit", "reopen_browser", "end_session", "out_of_service", "back_in_service",
            "restart", "reboot")
CONFIRM = ("lift_print_limit", "end_session", "out_of_service", "restart", "reboot")
# IT's operations with a route of their own (kiosk.desk.ops_web), after the commands.
OPERATIONS = ("screenshot", "log_bundle", "wake")
LABELS = {"message": N_("Message"), "lift_print_limit": N_("Lift print limit"),
          "reopen_browser": N_("Reopen browser"), "end_session": N_("End session"),
          "out_of_service": N_("Out of service"), "back_in_service": N_("Back in service"),
          "restart": N_("Restart"), "reboot": N_("Reboot"), "screenshot": N_("Screenshot"),
          "log_bundle": N_("Log bundle"), "wake": N_("Wake up")}
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
        "restart": N_("Restarting"), "reboot": N_("Rebooting"), "screenshot": N_("Screenshot taken"),
        "log_bundle": N_("Log bundle ready"), "wake": N_("Wake-up sent by another kiosk of the site")}
NO_SESSION = {"message": N_("Not shown: nobody is using the kiosk"),
              "lift_print_limit": N_("Nothing lifted: nobody is using the kiosk"),
              "reopen_browser": N_("Nothing reopened: nobody is using the kiosk"),
              "end_session": N_("Nobody was using the kiosk: it was cleared")}
# Restart and reboot wait for a moment between sessions unless staff accept its end.
IN_SESSION = {"restart": N_("Not restarted: a person is using the kiosk. To restart anyway, tick "
                            "“End the session” and restart again."),
              "reboot": N_("Not rebooted: a person is using the kiosk. To reboot anyway, tick "
                           "“End the session” and reboot again.")}
OTHER_RESULTS = {"no_service": N_("Nothing reopened: no e-service was open"),
                 "offline": N_("Not sent: the kiosk is offline"),
                 "no_answer": N_("Sent, but the kiosk did not answer: it may have gone offline"),
                 "in_session": N_("Not done: a person is using the kiosk"),
                 "staff_mode": N_("Not done: staff mode is open at the kiosk"),
                 "failed": N_("The kiosk could not do it: its log says why"),
                 "sent_by_desk": N_("Wake-up sent by the desk: no other kiosk of the site was online")}


def result_text(gettext_, command: str, result: str) -> str:
    """What became of `command`, in words of the reader's language."""
    if result == "done":
        text = DONE.get(command, N_("Done"))
    elif result == "no_session":
        text = NO_SESSION.get(command, N_("Nobody is using the kiosk"))
    elif result == "in_session" and command in IN_SESSION:
        text = IN_SESSION[command]
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
                N_("The kiosk's program starts again, between sessions: it is not restarted while a person "
                   "is using it, unless you tick the box. It is back in about a minute.")),
    "reboot": (N_("Reboot the kiosk?"),
               N_("The whole terminal starts again, between sessions: it is not rebooted while a person is "
                  "using it, unless you tick the box. It is back in a few minutes.")),
}
END_SESSION = N_("End the session: a person using the kiosk now loses everything they did there")
