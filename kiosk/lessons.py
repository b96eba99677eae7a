"""Learn the basics: short lessons done by touching, on the kiosk's practice site.

For a first lesson with a nervous beginner, as a digital-support volunteer gives it: one
thing a page, in plain words, done with the real tools (the locked browser, the strip's
keyboard, My documents, Print this page), with a kind word when something is not yet right.
A lesson's last page marks it done for this session only; the person can print what they
learnt today, and nothing about them is kept (the kiosk counts lessons finished, no more).

Each page: what kind it is, its words (msgids, translated as the kiosk's own) and, for
what is typed or chosen, what is right. The practice site draws them (kiosk/practice.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.i18n import N_


@dataclass(frozen=True)
class LessonPage:
    kind: str  # read, tap, scroll, type, password, quiz, download
    heading: str
    text: tuple[str, ...] = ()
    button: str = N_("Next")
    answer: str = ""  # "type": what is to be typed, exactly
    choices: tuple[str, ...] = ()  # "quiz": the answers to choose from
    right: int = 0  # "quiz": which of them is right
    feedback: tuple[str, ...] = ()  # "quiz": what is said after each answer


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    minutes: int
    learnt: str  # a line of "what I learnt today"
    pages: tuple[LessonPage, ...]


SCAM, REAL = N_("It is a scam"), N_("It is real")

LESSONS = (
    Lesson("touch", N_("Touching and scrolling"), 3, N_("I can touch a button and scroll a page."), (
        LessonPage("tap", N_("Touching the screen"), (
            N_("Touch the screen lightly with one finger, as you would press a doorbell. You do not need to press hard."),
            N_("A button does its job when you lift your finger. Touch the big button below.")),
            button=N_("Touch me")),
        LessonPage("scroll", N_("Scrolling a page"), (
            N_("Well done! A page can be longer than the screen. To see more, put your finger on the page and slide it upwards: the page moves with your finger."),
            N_("Find the button at the bottom of this page.")),
            button=N_("I found it")),
    )),
    Lesson("keyboard", N_("Typing with the keyboard"), 5, N_("I can type with the keyboard: capitals, numbers, symbols and the @ of an e-mail address."), (
        LessonPage("read", N_("The keyboard"), (
            N_("To type, first touch the field you type in. Then press Keyboard below the page: the keyboard opens under the page."),
            N_("ABC gives one capital letter. Press it twice for capitals until you press it again. ?123 gives numbers and symbols, and abc brings the letters back."),
            N_("Erase takes away the last letter."))),
        LessonPage("type", N_("Type a name with a capital letter"), (
            N_("Type the name below in the field. Press ABC once before the first letter."),),
            button=N_("Check"), answer="Maija"),
        LessonPage("type", N_("Type an e-mail address"), (
            N_("An e-mail address has an @ in it, and a full stop. Both are on the bottom row of letters."),),
            button=N_("Check"), answer="maija@posti.fi"),
        LessonPage("password", N_("Type a password"), (
            N_("Services often ask for a password with a capital letter, a number and a symbol, like Kissa7!. Make one of your own of at least 6 characters."),
            N_("The password shows as dots so that nobody can read it over your shoulder.")),
            button=N_("Check")),
    )),
    Lesson("identify", N_("Strong identification and logging out"), 4, N_("I know what strong identification is, that my codes are mine alone, and why the computer logs me out."), (
        LessonPage("read", N_("What strong identification is"), (
            N_("Many e-services must know for sure who you are. That is strong identification: like showing your ID card at a counter."),
            N_("You identify yourself with your own online banking codes, a mobile certificate on your phone, or your ID card and a card reader."))),
        LessonPage("quiz", N_("Your codes are yours alone"), (
            N_("Someone at the next computer kindly offers to log in for you with your banking codes. What do you do?"),),
            choices=(N_("I give them my codes"), N_("I say no, and ask the staff")), right=1,
            feedback=(N_("Not so: never give your codes to anyone, not even a relative. The staff help you without them."),
                      N_("Right: your codes are yours alone. The staff help you without ever asking for them."))),
        LessonPage("read", N_("Why the computer logs you out"), (
            N_("When you finish, the computer logs you out of the services and erases everything you did, so the next person cannot see your matters."),
            N_("If you stop touching the screen for a while, the computer asks if you are still there. If nobody answers, it ends and erases."))),
    )),
    Lesson("scam", N_("Recognising a scam message"), 5, N_("I can recognise a scam message and know what to do if I answered one."), (
        LessonPage("read", N_("Scam messages"), (
            N_("Scammers send messages that look as if they came from a bank, the police, Kela or Posti. They want your codes or your money."),
            N_("Look for: hurry (\"within 24 hours\"), a link to log in or to pay, a request for your codes, and a strange sender address."))),
        LessonPage("quiz", N_("Message 1 of 3"), (
            N_("From: Posti <delivery@parcel-tracking.info>"),
            N_("Your parcel is waiting. Pay the customs fee of 1.99 euros within 24 hours at posti-fi.pay-now.top")),
            choices=(SCAM, REAL), right=0,
            feedback=(N_("Right: a strange address, hurry and a link to pay. Posti does not send such messages."),
                      N_("Look again: a strange address, hurry and a link to pay. It is a scam."))),
        LessonPage("quiz", N_("Message 2 of 3"), (
            N_("From: Suomi.fi"),
            N_("You have a new message in Suomi.fi Messages. Go to suomi.fi and log in to read it.")),
            choices=(SCAM, REAL), right=1,
            feedback=(N_("Look again: it asks for nothing and has no link. It tells you to go to the service yourself, as real notices do."),
                      N_("Right: it asks for nothing and has no link to log in. You go to the service yourself."))),
        LessonPage("quiz", N_("Message 3 of 3"), (
            N_("From: OP <security@op-identification.com>"),
            N_("Your banking codes expire today. Confirm them here: op-identification.com")),
            choices=(SCAM, REAL), right=0,
            feedback=(N_("Right: a bank never asks you to confirm your codes through a link."),
                      N_("Look again: a bank never asks you to confirm your codes through a link. It is a scam."))),
        LessonPage("read", N_("If you answered a scam"), (
            N_("Call your bank at once to close your codes, then report it to the police. The staff here can help you."),)),
    )),
    Lesson("print", N_("Saving and printing a document"), 4, N_("I can save a document and print it."), (
        LessonPage("download", N_("Saving a document"), (
            N_("E-services give decisions and confirmations as documents. Touch the link below to save the practice document."),
            N_("The computer keeps it in My documents until you finish: then it is erased.")),
            button=N_("Practice document (PDF)")),
        LessonPage("read", N_("Printing it"), (
            N_("Press My documents below the page, choose the practice document and press Print. Then come back here with Back."),
            N_("To print the page you are looking at, press Print this page below the page."))),
    )),
    Lesson("messages", N_("Using Suomi.fi messages"), 4, N_("I know how to read my Suomi.fi messages and print an attachment."), (
        LessonPage("read", N_("Suomi.fi messages"), (
            N_("Authorities such as Kela, the Tax Administration and your municipality can send their letters to Suomi.fi Messages instead of paper mail."),
            N_("You read them at suomi.fi after strong identification. A new message is also told to you by e-mail or text message, if you want."))),
        LessonPage("quiz", N_("Your messages"), (
            N_("You have one new message. Touch it to open it."),),
            choices=(N_("Kela: Decision on housing allowance (1 attachment)"),), right=0,
            feedback=(N_("The message opens. The decision is its attachment: open it, and print it with Print this page."),)),
    )),
)

PASSWORD_RULES = (
    (N_("a capital letter"), lambda text: any(c.isupper() for c in text)),
    (N_("a number"), lambda text: any(c.isdigit() for c in text)),
    (N_("a symbol"), lambda text: bool(re.search(r"[^\w\s]", text))),
    (N_("at least 6 characters"), lambda text: len(text) >= 6),
)


def lesson(lesson_id: str) -> Lesson | None:
    return next((item for item in LESSONS if item.id == lesson_id), None)


def missing_from_password(text: str) -> list[str]:
    """What a practice password still lacks (msgids), in the order they are asked."""
    return [rule for rule, holds in PASSWORD_RULES if not holds(text)]
