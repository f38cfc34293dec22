"""The labelling rule set: examples of both kinds, and properties for any text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.feedback_language import LABELS, NAMES, find_labels, labelling_hint

LABELLING = [
    ("You are lazy.", "label"),
    ("you're so rude in standups", "label"),
    ("You’re really unprofessional with clients", "label"),  # curly apostrophe
    ("Honestly you seem kind of disorganised lately", "label"),
    ("you come across as arrogant", "label"),
    ("YOU ARE CARELESS", "label"),
    ("ＹＯＵ ＡＲＥ ＬＡＺＹ", "label"),  # full-width letters
    ("you are a terrible listener", "bad_role"),
    ("You're such a poor communicator", "bad_role"),
    ("You always interrupt people", "absolute"),
    ("you never review my pull requests", "absolute"),
    ("You are always late", "absolute"),
    ("Every single time you present, it runs over", "absolute"),
    ("Frankly, what an idiot move that was", "name"),
    ("Stop being such a diva", "name"),
    ("You have a bad attitude about code review", "attitude"),
    ("It's your personality that's the problem", "attitude"),
]

DESCRIBING = [
    "In Tuesday's launch review you interrupted Sam twice, so he stopped sharing his numbers.",
    "The report arrived two days after the deadline; the client call had to move.",
    "You are on the release rota next week, so please hand over the pager on Friday.",
    "You were really helpful when the build broke — the fix saved us an afternoon.",
    "You are not lazy; the backlog is simply too big for one person.",
    "Lazy loading made the page feel instant.",
    "I'd suggest sharing the agenda a day before, so people can prepare.",
    "Your slides were clear and the demo worked first time.",
    "",
    "   ",
    "'; DROP TABLE feedback; --",
    "Ünïcödé 🎉 text with emoji and \u200b zero-width space",
]


@pytest.mark.parametrize(("text", "rule"), LABELLING)
def test_labelling_text_is_flagged_with_its_rule(text: str, rule: str) -> None:
    flags = find_labels(text)
    assert flags, f"not flagged: {text!r}"
    assert rule in {f.rule for f in flags}


@pytest.mark.parametrize("text", DESCRIBING)
def test_describing_behaviour_and_impact_is_not_flagged(text: str) -> None:
    assert find_labels(text) == []


def test_the_hint_quotes_the_phrase_and_says_what_to_do() -> None:
    hint = labelling_hint(find_labels("Honestly, you are lazy about tests"))
    assert "“you are lazy”" in hint
    assert "Send as written" in hint
    assert len(hint) < 200


def test_a_long_phrase_is_shortened_in_the_hint() -> None:
    text = "you are " + "very " * 30 + "lazy"
    hint = labelling_hint(find_labels(text))
    assert "…" in hint and len(hint) < 200


@given(st.text(max_size=400))
def test_any_text_is_checked_without_error_and_flags_point_into_it(text: str) -> None:
    for flag in find_labels(text):
        assert flag.phrase
        assert flag.reason


@given(st.sampled_from(sorted(LABELS)), st.sampled_from(["you are ", "You're ", "you seem so "]))
def test_every_label_word_after_you_are_is_flagged(word: str, prefix: str) -> None:
    assert "label" in {f.rule for f in find_labels(f"Sometimes {prefix}{word}.")}


@given(st.sampled_from(sorted(NAMES)))
def test_every_name_is_flagged_anywhere(word: str) -> None:
    assert "name" in {f.rule for f in find_labels(f"that was a {word} thing to do")}


@given(st.text(alphabet="abcdefghijklmnopqrstvwxz .,;0123456789", max_size=200))
def test_text_without_you_or_names_has_no_label_or_absolute(text: str) -> None:
    # The alphabet has no 'u' or 'y': no "you", so only name/attitude rules could fire.
    rules = {f.rule for f in find_labels(text)}
    assert not rules & {"label", "bad_role", "absolute"}


@pytest.mark.parametrize(
    "text",
    [
        "you always make time for questions",
        "You always explain the why behind a decision.",
        "You never miss a deadline",
        "you constantly help the new joiners",
        "Every time you present, the room learns something",
        "You're always so well prepared.",
    ],
)
def test_absolutes_in_praise_are_never_flagged(text: str) -> None:
    assert not [f for f in find_labels(text) if f.rule == "absolute"]


@pytest.mark.parametrize(
    "text",
    [
        "you always interrupt",
        "You always interrupt people in stand-up",
        "you never listen",
        "You constantly ignore the review comments",
        "You always make time for questions, but you always forget to follow up.",
    ],
)
def test_absolutes_beside_negative_wording_are_flagged(text: str) -> None:
    assert [f for f in find_labels(text) if f.rule == "absolute"]


def test_only_the_negative_absolute_of_two_is_flagged() -> None:
    text = "You always make time for questions, but you always forget to follow up."
    assert len([f for f in find_labels(text) if f.rule == "absolute"]) == 1
