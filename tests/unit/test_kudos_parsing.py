"""The `/kudos` parser and the kudos builders: what people mean, and nothing that pings."""

from __future__ import annotations

import pytest

from bot.blocks.kudos import kudos_confirmation, kudos_message
from bot.services.kudos import KudosResult, parse_kudos
from bot.services.people import Person
from tests.slack_double import block_kit_problems


@pytest.mark.parametrize(
    ("text", "ids", "reason"),
    [
        ("<@UB|bob> <@UC|carol> for the offsite", ["UB", "UC"], "for the offsite"),
        ("<@UB> and <@UC> for the offsite", ["UB", "UC"], "for the offsite"),
        ("<@UB>, <@UC>: for the offsite", ["UB", "UC"], "for the offsite"),
        ("<@UB> for covering for <@UC>", ["UB"], "for covering for <@UC>"),
        ("<@UB> and the team for it", ["UB"], "and the team for it"),
    ],
)
def test_receivers_are_the_mentions_at_the_start(text: str, ids: list[str], reason: str) -> None:
    parsed = parse_kudos(text)
    assert (parsed.user_ids, parsed.reason) == (ids, reason)


def test_later_mentions_are_reported_not_taken() -> None:
    parsed = parse_kudos("<@UB> for covering for <@UD|dave> and @erin, with <!channel>")
    assert parsed.user_ids == ["UB"] and parsed.names == []
    assert parsed.mentioned_ids == ["UD"] and parsed.mentioned_names == ["erin"]


def test_a_full_name_is_one_name_when_someone_has_it() -> None:
    parsed = parse_kudos("@Bob Smith for it", is_name=lambda n: n == "Bob Smith")
    assert (parsed.names, parsed.reason) == (["Bob Smith"], "for it")
    parsed = parse_kudos("@bob thanks for it", is_name=lambda n: False)
    assert (parsed.names, parsed.reason) == (["bob"], "thanks for it")


@pytest.mark.parametrize(
    ("text", "values", "value", "reason"),
    [
        ("<@UB> #kindness for the welcome", ["Kindness"], "Kindness", "for the welcome"),
        ("<@UB> for the welcome #KINDNESS.", ["Kindness"], "Kindness", "for the welcome"),
        ("<@UB> for real #kindness daily", ["Kindness"], "Kindness", "for real kindness daily"),
        ("<@UB> for the welcome #kindness", [], None, "for the welcome #kindness"),
        ("<@UB> for <#C1|kindness>", ["Kindness"], None, "for #kindness"),
        (
            "<@UB> see <https://x.example/#kindness|doc>",
            ["Kindness"],
            None,
            "see https://x.example/#kindness",
        ),
    ],
)
def test_a_value_is_only_a_configured_one(
    text: str, values: list[str], value: str | None, reason: str
) -> None:
    parsed = parse_kudos(text, values=values)
    assert (parsed.value, parsed.reason) == (value, reason)


def result(reason: str) -> KudosResult:
    return KudosResult(
        post_id="00000000-0000-0000-0000-000000000001",
        giver_id="UA",
        receiver_ids=["UB"],
        reason=reason,
        value=None,
        channel_id="C1",
        source_link=None,
        remaining=3,
    )


def test_the_notification_text_is_escaped_like_the_blocks() -> None:
    message = kudos_message(result("<!here> <https://evil.example|safe> & <@UD>"))
    assert message["text"] == (
        "<@UB> got kudos from <@UA>: “&lt;!here&gt; &lt;https://evil.example|safe&gt; &amp; <@UD>”"
    )
    assert "<#C9>" in str(kudos_message(result("x"), from_channel="C9")["blocks"])


def test_the_confirmation_is_within_block_kit_limits() -> None:
    odd = "Ünïcødé 🎉 <!channel> &amp; *b*" * 20
    people = [Person(id=f"U{i:08d}", team_id="T", name=odd) for i in range(30)]
    message = kudos_confirmation(
        post_id="00000000-0000-0000-0000-000000000001",
        posted_in="C2",
        remaining=0,
        offers=people,
        unknown_tag=odd,
        values=[odd] * 100,
    )
    assert message is not None
    assert block_kit_problems(message) == []
    mrkdwn_texts = [message["text"]] + [b["text"]["text"] for b in message["blocks"]]
    assert all("<!channel" not in text for text in mrkdwn_texts)
    assert kudos_confirmation(post_id="x", remaining=4) is None
    long = kudos_message(result((odd * 50)[:1000]))
    assert block_kit_problems(long) == [] and len(long["text"]) <= 3000
