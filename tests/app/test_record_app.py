"""`/reciprocity record` through the real app: private, Download as a file in the owner's DM,
Share with… one person picked in a modal, and nothing sent to anyone without the button."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from models import Kudos
from models.feedback import Feedback
from tests.conftest import WEDNESDAY_AFTERNOON, Bot
from tests.slack_double import dm_channel
from tests.slack_requests import user_value

NOW = WEDNESDAY_AFTERNOON
SECRET = "SECRET-FEEDBACK-WORDS"


def seed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add(
            Kudos(
                team_id="T0TEAM",
                post_id="p1",
                giver_id="UBOB",
                receiver_id="UALICE",
                channel_id="CGENERAL",
                reason="for the calm incident notes",
                message_ts="1700.1",
                created_at=NOW - timedelta(days=3),
            )
        )
        session.add(
            Feedback(
                team_id="T0TEAM",
                giver_id="UBOB",
                receiver_id="UALICE",
                situation=SECRET,
                behaviour=SECRET,
                impact=SECRET,
                suggestion=SECRET,
                created_at=NOW - timedelta(days=4),
            )
        )


def people(bot: Bot) -> None:
    for uid, name in (("UALICE", "alice"), ("UBOB", "bob"), ("UMGR", "maria")):
        bot.slack.add_user(uid, name)
    bot.slack.add_user("UROBOT", "robot", is_bot=True)


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button")


def test_the_record_is_private_and_sends_nothing_without_a_button(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    seed(sessions)
    bot.command("/reciprocity", "record")
    reply = bot.slack.responses[-1]
    assert reply["response_type"] == "ephemeral"
    shown = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "for the calm incident notes" in shown and "<@UBOB>" in shown
    assert "received: 1" in shown and SECRET not in shown
    assert not bot.slack.calls_to("chat.postMessage")
    assert not bot.slack.shared_files()


def test_download_puts_the_markdown_file_in_the_owners_dm(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    seed(sessions)
    bot.command("/reciprocity", "record 4 weeks")
    download = button(bot.slack.responses[-1], ids.RECORD_DOWNLOAD_ACTION)
    bot.block_action(ids.RECORD_DOWNLOAD_ACTION, download["value"])
    (shared,) = bot.slack.shared_files()
    assert shared["channel_id"] == dm_channel("UALICE")
    content = shared["content"].decode()
    assert content.startswith("# Contribution record — alice")
    assert "The last 4 weeks" in content
    assert "from bob: “for the calm incident notes”" in content
    assert "- Received: 1" in content and SECRET not in content
    assert bot.slack.calls_to("conversations.open")
    assert "Markdown file" in bot.slack.responses[-1]["text"]


def test_share_with_sends_one_copy_to_the_one_person_picked(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    seed(sessions)
    bot.command("/reciprocity", "record this quarter")
    share = button(bot.slack.responses[-1], ids.RECORD_SHARE_ACTION)
    bot.block_action(ids.RECORD_SHARE_ACTION, share["value"])
    view = bot.slack.calls_to("views.open")[-1]["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == ids.RECORD_SHARE_MODAL
    assert not bot.slack.calls_to("chat.postMessage"), "nothing is sent before the form"
    bot.view_submission(
        view, {ids.RECORD_SHARE_BLOCK: {ids.RECORD_SHARE_USER_ACTION: user_value("UMGR")}}
    )
    posts = bot.slack.calls_to("chat.postMessage")
    assert [p["channel"] for p in posts] == ["UMGR"]
    copy = json.dumps(posts[0], ensure_ascii=False)
    assert "<@UALICE> shared their contribution record with you" in copy
    assert "for the calm incident notes" in copy and SECRET not in copy
    blocks = posts[0]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert not [b for b in blocks if b["type"] == "actions"], "the receiver gets no button"
    assert "Sent a copy" in bot.slack.responses[-1]["text"]


def test_sharing_with_yourself_or_a_bot_is_refused_on_the_form(bot: Bot) -> None:
    people(bot)
    bot.command("/reciprocity", "record")
    share = button(bot.slack.responses[-1], ids.RECORD_SHARE_ACTION)
    bot.block_action(ids.RECORD_SHARE_ACTION, share["value"])
    view = bot.slack.calls_to("views.open")[-1]["view"]
    view = json.loads(view) if isinstance(view, str) else view
    bot.command("/kudos", "")  # syncs the roster, so the bot is known locally
    for who in ("UALICE", "UROBOT"):
        reply = bot.view_submission(
            view, {ids.RECORD_SHARE_BLOCK: {ids.RECORD_SHARE_USER_ACTION: user_value(who)}}
        )
        assert reply.json()["response_action"] == "errors"
    assert not [p for p in bot.slack.calls_to("chat.postMessage") if p["channel"] != "UALICE"]


def test_a_bad_period_says_how_to_write_it(bot: Bot) -> None:
    people(bot)
    bot.command("/reciprocity", "record someday")
    assert "this quarter" in bot.slack.responses[-1]["text"]


def test_app_home_shows_your_last_quarter_with_the_buttons(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    seed(sessions)
    bot.event({"type": "app_home_opened", "user": "UALICE", "tab": "home"})
    view = bot.slack.calls_to("views.publish")[-1]["view"]
    view = json.loads(view) if isinstance(view, str) else view
    shown = json.dumps(view, ensure_ascii=False)
    assert "Your last quarter" in shown and "1 kudos" in shown
    assert ids.RECORD_DOWNLOAD_ACTION in shown and ids.RECORD_SHARE_ACTION in shown


# ----- app.py record: an administrator answering a person's own data request ------------------
def test_the_cli_writes_the_record_as_markdown_or_json(sessions, database_url) -> None:
    from datetime import UTC, datetime

    from models import Member
    from tests.cli import run_app

    recent = datetime.now(UTC) - timedelta(days=3)
    with sessions.begin() as session:
        for uid, name in (("UALICE", "alice"), ("UBOB", "bob")):
            session.add(
                Member(
                    team_id="T0TEAM",
                    user_id=uid,
                    display_name=name,
                    created_at=recent,
                    updated_at=recent,
                )
            )
        session.add(
            Kudos(
                team_id="T0TEAM",
                post_id="p1",
                giver_id="UBOB",
                receiver_id="UALICE",
                channel_id="CGENERAL",
                reason="for the calm incident notes",
                created_at=recent,
            )
        )
        session.add(
            Feedback(
                team_id="T0TEAM",
                giver_id="UBOB",
                receiver_id="UALICE",
                situation=SECRET,
                behaviour=SECRET,
                impact=SECRET,
                suggestion=SECRET,
                created_at=recent,
            )
        )
    env = {"DATABASE_URL": database_url}
    md = run_app("record", "--user", "UALICE", env=env, in_process=True)
    assert md.returncode == 0, md.stderr
    assert "# Contribution record — alice" in md.stdout
    assert "from bob: “for the calm incident notes”" in md.stdout and SECRET not in md.stdout
    out = run_app(
        "record",
        "--user",
        "UALICE",
        "--format",
        "json",
        "--since",
        "2020-01-01",
        env=env,
        in_process=True,
    )
    data = json.loads(out.stdout)
    assert data["feedback_received"]["count"] == 1 and SECRET not in out.stdout
    assert data["recognition"][0]["reason"] == "for the calm incident notes"
    unknown = run_app("record", "--user", "UNOBODY", env=env, in_process=True)
    assert unknown.returncode == 2 and "--team" in unknown.stderr


def test_download_from_app_home_sends_the_file_and_nothing_else(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    seed(sessions)
    bot.event({"type": "app_home_opened", "user": "UALICE", "tab": "home"})
    home = json.loads(json.dumps(bot.slack.calls_to("views.publish")[-1]["view"]))
    home = json.loads(home) if isinstance(home, str) else home
    download = button({"blocks": home["blocks"]}, ids.RECORD_DOWNLOAD_ACTION)
    bot.block_action(
        ids.RECORD_DOWNLOAD_ACTION, download["value"], view={"id": "VHOME", "type": "home"}
    )
    (shared,) = bot.slack.shared_files()
    assert shared["channel_id"] == dm_channel("UALICE")
    assert "The last 90 days" in shared["content"].decode()
    assert not bot.slack.calls_to("chat.postMessage")
