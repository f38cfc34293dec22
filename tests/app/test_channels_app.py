"""Channels through the real app: enrolment when the bot joins, `/reciprocity channel …`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import DomainError
from bot.services.channels import (
    ChannelChange,
    apply_change,
    enroll_channel,
    kudos_destination,
    parse_channel_command,
)
from bot.services.workspaces import WorkspaceDefaults, get_workspace
from models.rhythm import ChannelSettings
from tests.conftest import Bot
from tests.slack_double import BOT_USER_ID, TEAM_ID


def joined(user: str, channel: str = "CTEAM") -> dict[str, object]:
    return {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": "C",
        "team": TEAM_ID,
        "inviter": "UALICE",
        "event_ts": "1700000000.000100",
    }


def channel_row(sessions: sessionmaker[Session], channel: str = "CGENERAL") -> ChannelSettings:
    with sessions() as session:
        row = session.get(ChannelSettings, (TEAM_ID, channel))
        assert row is not None
        return row


def last_reply(bot: Bot) -> str:
    reply = bot.slack.responses[-1]
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def test_adding_the_bot_enrols_the_channel_with_friday_digest_and_says_hello(
    bot: Bot, sessions
) -> None:
    assert bot.event(joined(BOT_USER_ID)).status == 200
    row = channel_row(sessions, "CTEAM")
    assert (row.digest_enabled, row.digest_weekday, row.digest_minute) == (True, 4, 900)
    assert row.prompt_enabled is False and row.kudos_channel_id is None and row.tz is None
    posts = bot.slack.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0]["channel"] == "CTEAM"
    text = posts[0]["text"]
    assert "Friday 15:00" in text and "/reciprocity channel" in text
    assert "share-and-solve prompt is off" in text and "prompt on" in text
    assert ":pray:" in text  # the workspace's first thanks emoji


def test_the_welcome_names_the_workspaces_own_thanks_emoji(bot: Bot, deps) -> None:
    with deps.sessions.begin() as session:
        workspace = get_workspace(
            session=session, team_id=TEAM_ID, defaults=WorkspaceDefaults(), now=deps.clock()
        )
        workspace.thanks_emoji = ["taco", "pray"]
    bot.event(joined(BOT_USER_ID))
    (post,) = bot.slack.calls_to("chat.postMessage")
    assert ":taco: or :pray:" in post["text"]  # every one of them, in the workspace's order


def test_a_person_joining_a_channel_enrols_nothing(bot: Bot, sessions) -> None:
    bot.event(joined("UBOB"))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChannelSettings)) == 0
    assert bot.slack.calls_to("chat.postMessage") == []


def test_a_redelivered_join_enrols_once_and_welcomes_once(bot: Bot, sessions) -> None:
    bot.event(joined(BOT_USER_ID), event_id="Ev0JOIN")
    bot.event(joined(BOT_USER_ID), event_id="Ev0JOIN", retry_num=1)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChannelSettings)) == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_anyone_can_see_the_settings(bot: Bot) -> None:
    bot.command("/reciprocity", "channel show", user="UBOB")
    text = last_reply(bot)
    assert "Weekly digest: on, Friday 15:00" in text
    assert "Share-and-solve prompt: off" in text
    assert "admins" in text  # Bob learns who can change them


def test_show_in_a_channel_i_was_never_added_to_says_so_and_stores_nothing(
    bot: Bot, sessions
) -> None:
    bot.slack.channels_without_bot.add("CGENERAL")
    bot.command("/reciprocity", "channel show", user="UBOB")
    text = last_reply(bot)
    assert "not in <#CGENERAL> yet" in text and "/invite" in text
    assert "Fridays at 15:00" in text and "Weekly digest: on" not in text
    with sessions() as session:
        assert session.get(ChannelSettings, (TEAM_ID, "CGENERAL")) is None


def test_show_where_i_am_but_missed_the_join_enrols_the_channel(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "channel show", user="UBOB")
    assert "Weekly digest: on, Friday 15:00" in last_reply(bot)
    row = channel_row(sessions)  # so the digest it promises really comes
    assert row.digest_enabled is True and row.prompt_enabled is False


def test_turning_the_digest_on_where_i_am_not_asks_for_an_invite_first(bot: Bot, sessions) -> None:
    bot.slack.channels_without_bot.add("CGENERAL")
    for text in ("channel digest on", "channel prompt on monday 09:00"):
        bot.command("/reciprocity", text, user="UADMIN")
        assert "not in <#CGENERAL> yet" in last_reply(bot), text
    with sessions() as session:
        assert session.get(ChannelSettings, (TEAM_ID, "CGENERAL")) is None
    bot.command("/reciprocity", "channel kudos <#CKUDOS>", user="UADMIN")  # that still works
    assert channel_row(sessions).kudos_channel_id == "CKUDOS"


def test_channel_settings_from_a_direct_message_point_to_the_channel(bot: Bot, sessions) -> None:
    for text in ("channel show", "channel digest off"):
        bot.command(
            "/reciprocity", text, user="UADMIN", channel="D0ALICE", channel_name="directmessage"
        )
        assert "run `/reciprocity channel …` in the channel" in last_reply(bot)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChannelSettings)) == 0


def test_an_admin_changes_the_digest_and_prompt(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "channel digest on thursday 16:30", user="UADMIN")
    assert "Thursday 16:30" in last_reply(bot)
    bot.command("/reciprocity", "channel prompt on", user="UADMIN")
    bot.command("/reciprocity", "channel timezone Asia/Tokyo", user="UADMIN")
    row = channel_row(sessions)
    assert (row.digest_weekday, row.digest_minute) == (3, 16 * 60 + 30)
    assert (row.prompt_enabled, row.prompt_weekday, row.prompt_minute) == (True, 0, 600)
    assert row.tz == "Asia/Tokyo" and row.updated_by == "UADMIN"
    bot.command("/reciprocity", "channel digest off", user="UADMIN")
    assert channel_row(sessions).digest_enabled is False


def test_someone_who_is_not_an_admin_gets_a_polite_no_and_nothing_changes(
    bot: Bot, sessions
) -> None:
    bot.command("/reciprocity", "channel digest off", user="UBOB")
    assert "only workspace admins" in last_reply(bot)
    with sessions() as session:
        assert session.get(ChannelSettings, (TEAM_ID, "CGENERAL")) is None


def test_people_an_admin_listed_may_change_settings(bot: Bot, sessions, deps) -> None:
    with sessions.begin() as session:
        workspace = get_workspace(
            session=session, team_id=TEAM_ID, defaults=WorkspaceDefaults(), now=deps.clock()
        )
        workspace.admin_user_ids = ["UBOB"]
    bot.command("/reciprocity", "channel leaderboard on", user="UBOB")
    assert channel_row(sessions).leaderboard is True


def test_kudos_can_go_to_another_channel_the_bot_is_in(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "channel kudos <#CKUDOS|kudos>", user="UADMIN")
    assert "<#CKUDOS>" in last_reply(bot)
    assert channel_row(sessions).kudos_channel_id == "CKUDOS"
    bot.slack.channels_without_bot.add("CELSEWHERE")
    bot.command("/reciprocity", "channel kudos <#CELSEWHERE>", user="UADMIN")
    assert "Invite me there first" in last_reply(bot)
    assert channel_row(sessions).kudos_channel_id == "CKUDOS"
    bot.command("/reciprocity", "channel kudos here", user="UADMIN")
    assert channel_row(sessions).kudos_channel_id is None


def test_malformed_channel_commands_get_usage_not_a_stack_trace(bot: Bot, sessions) -> None:
    for text in (
        "channel digest sometimes",
        "channel digest on funday",
        "channel digest on 25:00",
        "channel prompt off monday",
        "channel kudos #general",
        "channel timezone Mars/Olympus",
        "channel frobnicate",
        "channel digest on " + "x" * 10_000,
    ):
        bot.command("/reciprocity", text, user="UADMIN")
        reply = last_reply(bot)
        assert "Usage:" in reply and "Traceback" not in reply, text
    with sessions() as session:
        assert session.get(ChannelSettings, (TEAM_ID, "CGENERAL")) is None


def test_kudos_destination_is_the_channel_unless_it_chose_another(session: Session) -> None:
    now = datetime(2026, 11, 25, 13, tzinfo=UTC)
    assert kudos_destination(session=session, team_id="T1", channel_id="C1") == "C1"
    enroll_channel(session=session, team_id="T1", channel_id="C1", now=now)
    assert kudos_destination(session=session, team_id="T1", channel_id="C1") == "C1"
    apply_change(
        session=session,
        team_id="T1",
        channel_id="C1",
        change=ChannelChange(setting="kudos", channel_id="CKUDOS"),
        user_id="UADMIN",
        now=now,
    )
    assert kudos_destination(session=session, team_id="T1", channel_id="C1") == "CKUDOS"
    # Another workspace's channel with the same id is not affected.
    assert kudos_destination(session=session, team_id="T2", channel_id="C1") == "C1"


def test_turning_a_digest_back_on_starts_its_clock_again(session: Session) -> None:
    start = datetime(2026, 11, 2, tzinfo=UTC)
    enroll_channel(session=session, team_id="T1", channel_id="C1", now=start)
    off = ChannelChange(setting="digest", enabled=False)
    on = ChannelChange(setting="digest", enabled=True, weekday=2)
    later = start + timedelta(days=20)
    for change, when in ((off, start), (on, later)):
        row = apply_change(
            session=session, team_id="T1", channel_id="C1", change=change, user_id="U", now=when
        )
    assert row.digest_enabled and row.digest_since == later and row.digest_weekday == 2
    assert row.digest_minute == 900  # unchanged


@given(st.text(max_size=200))
def test_the_channel_parser_answers_every_text_with_a_change_or_a_clear_error(text: str) -> None:
    try:
        change = parse_channel_command(text)
    except DomainError as error:
        assert error.message
        return
    assert change is None or change.setting in (
        "digest",
        "prompt",
        "kudos",
        "timezone",
        "leaderboard",
        "quiet-week",
    )
