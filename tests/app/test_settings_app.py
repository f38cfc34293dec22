"""`/reciprocity settings` through the real app: the modal round trip, validation, privacy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot import ids
from bot.services.preferences import get_preferences
from models import Member, MemberPreferences, MemberTopic
from tests.conftest import Bot
from tests.slack_requests import checkboxes_value, select_value, text_value

V = ids.SETTINGS_VALUE_ACTION


def open_modal(bot: Bot, user: str = "UALICE") -> dict[str, Any]:
    before = len(bot.slack.calls_to("views.open"))
    reply = bot.command("/reciprocity", "settings", user=user)
    assert reply.status == 200
    opened = bot.slack.calls_to("views.open")
    assert len(opened) == before + 1
    view: dict[str, Any] = opened[-1]["view"]
    return view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def time_value(value: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": value}


def values(**overrides: Any) -> dict[str, dict[str, Any]]:
    state = {
        ids.SETTINGS_START_BLOCK: time_value("08:30"),
        ids.SETTINGS_END_BLOCK: time_value("16:00"),
        ids.SETTINGS_DAYS_BLOCK: checkboxes_value(["0", "1", "2", "3"]),
        ids.SETTINGS_TZ_BLOCK: text_value("asia/tokyo"),
        ids.SETTINGS_CAP_BLOCK: select_value("2"),
        ids.SETTINGS_DEPARTMENT_BLOCK: text_value("Platform Engineering"),
        ids.SETTINGS_TOPICS_BLOCK: text_value("Python, #SQL kubernetes"),
        ids.SETTINGS_OPT_OUTS_BLOCK: checkboxes_value(["pairing", "digest_mentions"]),
        ids.SETTINGS_MENTIONS_BLOCK: checkboxes_value(["allow"]),
    }
    state.update(overrides)
    return {block_id: {V: value} for block_id, value in state.items() if value is not None}


def test_the_modal_opens_with_the_defaults_and_the_profile_zone(bot: Bot) -> None:
    view = open_modal(bot)
    assert view["callback_id"] == ids.SETTINGS_MODAL
    assert block(view, ids.SETTINGS_START_BLOCK)["element"]["initial_time"] == "09:00"
    assert block(view, ids.SETTINGS_END_BLOCK)["element"]["initial_time"] == "17:00"
    days = block(view, ids.SETTINGS_DAYS_BLOCK)["element"]["initial_options"]
    assert [o["value"] for o in days] == ["0", "1", "2", "3", "4"]
    assert block(view, ids.SETTINGS_CAP_BLOCK)["element"]["initial_option"]["value"] == "3"
    tz = block(view, ids.SETTINGS_TZ_BLOCK)
    assert "initial_value" not in tz["element"]
    assert "Europe/Berlin" in tz["hint"]["text"]
    # Nothing is posted anywhere: only the modal, which only Alice sees.
    assert bot.slack.calls_to("chat.postMessage") == []


def test_saving_stores_everything_and_reopening_shows_it(bot: Bot, sessions) -> None:
    view = open_modal(bot)
    reply = bot.view_submission(view, values())
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "update"
    assert "Saved" in answer["view"]["blocks"][0]["text"]["text"]
    assert "Asia/Tokyo" in answer["view"]["blocks"][0]["text"]["text"]

    with sessions() as session:
        prefs = get_preferences(session=session, team_id="T0TEAM", user_id="UALICE")
        member = session.get(Member, ("T0TEAM", "UALICE"))
        topics = session.scalars(
            select(MemberTopic.topic)
            .where(MemberTopic.user_id == "UALICE")
            .order_by(MemberTopic.topic)
        ).all()
    assert prefs.tz == "Asia/Tokyo"
    assert (prefs.work_start_minute, prefs.work_end_minute) == (8 * 60 + 30, 16 * 60)
    assert prefs.work_days == (0, 1, 2, 3)
    assert prefs.weekly_nudge_cap == 2
    assert prefs.opt_out_pairing and prefs.opt_out_digest_mentions
    assert not (prefs.opt_out_prompts or prefs.opt_out_reminders or prefs.opt_out_suggestions)
    assert prefs.allow_mentions
    assert member is not None and member.department == "Platform Engineering"
    assert list(topics) == ["kubernetes", "python", "sql"]

    again = open_modal(bot)
    assert block(again, ids.SETTINGS_TZ_BLOCK)["element"]["initial_value"] == "Asia/Tokyo"
    assert block(again, ids.SETTINGS_START_BLOCK)["element"]["initial_time"] == "08:30"
    assert block(again, ids.SETTINGS_CAP_BLOCK)["element"]["initial_option"]["value"] == "2"
    assert block(again, ids.SETTINGS_DEPARTMENT_BLOCK)["element"]["initial_value"] == (
        "Platform Engineering"
    )
    assert block(again, ids.SETTINGS_TOPICS_BLOCK)["element"]["initial_value"] == (
        "kubernetes, python, sql"
    )
    opted = block(again, ids.SETTINGS_OPT_OUTS_BLOCK)["element"]["initial_options"]
    assert sorted(o["value"] for o in opted) == ["digest_mentions", "pairing"]

    # Saving again with fewer topics and no opt-outs replaces them.
    reply = bot.view_submission(
        again,
        values(
            **{
                ids.SETTINGS_TOPICS_BLOCK: text_value("sql"),
                ids.SETTINGS_OPT_OUTS_BLOCK: checkboxes_value([]),
                ids.SETTINGS_TZ_BLOCK: text_value(""),
                ids.SETTINGS_DEPARTMENT_BLOCK: text_value(None),
            }
        ),
    )
    assert reply.json()["response_action"] == "update"
    with sessions() as session:
        prefs = get_preferences(session=session, team_id="T0TEAM", user_id="UALICE")
        member = session.get(Member, ("T0TEAM", "UALICE"))
        topics = session.scalars(select(MemberTopic.topic)).all()
    assert prefs.tz is None and not prefs.opt_out_pairing
    assert member is not None and member.department is None
    assert list(topics) == ["sql"]


def test_bad_input_is_flagged_per_field_and_nothing_is_stored(bot: Bot, sessions) -> None:
    view = open_modal(bot)
    reply = bot.view_submission(
        view,
        values(
            **{
                ids.SETTINGS_TZ_BLOCK: text_value("Mars/Olympus_Mons"),
                ids.SETTINGS_START_BLOCK: time_value("18:00"),
                ids.SETTINGS_END_BLOCK: time_value("09:00"),
                ids.SETTINGS_DAYS_BLOCK: checkboxes_value([]),
                ids.SETTINGS_CAP_BLOCK: select_value("9999"),
                ids.SETTINGS_DEPARTMENT_BLOCK: text_value("x" * 10_000),
                ids.SETTINGS_TOPICS_BLOCK: text_value("'; DROP TABLE members; --"),
            }
        ),
    )
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {
        ids.SETTINGS_TZ_BLOCK,
        ids.SETTINGS_END_BLOCK,
        ids.SETTINGS_DAYS_BLOCK,
        ids.SETTINGS_CAP_BLOCK,
        ids.SETTINGS_DEPARTMENT_BLOCK,
        ids.SETTINGS_TOPICS_BLOCK,
    }
    assert "Mars/Olympus_Mons" in answer["errors"][ids.SETTINGS_TZ_BLOCK]
    assert all(len(message) <= 150 for message in answer["errors"].values())
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(MemberPreferences)) == 0
        assert session.scalar(select(func.count()).select_from(MemberTopic)) == 0
        assert session.scalar(select(func.count()).select_from(Member)) == 0


def test_a_malformed_submission_gets_field_errors_not_a_crash(bot: Bot, sessions) -> None:
    view = open_modal(bot)
    reply = bot.view_submission(view, {"unexpected": {"x": {"type": "plain_text_input"}}})
    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(MemberPreferences)) == 0


def test_odd_unicode_department_is_cleaned_and_kept(bot: Bot, sessions) -> None:
    view = open_modal(bot)
    reply = bot.view_submission(
        view,
        values(
            **{ids.SETTINGS_DEPARTMENT_BLOCK: text_value("  Ré\u0000search \u202e&\U0001f680 ")}
        ),
    )
    assert reply.json()["response_action"] == "update"
    with sessions() as session:
        member = session.get(Member, ("T0TEAM", "UALICE"))
    assert member is not None and member.department == "Ré\u0000search \u202e&\U0001f680".replace(
        "\u0000", ""
    )


def test_settings_are_per_person(bot: Bot, sessions) -> None:
    bot.view_submission(open_modal(bot, "UALICE"), values(), user="UALICE")
    bob_view = open_modal(bot, "UBOB")
    assert block(bob_view, ids.SETTINGS_CAP_BLOCK)["element"]["initial_option"]["value"] == "3"
    assert "initial_value" not in block(bob_view, ids.SETTINGS_TOPICS_BLOCK)["element"]
    assert "America/New_York" in block(bob_view, ids.SETTINGS_TZ_BLOCK)["hint"]["text"]


def test_settings_with_extra_words_answers_with_usage(bot: Bot) -> None:
    bot.command("/reciprocity", "settings please")
    assert bot.slack.calls_to("views.open") == []
    assert bot.slack.responses[-1]["response_type"] == "ephemeral"
    assert "opens a form" in bot.slack.responses[-1]["text"]


def test_the_settings_button_opens_the_modal(bot: Bot) -> None:
    bot.block_action(ids.SETTINGS_OPEN_ACTION, "open", user="UBOB")
    opened = bot.slack.calls_to("views.open")
    assert len(opened) == 1 and opened[0]["view"]["callback_id"] == ids.SETTINGS_MODAL


def test_help_lists_settings_pause_and_resume(bot: Bot) -> None:
    bot.command("/reciprocity", "help")
    text = bot.slack.responses[-1]["text"]
    assert "/reciprocity settings" in text and "/reciprocity pause" in text
    assert "/reciprocity resume" in text
