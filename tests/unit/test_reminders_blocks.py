"""The reminder DMs' builders: user text escaped (no pings smuggled in), within Slack's limits."""

from __future__ import annotations

import re

from bot.blocks.reminders import help_resolve_dm, help_surface_dm, labelled_link

QUESTION = "Why does <!channel> & <https://x.test|this> break? " + "ü" * 5000


def test_the_surface_dm_escapes_the_question_everywhere_and_stays_short() -> None:
    message = help_surface_dm(
        request_key="k1",
        requester_id="UALICE",
        channel_id="CHELP",
        question=QUESTION,
        tags=["ci"],
        link=None,
    )
    section = message["blocks"][0]["text"]["text"]
    for text in (message["text"], section):
        assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert len(section) <= 3000 and len(message["text"]) <= 400
    assert "<@UALICE>" in message["text"] and "#ci" in section


def test_the_resolve_dm_names_the_helpers_and_links_the_request() -> None:
    message = help_resolve_dm(
        channel_id="CHELP",
        question=QUESTION,
        helper_ids=["UBOB", "UCAROL"],
        link="https://slack.test/archives/CHELP/p1",
    )
    section = message["blocks"][0]["text"]["text"]
    assert "<@UBOB>, <@UCAROL>" in section and "<https://slack.test/archives/CHELP/p1|" in section
    assert "<!channel>" not in section and len(section) <= 3000
    assert message["text"].startswith("Did your request get sorted?")


def test_the_surface_dm_links_the_request_without_nesting_and_has_its_three_buttons() -> None:
    url = "https://slack.test/archives/CHELP/p1"
    message = help_surface_dm(
        request_key="k1",
        requester_id="UALICE",
        channel_id="CHELP",
        question="Why?",
        tags=["ci"],
        link=url,
    )
    section = message["blocks"][0]["text"]["text"]
    assert f"<{url}|open the request>" in section and "in <#CHELP>" in section
    assert not re.search(r"<[^<>]*<", section)  # no control sequence inside another
    buttons = message["blocks"][1]["elements"]
    assert [b["text"]["text"] for b in buttons] == [
        "I can help",
        "Open the request",
        "Not this time",
    ]
    assert buttons[0]["value"] == buttons[2]["value"] == "k1"
    assert buttons[1]["url"] == url and "value" not in buttons[1]


def test_the_resolve_dm_link_is_well_formed() -> None:
    message = help_resolve_dm(
        channel_id="CHELP", question="Why?", helper_ids=["UBOB"], link="https://slack.test/p1"
    )
    section = message["blocks"][0]["text"]["text"]
    assert not re.search(r"<[^<>]*<", section)
    assert "*Mark resolved*" in section


def test_a_link_label_is_escaped() -> None:
    assert (
        labelled_link("https://x.test/a", "a <b> & c") == "<https://x.test/a|a &lt;b&gt; &amp; c>"
    )
    assert labelled_link(None, "<!here>") == "&lt;!here&gt;"
