"""The feedback builders as pure functions: content, privacy of previews, Slack limits."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import ids
from bot.blocks.feedback import (
    declined_dm,
    delivery_dm,
    feedback_list,
    feedback_modal,
    reminder_dm,
    request_dm,
)
from bot.services.feedback import MAX_FIELD, Draft, GivenFeedback, RequestView

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
REQUEST = RequestView(
    id=42,
    team_id="T0TEAM",
    requester_id="UALICE",
    reviewer_id="UBOB",
    topic="the <launch> & plan",
    message_link="https://test.slack.com/archives/C1/p1",
    status="pending",
    requested_at=NOW,
)


def actions(message: dict) -> dict[str, str]:
    return {
        e["action_id"]: e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_request_and_reminder_dms_carry_both_buttons_and_escape_the_topic() -> None:
    for build in (request_dm, reminder_dm):
        message = build(REQUEST)
        assert actions(message) == {
            ids.FEEDBACK_GIVE_ACTION: "42",
            ids.FEEDBACK_DECLINE_ACTION: "42",
        }
        first = message["blocks"][0]["text"]["text"]
        assert "<@UALICE>" in first
        assert "the &lt;launch&gt; &amp; plan" in first
        assert "<https://test.slack.com/archives/C1/p1|this message>" in first
        assert message["text"] and "<@UALICE>" in message["text"]
    assert "gentle" in reminder_dm(REQUEST)["text"]


def test_declined_dm_is_kind_and_names_the_reviewer() -> None:
    text = declined_dm(REQUEST)["text"]
    assert text.startswith("<@UBOB> can't give feedback")
    assert "says nothing about your work" in text


def biggest(giver: str = "UBOB") -> GivenFeedback:
    draft = Draft(*(["é" * MAX_FIELD] * 5))
    return GivenFeedback(
        id=1, giver_id=giver, receiver_id="UALICE", topic="t" * 300, draft=draft, created_at=NOW
    )


def test_delivery_keeps_the_text_out_of_the_preview_and_within_limits() -> None:
    message = delivery_dm(biggest())
    assert "é" not in message["text"]
    assert "<@UBOB>" in message["text"]
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


def test_the_list_fits_slack_limits_even_with_the_largest_feedback() -> None:
    message = feedback_list([biggest(f"U{i}") for i in range(5)])
    assert len(message["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")
    assert "From <@U4> on 25 Nov 2026" in str(message["blocks"])
    assert "No feedback yet" in feedback_list([])["text"]


def test_the_modal_has_the_structured_fields_and_the_send_as_written_box() -> None:
    modal = feedback_modal(receiver_id="UALICE", private_metadata="{}", topic="x")
    inputs = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    assert set(inputs) == {
        ids.FEEDBACK_SITUATION_BLOCK,
        ids.FEEDBACK_BEHAVIOUR_BLOCK,
        ids.FEEDBACK_IMPACT_BLOCK,
        ids.FEEDBACK_SUGGESTION_BLOCK,
        ids.FEEDBACK_WENT_WELL_BLOCK,
        ids.FEEDBACK_AS_WRITTEN_BLOCK,
    }
    assert [k for k, b in inputs.items() if b.get("optional")] == [
        ids.FEEDBACK_WENT_WELL_BLOCK,
        ids.FEEDBACK_AS_WRITTEN_BLOCK,
    ]
    assert len(modal["title"]["text"]) <= 24
    assert inputs[ids.FEEDBACK_BEHAVIOUR_BLOCK]["element"]["max_length"] == MAX_FIELD


def test_delivered_feedback_uses_the_receivers_labels_and_whose_request_it_was() -> None:
    from datetime import UTC, datetime

    from bot.blocks.feedback import delivery_dm
    from bot.services.feedback import Draft, GivenFeedback

    given = GivenFeedback(
        id=1,
        giver_id="UDAVE",
        receiver_id="UBOB",
        topic="<@UDAVE>'s help request “keys”",
        draft=Draft("Tuesday", "You paired with me", "I shipped", "Keep notes", ""),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    shown = "\n".join(b["text"]["text"] for b in delivery_dm(given)["blocks"] if "text" in b)
    assert "about *<@UDAVE>'s help request “keys”*" in shown
    assert "your help request" not in shown
    for label in ("*What they saw*", "*The impact*", "*Their suggestion*"):
        assert label in shown
    assert "What you observed" not in shown
