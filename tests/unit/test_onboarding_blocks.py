"""The onboarding messages as pure builders: the welcome with (or without) stories and a buddy,
the introduction's three questions, the check-in's buttons, the counts admins see."""

from __future__ import annotations

from bot import ids
from bot.blocks import onboarding as blocks
from bot.services.onboarding import ProgrammeSummary


def test_the_welcome_links_the_last_three_stories_it_is_given() -> None:
    stories = [
        ("Maria unblocked the release", "https://test.slack.com/archives/C1/p1"),
        ("<!channel> *pinged*", None),
        ("A link that isn't one", "javascript:alert(1)"),
        ("A fourth, left out", "https://test.slack.com/archives/C1/p4"),
    ]
    text = blocks.welcome_message("UNEW", "UBOB", 30, stories)["text"]
    assert "<https://test.slack.com/archives/C1/p1|Maria unblocked the release>" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "• A link that isn't one" in text and "javascript" not in text
    assert "fourth" not in text
    assert "<@UBOB> is your onboarding buddy for your first 30 days" in text
    none = blocks.welcome_message("UNEW", None, 30, [])["text"]
    assert "stories" not in none and "We're finding you an onboarding buddy" in none


def test_the_introduction_and_the_check_in() -> None:
    intro = blocks.introduction_message("UNEW", "UBOB", 30)["text"]
    assert intro.startswith(":handshake: <@UNEW>, meet <@UBOB>")
    assert all(q in intro for q in blocks.FIRST_QUESTIONS) and len(blocks.FIRST_QUESTIONS) == 3
    checkin = blocks.checkin_message(10)
    [good, hand] = checkin["blocks"][1]["elements"]
    assert (good["action_id"], good["value"]) == (ids.ONBOARDING_ALL_GOOD_ACTION, "10")
    assert (hand["action_id"], hand["text"]["text"]) == (
        ids.ONBOARDING_HAND_ACTION,
        "I'd like a hand with something",
    )


def test_the_summary_is_counts_only() -> None:
    text = blocks.summary_text(
        ProgrammeSummary(
            enabled=True,
            horizon_days=30,
            volunteers=4,
            in_programme=2,
            with_buddy=1,
            buddy_in_time=5,
            hires_total=6,
        )
    )
    assert "Buddy volunteers: 4" in text and "5 of 6" in text and "<@" not in text
