"""Spot columns that likely hold personal data, from the column name and a sample of values.

Personal data is left out of modelling by default (a model that learns from e-mail
addresses or national ID numbers is both useless and a liability), and the user is told to
keep such columns out of the files they share. Detection errs on the side of telling: a
false alarm costs a click, a miss can cost a data-protection incident.

Value checks run on a small sample (a few hundred values), so they cost nothing on a large
table. A pattern counts when at least :data:`MATCH_SHARE` of the sampled values fit it;
check digits (Luhn for card numbers, mod 97 for IBAN and French INSEE numbers) keep
random numbers from passing as card or social-security numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MATCH_SHARE = 0.8
"""Share of the sampled values that must match a value pattern."""

NAME_SHARE = 0.3
"""Share of the sampled values that must start with a common first name."""


@dataclass(frozen=True)
class PersonalData:
    """What kind of personal data a column seems to hold, and how we could tell."""

    code: str  # email, phone, person_name, us_ssn, uk_nino, fr_insee, iban, credit_card, ...
    what: str  # plain words, e.g. "e-mail addresses"
    by_name: bool  # True when only the column's name gave it away


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_ok(number: str) -> bool:
    """True when the digits of ``number`` pass the Luhn check used by payment cards."""
    digits = [int(ch) for ch in _digits(number)]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return bool(digits) and total % 10 == 0


def iban_ok(value: str) -> bool:
    """True when ``value`` has the shape of an IBAN and its mod-97 check holds."""
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    moved = compact[4:] + compact[:4]
    as_number = "".join(str(int(ch, 36)) for ch in moved)
    return int(as_number) % 97 == 1


_INSEE = re.compile(
    r"([12])\s?(\d{2})\s?(0[1-9]|1[0-2]|[2-9]\d)\s?(\d{2}|2[AB])\s?(\d{3})\s?(\d{3})\s?(\d{2})"
)


def insee_ok(value: str) -> bool:
    """True for a French social-security number (NIR / INSEE) with a valid key."""
    match = _INSEE.fullmatch(value.strip().upper())
    if not match:
        return False
    body = "".join(match.groups()[:-1])
    # Corsica's departments 2A and 2B count as 19 and 18 in the key computation.
    body = body.replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(match.group(7))


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_SSN = re.compile(r"(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}")
_NINO = re.compile(
    r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]"
)
_PHONE = re.compile(r"\+?[\d\s().\-/]{9,24}")
_CARD = re.compile(r"\d{4}([ -]?\d{3,6}){2,4}")


def _is_phone(value: str) -> bool:
    # 9 to 15 digits with the usual separators; dates and plain counters have fewer digits.
    if not _PHONE.fullmatch(value):
        return False
    count = len(_digits(value))
    return 9 <= count <= 15 and (value.startswith(("+", "0", "(")) or not value.isdigit())


def _is_card(value: str) -> bool:
    return bool(_CARD.fullmatch(value)) and 13 <= len(_digits(value)) <= 19 and luhn_ok(value)


# Value patterns, most specific first: an SSN also looks like a phone number.
_VALUE_CHECKS: list[tuple[str, str, Callable[[str], bool]]] = [
    ("email", "e-mail addresses", lambda v: bool(_EMAIL.fullmatch(v))),
    ("us_ssn", "US social security numbers", lambda v: bool(_SSN.fullmatch(v))),
    ("uk_nino", "UK national insurance numbers", lambda v: bool(_NINO.fullmatch(v.upper()))),
    ("fr_insee", "French social security (INSEE) numbers", insee_ok),
    ("iban", "bank account numbers (IBAN)", iban_ok),
    ("credit_card", "payment card numbers", _is_card),
    ("phone", "phone numbers", _is_phone),
]

# Column names (lower case, words joined by "_") that give personal data away by themselves.
_NAME_HINTS: list[tuple[str, str, re.Pattern[str]]] = [
    ("email", "e-mail addresses", re.compile(r"(^|_)e_?mail(_?address)?$")),
    (
        "phone",
        "phone numbers",
        re.compile(r"(^|_)(phone|telephone|tel|mobile|cell|fax)(_?(number|no|num|nr))?$"),
    ),
    (
        "person_name",
        "person names",
        re.compile(
            r"^(first_?name|last_?name|full_?name|sur_?name|given_?name|family_?name|"
            r"middle_?name|maiden_?name|forename|name|person(_name)?|"
            r"(customer|client|contact|employee|patient|user|owner)_name)$"
        ),
    ),
    ("us_ssn", "social security numbers", re.compile(r"(^|_)(ssn|social_security(_number)?)$"),),
    ("uk_nino", "national insurance numbers", re.compile(r"(^|_)(nino|national_insurance)")),
    ("fr_insee", "social security (INSEE) numbers", re.compile(r"(^|_)(insee|nir)($|_)")),
    ("iban", "bank account numbers", re.compile(r"(^|_)(iban|bank_account)($|_)")),
    ("credit_card", "payment card numbers", re.compile(r"(credit|debit)_?card|card_?number")),
    ("passport", "passport numbers", re.compile(r"(^|_)passport")),
    ("birth_date", "dates of birth", re.compile(r"(^|_)(dob|date_of_birth|birth_?date)($|_)")),
    ("address", "postal addresses", re.compile(r"(^|_)(street|address(_line)?(_\d)?)$")),
]

# Common given names (English, French, Spanish, German, Italian, Portuguese, Dutch); a column
# whose values often start with one of these holds person names.
_FIRST_NAMES_TEXT = """
    james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
    tyler aaron jose adam nathan henry peter zachary douglas harold kyle noah ethan jeremy
    walter christian keith roger terry austin sean gerald carl dylan harry arthur lawrence
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
    margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah
    stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma
    nicole helen samantha katherine christine debra rachel carolyn janet catherine maria
    heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan
    evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison
    frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn
    danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis
    lori oliver liam lucas mason logan elijah aiden jackson sebastian mateo leo
    jean pierre michel philippe alain nicolas jacques bernard louis francois laurent eric
    julien olivier thierry christophe sebastien frederic stephane pascal antoine hugo
    nathalie isabelle sylvie catherine francoise valerie sandrine sophie celine aurelie
    juan carlos luis jorge miguel javier antonio manuel francisco pedro pablo diego sergio
    alejandro fernando rafael carmen lucia elena isabel rosa pilar dolores ana laura marta
    hans peter klaus wolfgang jurgen stefan andreas thomas michael uwe dieter gunter ursula
    monika petra sabine renate helga karin brigitte ingrid erika giuseppe giovanni marco
    francesco luca paolo alessandro andrea matteo giulia francesca chiara sofia joao jan
    pieter daan sanne lotte mohammed muhammad ahmed ali fatima aisha omar yusuf
