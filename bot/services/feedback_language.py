"""Spot feedback that labels the person instead of describing behaviour and its impact.

The rule set is small on purpose; each rule has a name and a reason the giver reads:

1. `label`      — "you are / you're / you seem / you come across as [so, really, …] <label>",
                  where <label> is a word from LABELS ("you are lazy", "you're so rude").
2. `bad_role`   — "you are a bad / terrible / poor … <role>" ("you're a terrible listener").
3. `absolute`   — "you always …", "you constantly …", "every time you …" beside negative
                  wording in the same sentence ("you always interrupt"), and "you never …"
                  unless what follows is itself negative ("you never miss a deadline" is
                  praise): absolutes turn one situation into a verdict on the person. Praise
                  is never scolded ("you always make time for questions" passes).
4. `name`       — name-calling anywhere: a word from NAMES ("idiot", "clown", "diva").
5. `attitude`   — judging the person's attitude or personality ("bad attitude",
                  "your personality").

A negation ("you are not lazy") is not a label. Matching is case-insensitive and tolerant
of curly apostrophes and fancy Unicode (text is NFKC-normalised first). It is a nudge, not
a gate: the giver can send as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_LABEL_WORDS = """
    lazy rude arrogant careless incompetent sloppy stupid dumb difficult aggressive useless
    selfish unprofessional disorganized disorganised negative annoying hopeless clueless
    unreliable irresponsible immature toxic bossy abrasive hostile dishonest weak slow
    boring pathetic ignorant insensitive defensive passive-aggressive condescending
    arrogant egotistical emotional hysterical dramatic cold uncooperative worthless
    inept naive stubborn childish messy unmotivated entitled mean fake
"""
LABELS = frozenset(_LABEL_WORDS.split())

_NAME_WORDS = """
    idiot idiots moron morons jerk jerks loser losers clown clowns fool fools imbecile
    diva divas slacker slackers dumbass bully bullies snowflake snowflakes psycho
"""
NAMES = frozenset(_NAME_WORDS.split())

_INTENSIFIERS = (
    r"(?:(?:so|really|very|too|quite|pretty|extremely|such|just|a\s+bit|kind\s+of|sort\s+of"
    r"|always|often|being|a|an)\s+)*"
)
_YOU_ARE = (
    r"\b(?:you\s+are|you're|youre|ur|u\s+r|you\s+seem|you\s+seem\s+to\s+be|you\s+look"
    r"|you\s+sound|you\s+come\s+across\s+as|you\s+were|you\s+can\s+be|you've\s+been"
    r"|you\s+have\s+been)\s+"
)
_WORD = r"([a-z][a-z\-]*)"

_LABEL = re.compile(_YOU_ARE + _INTENSIFIERS + _WORD, re.IGNORECASE)
_BAD_ROLE = re.compile(
    _YOU_ARE
    + r"(?:(?:such|a|an|really|very|so)\s+)*"
    + r"(?:bad|terrible|horrible|awful|poor|lousy|useless|hopeless|weak|the\s+worst)\s+"
    + r"[a-z][a-z\-]*(?:er|or|ist|ian|ant|ent)\b",
    re.IGNORECASE,
)
_ABSOLUTE = re.compile(
    r"\b(?:you\s+(?:always|never|constantly|forever|invariably)\b"
    r"|you(?:\s+are|'re)\s+(?:always|never|constantly|forever)\b"
    r"|every\s+(?:single\s+)?time\s+you\b|you\s+keep\s+on\b)",
    re.IGNORECASE,
)
_NEGATIVE_STEMS = """
    interrupt interruption ignor forget forgot forgotten miss late dismiss complain blame
    criticiz criticis fail break broke mess rush skip argu yell shout snap undermin overlook
    avoid delay lose lost wrong mistake error mumbl rambl procrastinat exaggerat contradict
    steamroll hog dominat lie lying cancel postpon distract neglect refus reject bad poor
    terrible awful annoy angry anger frustrat confus hurt wast problem trouble talk-over
    cut-off run-over runs-over ran-over overrun sigh roll-your-eyes eye-roll sarcas mock
    belittl condescend patroniz patronis shut-down brush-off drag unprepared unclear vague
    harsh
"""
_NEGATIVE = re.compile(
    r"\b(?:"
    + "|".join(
        stem.replace("-", r"\s+")
        for stem in sorted(set(_NEGATIVE_STEMS.split()) | LABELS, key=len, reverse=True)
    )
    + r")(?:e|s|es|ed|d|ing|ly)?\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?;\n]")
_NAME = re.compile(r"\b[a-z][a-z\-]*\b", re.IGNORECASE)
_ATTITUDE = re.compile(
    r"\b(?:(?:bad|poor|negative|terrible|awful|wrong)\s+attitude|your\s+(?:personality|character))\b",
    re.IGNORECASE,
)

REASONS = {
    "label": "labels the person",
    "bad_role": "judges the person rather than what they did",
    "absolute": "turns one situation into always/never",
    "name": "is name-calling",
    "attitude": "judges attitude or personality",
}


@dataclass(frozen=True)
class Flag:
    """One place where the text labels rather than describes."""

    rule: str
    phrase: str

    @property
    def reason(self) -> str:
        return REASONS[self.rule]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")


def find_labels(text: str) -> list[Flag]:
    """Every labelling phrase in the text, in order of the rules above; [] when it describes."""
    plain = normalise(text)
    flags: list[Flag] = []
    for match in _LABEL.finditer(plain):
        if match.group(1).lower() in LABELS:
            flags.append(Flag("label", match.group(0).strip()))
    flags += [Flag("bad_role", m.group(0).strip()) for m in _BAD_ROLE.finditer(plain)]
    flags += [
        Flag("absolute", m.group(0).strip())
        for m in _ABSOLUTE.finditer(plain)
        if _absolute_is_negative(plain, m)
    ]
    flags += [Flag("name", m.group(0)) for m in _NAME.finditer(plain) if m[0].lower() in NAMES]
    flags += [Flag("attitude", m.group(0).strip()) for m in _ATTITUDE.finditer(plain)]
    return flags


def _absolute_is_negative(text: str, match: re.Match[str]) -> bool:
    """An absolute scolds when what it says is negative: "always X" with negative wording in
    X (up to the sentence's end or the next absolute), "never X" unless X itself is negative
    (never failing is praise)."""
    after = _SENTENCE_END.search(text, match.end())
    end = after.start() if after else len(text)
    following = _ABSOLUTE.search(text, match.end(), end)
    rest = text[match.end() : following.start() if following else end]
    negative = _NEGATIVE.search(rest) is not None
    if re.search(r"\bnever\b", match.group(0), re.IGNORECASE):
        return not negative
    return negative


def labelling_hint(flags: list[Flag]) -> str:
    """The gentle error shown under a modal field: what was spotted and what to do instead."""
    first = flags[0]
    phrase = first.phrase if len(first.phrase) <= 40 else first.phrase[:39] + "…"
    return (
        f"“{phrase}” {first.reason}. Try describing what happened and its effect — "
        "or tick “Send as written” below."
    )
