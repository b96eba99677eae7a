"""Numbers, ordinals and months as words in Finnish (with the cases a clock needs),
Swedish and English: the parts kiosk.spoken_text puts its spoken forms together from."""

from __future__ import annotations



FI_DIGITS = ("nolla", "yksi", "kaksi", "kolme", "neljä", "viisi", "kuusi", "seitsemän", "kahdeksan", "yhdeksän")
SV_DIGITS = ("noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio")
EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

NOMINATIVE, ELATIVE, ILLATIVE = 0, 1, 2
# Finnish numbers 0-24 as a clock says them: "kello yhdeksän" (nominative), "yhdeksästä"
# (from, elative), "kuuteentoista" (to, illative). Larger numbers are put together from
# the same parts (`fi_number`).
FI_NUMBERS = (
    ("nolla", "nollasta", "nollaan"),
    ("yksi", "yhdestä", "yhteen"),
    ("kaksi", "kahdesta", "kahteen"),
    ("kolme", "kolmesta", "kolmeen"),
    ("neljä", "neljästä", "neljään"),
    ("viisi", "viidestä", "viiteen"),
    ("kuusi", "kuudesta", "kuuteen"),
    ("seitsemän", "seitsemästä", "seitsemään"),
    ("kahdeksan", "kahdeksasta", "kahdeksaan"),
    ("yhdeksän", "yhdeksästä", "yhdeksään"),
    ("kymmenen", "kymmenestä", "kymmeneen"),
    ("yksitoista", "yhdestätoista", "yhteentoista"),
    ("kaksitoista", "kahdestatoista", "kahteentoista"),
    ("kolmetoista", "kolmestatoista", "kolmeentoista"),
    ("neljätoista", "neljästätoista", "neljääntoista"),
    ("viisitoista", "viidestätoista", "viiteentoista"),
    ("kuusitoista", "kuudestatoista", "kuuteentoista"),
    ("seitsemäntoista", "seitsemästätoista", "seitsemääntoista"),
    ("kahdeksantoista", "kahdeksastatoista", "kahdeksaantoista"),
    ("yhdeksäntoista", "yhdeksästätoista", "yhdeksääntoista"),
    ("kaksikymmentä", "kahdestakymmenestä", "kahteenkymmeneen"),
    ("kaksikymmentäyksi", "kahdestakymmenestäyhdestä", "kahteenkymmeneenyhteen"),
    ("kaksikymmentäkaksi", "kahdestakymmenestäkahdesta", "kahteenkymmeneenkahteen"),
    ("kaksikymmentäkolme", "kahdestakymmenestäkolmesta", "kahteenkymmeneenkolmeen"),
    ("kaksikymmentäneljä", "kahdestakymmenestäneljästä", "kahteenkymmeneenneljään"),
)
_FI_TENS = ("kymmentä", "kymmenestä", "kymmeneen")
_FI_HUNDREDS = ("sataa", "sadasta", "sataan")
_FI_HUNDRED = ("sata", "sadasta", "sataan")


def fi_number(n: int, case: int = NOMINATIVE) -> str:
    """0-999 in words, every part in `case`: 25 elative is "kahdestakymmenestäviidestä"."""
    if n < len(FI_NUMBERS):
        return FI_NUMBERS[n][case]
    hundreds, rest = divmod(n, 100)
    words = ""
    if hundreds:
        words = _FI_HUNDRED[case] if hundreds == 1 else FI_NUMBERS[hundreds][case] + _FI_HUNDREDS[case]
    if rest < len(FI_NUMBERS):
        return words + (FI_NUMBERS[rest][case] if rest else "")
    tens, unit = divmod(rest, 10)
    return words + FI_NUMBERS[tens][case] + _FI_TENS[case] + (FI_NUMBERS[unit][case] if unit else "")


_SV_TEENS = ("tio", "elva", "tolv", "tretton", "fjorton", "femton", "sexton", "sjutton", "arton", "nitton")
_SV_TENS = ("", "", "tjugo", "trettio", "fyrtio", "femtio", "sextio", "sjuttio", "åttio", "nittio")


def sv_number(n: int) -> str:
    """0-999 in words ("ett" for one, as in "klockan ett" and "ett av fyra")."""
    hundreds, rest = divmod(n, 100)
    words = (SV_DIGITS[hundreds] if hundreds > 1 else "") + "hundra" if hundreds else ""
    if rest >= 20:
        tens, unit = divmod(rest, 10)
        return words + _SV_TENS[tens] + (SV_DIGITS[unit] if unit else "")
    if rest >= 10:
        return words + _SV_TEENS[rest - 10]
    return words + SV_DIGITS[rest] if rest or not words else words


_EN_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
             "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def en_number(n: int) -> str:
    """0-999 in words."""
    hundreds, rest = divmod(n, 100)
    words = f"{EN_DIGITS[hundreds]} hundred" if hundreds else ""
    if hundreds and not rest:
        return words
    if rest >= 20:
        tens, unit = divmod(rest, 10)
        rest_words = _EN_TENS[tens] + (f"-{EN_DIGITS[unit]}" if unit else "")
    else:
        rest_words = _EN_TEENS[rest - 10] if rest >= 10 else EN_DIGITS[rest]
    return f"{words} and {rest_words}" if words else rest_words


FI_ORDINALS = ("", "ensimmäinen", "toinen", "kolmas", "neljäs", "viides", "kuudes", "seitsemäs", "kahdeksas",
               "yhdeksäs", "kymmenes", "yhdestoista", "kahdestoista", "kolmastoista", "neljästoista",
               "viidestoista", "kuudestoista", "seitsemästoista", "kahdeksastoista", "yhdeksästoista",
               "kahdeskymmenes", "kahdeskymmenesensimmäinen", "kahdeskymmenestoinen", "kahdeskymmeneskolmas",
               "kahdeskymmenesneljäs", "kahdeskymmenesviides", "kahdeskymmeneskuudes",
               "kahdeskymmenesseitsemäs", "kahdeskymmeneskahdeksas", "kahdeskymmenesyhdeksäs",
               "kolmaskymmenes", "kolmaskymmenesensimmäinen")
SV_ORDINALS = ("", "första", "andra", "tredje", "fjärde", "femte", "sjätte", "sjunde", "åttonde", "nionde",
               "tionde", "elfte", "tolfte", "trettonde", "fjortonde", "femtonde", "sextonde", "sjuttonde",
               "artonde", "nittonde", "tjugonde", "tjugoförsta", "tjugoandra", "tjugotredje", "tjugofjärde",
               "tjugofemte", "tjugosjätte", "tjugosjunde", "tjugoåttonde", "tjugonionde", "trettionde",
               "trettioförsta")
FI_MONTHS = ("tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta",
             "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta")
SV_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def en_ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