"""
_FIRST_NAMES = frozenset(_FIRST_NAMES_TEXT.split())


def _normalise_name(name: str) -> str:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def _first_name_share(sample: Sequence[str]) -> float:
    hits = 0
    for value in sample:
        words = re.findall(r"[^\W\d_]+", value.lower())
        # "Smith, John" and "John Smith" both count.
        if words and (words[0] in _FIRST_NAMES or words[-1] in _FIRST_NAMES):
            hits += 1
    return hits / len(sample)


def detect_personal_data(name: str, sample: Sequence[str] | None) -> PersonalData | None:
    """The personal data column ``name`` likely holds, judged on ``sample`` (its values).

    ``sample`` holds non-missing values as strings (a few hundred suffice), or ``None`` for
    columns that are not text (then only the name is looked at).
    """
    values = [str(value).strip() for value in (sample or []) if str(value).strip()]
    if values:
        for code, what, check in _VALUE_CHECKS:
            if sum(1 for value in values if check(value)) >= MATCH_SHARE * len(values):
                return PersonalData(code, what, by_name=False)
    key = _normalise_name(name)
    for code, what, pattern in _NAME_HINTS:
        if pattern.search(key):
            return PersonalData(code, what, by_name=True)
    # Value-based name detection: mostly letters, and often a known first name.
    texts = [value for value in values if not any(ch.isdigit() for ch in value)]
    if len(values) >= 5 and len(texts) >= MATCH_SHARE * len(values):
        distinct = set(texts)
        if len(distinct) >= 5 and _first_name_share(texts) >= NAME_SHARE:
            return PersonalData("person_name", "person names", by_name=False)
    return None
