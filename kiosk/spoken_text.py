"""What the kiosk says, rewritten where espeak-ng would misread the written text.

espeak-ng reads "0295 000" in Finnish as "nolla kaksi yhdeksän viisi" (the second group is
lost), "klo 9–16" as "klo yhdeksän kuusitoista", "1/4" as "yksi kautta neljä" and
"0,40 €" as "nolla pilkku neljäkymmentä euro". `normalise(text, language)` rewrites, for
Finnish, Swedish and English (Russian, Ukrainian, Estonian and Arabic get phone numbers,
"n/N" and spans of hours, their voices reading numbers themselves; any other language
passes through unchanged):

- phone numbers (0295 000, 020 692 207, 040-123 4567, +358 29 5000, 112, 116 117) digit by
  digit in their written groups, with a pause (a comma) between the groups;
- clock times and opening hours after "klo" / "kl." or a weekday: "klo 9–16" → "kello
  yhdeksästä kuuteentoista" (Finnish inflects the numbers), "kl. 9–16" → "klockan nio till
  sexton", "Mon–Fri 9–16" and "9am–4pm" → "from 9 to 16", "from 9 am to 4 pm", "at 20:00"
  → "at 20";
- "n/N" as "n of N": "1/4" → "yksi neljästä", "ett av fyra", "one of four";
- dates d.m.yyyy: "1.12.2026" → "ensimmäinen joulukuuta 2026", "första december 2026",
  "1st December 2026";
- euro amounts: "0,40 €", "€0.40", "1,50 €" → "40 senttiä", "1 euro 50 senttiä";
- the abbreviations the kiosk's texts use (klo, esim., n., ks., puh., ma–pe; t.ex., kl.,
  ca, tfn, mån–fre; e.g., approx., Mon–Fri).

Ordinary numbers (years, counts, amounts without a currency), web addresses and e-mail
addresses are left as written. A catalogue may give its own spoken forms (`SpokenForms`,
the catalogue's `[spoken.<language>]` table); those are said exactly as given.

Pure Python, no Kivy. Every pattern is compiled once and anchored so that a search tries
each start at most a bounded number of ways: the work is linear in the text, which is
bounded too (`MAX_INPUT_CHARS`; a longer text passes through unchanged).
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

from kiosk.number_words import (ELATIVE, EN_DIGITS, EN_MONTHS, FI_DIGITS, FI_MONTHS, FI_ORDINALS, ILLATIVE, NOMINATIVE,
                                SV_DIGITS, SV_MONTHS, SV_ORDINALS, en_number, en_ordinal, fi_number, sv_number)

# Utterances reach the engine in pieces of at most 1,000 characters (kiosk.devices.speaker).
MAX_INPUT_CHARS = 4000

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_SPACE = "[ \u00a0\u202f]"  # a space, a no-break space or a narrow no-break space
_DASH = r"\s*[–—-]\s*"     # a range: en dash, em dash or hyphen, spaces around it or not
_HOUR = r"(?:2[0-4]|[01]?[0-9])"
_MINUTE = r"[0-5][0-9]"
# No digit, decimal or time part right after a number that was read.
_NUMBER_END = r"(?![0-9]|[.,:][0-9])"


# ---------------------------------------------------------------------------------------
# Phone numbers: the same shapes in every language, said in the language's digits.

_PHONE = re.compile(
    r"(?<![\w.,/:+€$£-])"
    r"(?!0[0-9][-./][0-9]{1,2}[-./][0-9]{2,4}(?![0-9]))"  # 05-01-2026 is a date
    r"(?:(?P<intl>\+[0-9]{1,3})(?:" + _SPACE + r"?\(0\))?(?P<igroups>(?:[ \u00a0-][0-9]{1,4}){1,5})"
    r"|(?P<isolid>\+[0-9]{7,15})"
    r"|(?P<area>\(0[0-9]{1,3}\)|0[0-9]{1,3})(?P<groups>(?:[ \u00a0-][0-9]{2,4}){1,4})"
    r"|(?P<solid>0[0-9]{5,11})"                            # 0295000; five digits are a postcode
    r"|(?P<service>112|116" + _SPACE + r"?[0-9]{3})"        # emergency, European 116 numbers
    r"(?!" + _SPACE + r"?(?:€|%|EUR\b|euro)))"              # ... unless an amount: 112 €
    + _NUMBER_END)


_DIGIT_GROUP = re.compile(r"\+?[0-9]+")


def _phone(digits: tuple[str, ...], plus: str = "plus") -> Callable[[re.Match[str]], str]:
    def say(match: re.Match[str]) -> str:
        written = match.group()
        groups = _DIGIT_GROUP.findall(written.replace("(0)", ""))
        count = sum(len(g.lstrip("+")) for g in groups)
        if match.group("intl") and not 8 <= count <= 15 or match.group("area") and not 5 <= count <= 12:
            return written  # "+5 10", or more digits than a Finnish number has
        if match.group("isolid") and written.startswith("+358"):
            groups = ["+358", written[4:]]
        return ", ".join(" ".join(([plus] if g.startswith("+") else []) + [digits[int(d)] for d in g.lstrip("+")])
                         for g in groups)
    return say


# ---------------------------------------------------------------------------------------
# Times, weekdays, dates, amounts, n of N

def _clock_rule(pattern: re.Pattern[str], word: str, days: Callable[[re.Match[str]], str],
                one: Callable[[int, int], str], span: Callable[[int, int, int, int], str]) -> Rule:
    """A `_time_pattern` said as `word` ("kello") and `one(hour, minute)`, or a range
    `span(h1, m1, h2, m2)`, after `days(match)` where the match has weekdays."""
    def say(match: re.Match[str]) -> str:
        h1, m1, m2 = int(match.group("h1")), int(match.group("m1") or 0), int(match.group("m2") or 0)
        h2 = match.group("h2")
        if not (match.group("clock1") or match.group("clock2")) and h2 is None:
            return match.group()  # "la 10" may be anything
        said = f"{word} {one(h1, m1) if h2 is None else span(h1, m1, int(h2), m2)}"
        if match.group("d1"):
            said = f"{days(match)} {said}"
        return _capital(said) if match.group()[0].isupper() else said
    return pattern, say


def _time_pattern(days: str, clock: str, flags: int = 0) -> re.Pattern[str]:
    """An optional weekday or weekday range, an optional clock word, then a time or a range.
    The rule decides whether that is a time: a clock word, or a weekday and a range."""
    return re.compile(
        r"(?<![\w.])(?:(?P<d1>" + days + r")(?:" + _DASH + r"(?P<d2>" + days + r"))?\.?,?\s+"
        r"(?:(?P<clock1>" + clock + r")\s+)?|(?P<clock2>" + clock + r")\s+)"
        r"(?P<h1>" + _HOUR + r")(?:[.:](?P<m1>" + _MINUTE + r"))?"
        r"(?:" + _DASH + r"(?P<h2>" + _HOUR + r")(?:[.:](?P<m2>" + _MINUTE + r"))?)?" + _NUMBER_END, flags)


def _day_range_pattern(days: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.])(?P<d1>" + days + r")" + _DASH + r"(?P<d2>" + days + r")(?![\w])", flags)


def _dates(say: Callable[[int, int, str], str]) -> Rule:
    pattern = re.compile(r"(?<![\w.,])(?P<d>[0-3]?[0-9])\.(?P<m>[01]?[0-9])\.(?P<y>[0-9]{4})" + _NUMBER_END)

    def date(match: re.Match[str]) -> str:
        day, month = int(match.group("d")), int(match.group("m"))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return match.group()
        return say(day, month, match.group("y"))
    return pattern, date


_AMOUNT = r"[0-9]{1,3}(?:" + _SPACE + r"[0-9]{3}){1,3}|[0-9]+"  # bounded: "040 040 040 ..." stays linear
_EURO = re.compile(
    r"(?<![\w.,€])(?:(?P<e>" + _AMOUNT + r")(?:[.,](?P<c>[0-9]{1,2}))?" + _SPACE + r"?(?:€|EUR\b|euro(?:a|s)?\b)"
    r"|€" + _SPACE + r"?(?P<e2>" + _AMOUNT + r")(?:[.,](?P<c2>[0-9]{1,2}))?" + _NUMBER_END + r")")


_SPACES = re.compile(_SPACE)


def _euros(one_euro: str, euros: str, one_cent: str, cents: str) -> Rule:
    def say(match: re.Match[str]) -> str:
        whole = _SPACES.sub("", match.group("e") or match.group("e2"))
        e, c = int(whole), int((match.group("c") or match.group("c2") or "").ljust(2, "0"))
        euro_words = f"{e} {one_euro if e == 1 else euros}"
        if not c:
            return euro_words
        cent_words = f"{c} {one_cent if c == 1 else cents}"
        return cent_words if not e else f"{euro_words} {cent_words}"
    return _EURO, say


_OF = re.compile(r"(?<![\w/.,:+-])(?P<n>[0-9]{1,3})" + _SPACE + r"?/" + _SPACE + r"?(?P<total>[0-9]{1,3})"
                 r"(?![\w/]|[.,][0-9])")


def _n_of(say: Callable[[int, int], str]) -> Rule:
    def of(match: re.Match[str]) -> str:
        n, total = int(match.group("n")), int(match.group("total"))
        return say(n, total) if 1 <= total and n <= total else match.group()
    return _OF, of


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _words(table: tuple[tuple[str, str], ...], flags: int = 0) -> list[Rule]:
    """Abbreviations: (pattern, what is said); a capital first letter stays capital."""
    def say(spoken: str) -> Callable[[re.Match[str]], str]:
        return lambda m: _capital(spoken) if m.group()[0].isupper() else spoken
    return [(re.compile(pattern, flags), say(spoken)) for pattern, spoken in table]


# ---------------------------------------------------------------------------------------
# Finnish

_FI_DAYS = ("ma", "ti", "ke", "to", "pe", "la", "su")
_FI_DAY_ESSIVE = ("maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina", "lauantaina",
                  "sunnuntaina")
_FI_DAY_ELATIVE = ("maanantaista", "tiistaista", "keskiviikosta", "torstaista", "perjantaista", "lauantaista",
                   "sunnuntaista")
_FI_DAY_ILLATIVE = ("maanantaihin", "tiistaihin", "keskiviikkoon", "torstaihin", "perjantaihin", "lauantaihin",
                    "sunnuntaihin")
_FI_DAY = "|".join(_FI_DAYS)


def _fi_days(match: re.Match[str]) -> str:
    first = _FI_DAYS.index(match.group("d1").lower())
    if match.group("d2") is None:
        return _FI_DAY_ESSIVE[first]
    return f"{_FI_DAY_ELATIVE[first]} {_FI_DAY_ILLATIVE[_FI_DAYS.index(match.group('d2').lower())]}"


def _fi_clock(hour: int, minute: int, case: int) -> str:
    if not minute:
        return fi_number(hour, case)
    return f"{fi_number(hour, case)} {'nolla ' if minute < 10 else ''}{fi_number(minute, case)}"


def _fi_date(day: int, month: int, year: str) -> str:
    return f"{FI_ORDINALS[day]} {FI_MONTHS[month - 1]} {year}"


FINNISH: list[Rule] = [
    (_PHONE, _phone(FI_DIGITS)),
    _dates(_fi_date),
    _clock_rule(_time_pattern(_FI_DAY, r"klo|kello", re.IGNORECASE), "kello", _fi_days,
                lambda h, m: _fi_clock(h, m, NOMINATIVE),
                lambda h1, m1, h2, m2: f"{_fi_clock(h1, m1, ELATIVE)} {_fi_clock(h2, m2, ILLATIVE)}"),
    (_day_range_pattern(_FI_DAY, re.IGNORECASE), _fi_days),
    _euros("euro", "euroa", "sentti", "senttiä"),
    _n_of(lambda n, total: f"{fi_number(n)} {fi_number(total, ELATIVE)}"),
    *_words(((r"(?<!\w)klo(?!\w)", "kello"),
             (r"(?<!\w)esim\.", "esimerkiksi"),
             (r"(?<!\w)n\.(?=\s*[0-9])", "noin"),
             (r"(?<!\w)ks\.", "katso"),
             (r"(?<!\w)puh\.", "puhelin"),
             (r"(?<!\w)jne\.", "ja niin edelleen")), re.IGNORECASE),
]


# ---------------------------------------------------------------------------------------
# Swedish

_SV_DAYS = ("mån", "tis", "ons", "tors", "fre", "lör", "sön")
_SV_DAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
_SV_DAY = r"mån|tis|ons|tors?|fre|lör|sön"


def _sv_day(written: str) -> str:
    written = written.lower()
    return _SV_DAY_NAMES[_SV_DAYS.index("tors" if written == "tor" else written)]


def _sv_days(match: re.Match[str]) -> str:
    if match.group("d2") is None:
        return _sv_day(match.group("d1"))
    return f"{_sv_day(match.group('d1'))} till {_sv_day(match.group('d2'))}"


def _sv_clock(hour: int, minute: int) -> str:
    if not minute:
        return sv_number(hour)
    return f"{sv_number(hour)} {'noll ' if minute < 10 else ''}{sv_number(minute)}"


SWEDISH: list[Rule] = [
    (_PHONE, _phone(SV_DIGITS)),
    _dates(lambda day, month, year: f"{SV_ORDINALS[day]} {SV_MONTHS[month - 1]} {year}"),
    _clock_rule(_time_pattern(_SV_DAY, r"kl\.?|klockan", re.IGNORECASE), "klockan", _sv_days, _sv_clock,
                lambda h1, m1, h2, m2: f"{_sv_clock(h1, m1)} till {_sv_clock(h2, m2)}"),
    (_day_range_pattern(_SV_DAY, re.IGNORECASE), _sv_days),
    _euros("euro", "euro", "cent", "cent"),
    _n_of(lambda n, total: f"{sv_number(n)} av {sv_number(total)}"),
    *_words(((r"(?<!\w)t\.\s?ex\.", "till exempel"),
             (r"(?<!\w)kl\.|(?<!\w)kl(?=\s+[0-9])", "klockan"),
             (r"(?<!\w)(?:ca|c:a)(?!\w)\.?", "cirka"),
             (r"(?<!\w)tfn(?!\w)\.?", "telefon"),
             (r"(?<!\w)bl\.\s?a\.", "bland annat"),
             (r"(?<!\w)(?:o\.s\.v\.|osv\.)", "och så vidare")), re.IGNORECASE),
]


# ---------------------------------------------------------------------------------------
# English

_EN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_DAY = r"Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun"  # capitalised only: "sun" is a word
_EN_MERIDIEM = r"(?i:[ap]m|[ap]\.m\.)(?!\w)"
_EN_TIME = (r"(?P<h{n}>" + _HOUR + r")(?:[.:](?P<m{n}>" + _MINUTE + r"))?(?:" + _SPACE + r"?(?P<ap{n}>"
            + _EN_MERIDIEM + r"))?")
# Opening hours: after a weekday, or with am/pm, or with minutes at both ends.
_EN_HOURS = re.compile(
    r"(?<![\w.])(?:(?P<d1>" + _EN_DAY + r")\.?(?:" + _DASH + r"(?P<d2>" + _EN_DAY + r")\.?)?,?\s+)?"
    r"(?:(?P<from>[Ff]rom)\s+)?" + _EN_TIME.format(n=1) + _DASH + _EN_TIME.format(n=2) + _NUMBER_END)


def _en_days(match: re.Match[str]) -> str:
    first = _EN_DAY_NAMES[_EN_DAYS.index(match.group("d1")[:3])]
    if match.group("d2") is None:
        return first
    return f"{first} to {_EN_DAY_NAMES[_EN_DAYS.index(match.group('d2')[:3])]}"


def _en_clock(match: re.Match[str], n: int) -> str:
    minute = match.group(f"m{n}")
    meridiem = (match.group(f"ap{n}") or "").replace(".", "").lower()
    said = match.group(f"h{n}") + (f":{minute}" if minute and minute != "00" else "")
    return f"{said} {meridiem}" if meridiem else said


def _en_hours(match: re.Match[str]) -> str:
    if not (match.group("d1") or match.group("ap1") or match.group("ap2")
            or match.group("m1") and match.group("m2")):
        return match.group()  # "pages 9-16"
    said = f"{'From' if match.group('from') == 'From' else 'from'} {_en_clock(match, 1)} to {_en_clock(match, 2)}"
    return f"{_en_days(match)} {said}" if match.group("d1") else said


# A time alone, on the hour ("closes at 20:00"): the hour, as the spans say it; espeak-ng
# reads ":00" as "zero zero".
_EN_ON_THE_HOUR = re.compile(r"(?<![\w.:/-])(?P<h>" + _HOUR + r"):00" + _NUMBER_END)

ENGLISH: list[Rule] = [
    (_PHONE, _phone(EN_DIGITS)),
    _dates(lambda day, month, year: f"{en_ordinal(day)} {EN_MONTHS[month - 1]} {year}"),
    (_EN_HOURS, _en_hours),
    (_EN_ON_THE_HOUR, lambda match: match.group("h")),
    (_day_range_pattern(_EN_DAY), _en_days),
    _euros("euro", "euros", "cent", "cents"),
    _n_of(lambda n, total: f"{en_number(n)} of {en_number(total)}"),
    *_words(((r"(?<!\w)e\.\s?g\.", "for example"),
             (r"(?<!\w)i\.\s?e\.", "that is"),
             (r"(?<!\w)approx\.", "approximately"),
             (r"(?<!\w)tel\.", "telephone")), re.IGNORECASE),
]


# ---------------------------------------------------------------------------------------
# Russian, Ukrainian, Estonian and Arabic: espeak-ng reads numbers well in their own words
# (with their cases and genders, which a table here would get wrong), so these say only
# what it would misread: a phone number digit by digit, "3/6" and a span of hours.

_DIGITS = tuple(str(d) for d in range(10))  # each digit alone, read in the voice's language
# Minutes after a colon only: "10.12–14.12" is a span of dates, not of times.
_SPAN = re.compile(r"(?<![\w.:/-])(?P<h1>" + _HOUR + r")(?::(?P<m1>" + _MINUTE + r"))?" + _DASH
                   + r"(?P<h2>" + _HOUR + r")(?::(?P<m2>" + _MINUTE + r"))?" + _NUMBER_END)


def _span(words: str) -> Rule:
    """A span "9–16" or "9:00–16:30" as `words`.format(start, end): words that fit hours
    and any other span alike ("от 9 до 16", "от 2 до 3 недель")."""
    def say(match: re.Match[str]) -> str:
        clock = [match.group(f"h{n}") + (f":{match.group(f'm{n}')}" if match.group(f"m{n}") not in (None, "00")
                                           else "") for n in (1, 2)]
        if int(match.group("h1")) >= int(match.group("h2")):
            return match.group()  # "1–2" pages or a date, not hours
        return words.format(*clock)
    return _SPAN, say


def _numbers_by_voice(of: str, span: str, plus: str) -> list[Rule]:
    return [(_PHONE, _phone(_DIGITS, plus)), _n_of(lambda n, total: of.format(n, total)), _span(span)]


RULES: dict[str, list[Rule]] = {"fi": FINNISH, "sv": SWEDISH, "en": ENGLISH,
                                "ru": _numbers_by_voice("{} из {}", "от {} до {}", "плюс"),
                                "uk": _numbers_by_voice("{} з {}", "від {} до {}", "плюс"),
                                "et": _numbers_by_voice("{}, kokku {}", "{} kuni {}", "pluss"),
                                "ar": _numbers_by_voice("{} من {}", "من {} إلى {}", "زائد")}


# ---------------------------------------------------------------------------------------
# What is never rewritten: web addresses and e-mail addresses (a catalogue's own spoken
# forms are applied before this and are final).

_PROTECTED = re.compile(
    r"(?<![\w.@/-])(?:https?://|www\.)[^\s<>\"]+"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.@/-])[\w-]+(?:\.[\w-]+)*\.(?i:fi|se|ax|eu|com|org|net|info|io|gov|edu|int|uk|de|ee|no|dk)"
    r"(?:/[^\s<>\"]*)?(?![\w])")


class SpokenForms:
    """A catalogue's own spoken forms in one language: written text → what is said instead.

    Matched exactly (case and all), as whole words, longest first; what replaces a written
    form is final: the rules of this module do not touch it.
    """

    def __init__(self, forms: Mapping[str, str]) -> None:
        self.forms = dict(forms)
        alternatives = [(r"(?<!\w)" if re.match(r"\w", written) else "") + re.escape(written)
                        + (r"(?!\w)" if re.search(r"\w$", written) else "")
                        for written in sorted(self.forms, key=len, reverse=True) if written]
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    def split(self, text: str) -> list[tuple[str, bool]]:
        """`text` in pieces, each (piece, whether it is a spoken form already)."""
        if self._pattern is None:
            return [(text, False)]
        pieces, start = [], 0
        for match in self._pattern.finditer(text):
            pieces += [(text[start:match.start()], False), (self.forms[match.group()], True)]
            start = match.end()
        pieces.append((text[start:], False))
        return pieces


def normalise(text: str, language: str, forms: SpokenForms | None = None) -> str:
    """`text`, written in `language`, as espeak-ng should be given it."""
    if not text or len(text) > MAX_INPUT_CHARS:
        return text
    rules = RULES.get(language.replace("-", "_").split("_")[0].lower())
    out = []
    for piece, final in forms.split(text) if forms else [(text, False)]:
        if final or rules is None:
            out.append(piece)
            continue
        start = 0
        for match in _PROTECTED.finditer(piece):
            out += [_rewrite(piece[start:match.start()], rules), match.group()]
            start = match.end()
        out.append(_rewrite(piece[start:], rules))
    return "".join(out)


def _rewrite(text: str, rules: list[Rule]) -> str:
    for pattern, say in rules:
        text = pattern.sub(say, text)
    return text
