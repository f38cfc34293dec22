"""Help Block Kit builders as pure functions: within Slack's limits, whatever the input."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot import ids
from bot.blocks.help_requests import ask_modal, help_card, resolve_modal, resolved_thread_message
from bot.services.help_requests import (
    MAX_QUESTION,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    OPEN,
    RESOLVED,
    STALE,
    URGENCIES,
    HelpCard,
    HelpDraft,
    Suggestion,
)

tag = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=MAX_TAG_LENGTH)
tags = st.lists(tag, max_size=MAX_TAGS, unique=True).map(tuple)
text = st.text(min_size=1, max_size=MAX_QUESTION)
users = st.lists(st.from_regex(r"U[A-Z0-9]{8}", fullmatch=True), max_size=40, unique=True).map(
    tuple
)


def inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["element"] for b in view["blocks"] if b["type"] == "input"]


def texts(message: dict[str, Any]) -> list[str]:
    found = []
    for block in message["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements") or []:
            if isinstance(element.get("text"), str):
                found.append(element["text"])
    return found


@given(question=text, tags=tags, urgency=st.sampled_from(list(URGENCIES)))
def test_the_prefilled_ask_modal_never_exceeds_its_own_input_limits(question, tags, urgency):
    draft = HelpDraft(question=question, urgency=urgency, tags=tags, source_link=None)
    view = ask_modal(private_metadata="{}", draft=draft)
    for element in inputs(view):
        if "initial_value" in element:
            assert len(element["initial_value"]) <= element["max_length"]
    assert len(view["blocks"]) <= 100


def test_ten_long_tags_are_prefilled_as_many_as_fit() -> None:
    long_tags = tuple(f"{i}" + "x" * (MAX_TAG_LENGTH - 1) for i in range(MAX_TAGS))
    view = ask_modal(private_metadata="{}", draft=HelpDraft(question="q", tags=long_tags))
    element = next(b["element"] for b in view["blocks"] if b.get("block_id") == ids.HELP_TAGS_BLOCK)
    shown = element["initial_value"].split(", ")
    assert 0 < len(shown) < MAX_TAGS and shown == list(long_tags[: len(shown)])
    assert len(element["initial_value"]) <= element["max_length"]


@given(
    question=text,
    details=st.one_of(st.none(), text),
    tags=tags,
    status=st.sampled_from([OPEN, RESOLVED, STALE]),
    helpers=users,
    thanked=users,
    labels=st.lists(st.text(min_size=1, max_size=300), max_size=3),
)
def test_the_card_stays_within_slack_limits(
    question, details, tags, status, helpers, thanked, labels
):
    card = HelpCard(
        key="k" * 32,
        requester_id="UALICE",
        channel_id="CGENERAL",
        question=question,
        details=details,
        tags=tags,
        status=status,
        message_ts="1.2",
        helper_ids=helpers,
        thanked_ids=thanked,
        suggestions=tuple(
            Suggestion(user_id=f"U{i}", label=label, mention=i % 2 == 0)
            for i, label in enumerate(labels)
        ),
    )
    message = help_card(card)
    assert message["text"] and len(message["text"]) <= 3000
    assert len(message["blocks"]) <= 50
    assert all(len(t) <= 3000 for t in texts(message))
    buttons = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    expected = {
        OPEN: [ids.HELP_OFFER_ACTION, ids.HELP_RESOLVE_ACTION],
        STALE: [ids.HELP_REOPEN_ACTION],
        RESOLVED: [],
    }[status]
    assert buttons == expected
    view = resolve_modal(card=card, private_metadata="{}")
    helpers_element = inputs(view)[0]
    assert len(helpers_element.get("initial_users", [])) <= helpers_element["max_selected_items"]
    thread = resolved_thread_message(requester_id="UALICE", thanked_ids=thanked, note=details)
    assert thread["text"] and len(thread["text"]) <= 3000
