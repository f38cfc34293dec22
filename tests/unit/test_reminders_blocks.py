"""The reminder DMs' builders: user text escaped (no pings smuggled in), within Slack's limits."""

from __future__ import annotations

from bot.blocks.reminders import help_resolve_dm, help_surface_dm

QUESTION = "Why does <!channel> & <https://x.test|this> break? " + "ü" * 5000


def test_the_surface_dm_escapes_the_question_everywhere_and_stays_short() -> None:
    message = help_surface_dm(
        requester_id="UALICE", channel_id="CHELP", question=QUESTION, tags=["ci"], link=None
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
