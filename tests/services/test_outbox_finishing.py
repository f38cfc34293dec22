"""The outbox's note of a post from queued work: in a channel it rides on the transaction that
completes the item (a takeover would find the post in the channel's history anyway); in a DM,
whose history the bot can't read, it is written at once. A run that posts and then fails
still leaves the note, written with the failure."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot import work as current_work
from bot.deps import Deps
from bot.flows.outbox import post_once
from bot.services import work
from tests.conftest import FakeClock
from tests.slack_double import SlackDouble


def noted(sessions: sessionmaker[Session], key: str) -> tuple[str, str] | None:
    with sessions() as session:
        return work.find_post(session, key)


def post(deps: Deps, key: str, channel: str = "CGENERAL") -> tuple[str, str]:
    return post_once(
        deps, deps.client, team_id="T0TEAM", key=key, channel=channel, message={"text": "hi"}
    )


def queued(sessions: sessionmaker[Session], clock: FakeClock) -> work.Leased:
    with sessions.begin() as session:
        row = work.new_row(
            key="item",
            kind="command",
            team_id="T0TEAM",
            function="f",
            body="",
            headers={},
            now=clock(),
        )
        work.insert_new(session, [row])
    (item,) = work.take(sessions=sessions, worker="w", now=clock())
    return item


def test_a_channel_post_is_noted_with_the_item_and_a_dm_at_once(
    deps: Deps, slack: SlackDouble, sessions: sessionmaker[Session]
) -> None:
    finishing = current_work.Finishing()
    with current_work.running("item", 1, finishing=finishing):
        channel, ts = post(deps, "in-channel")
        post(deps, "in-dm", "UBOB")
        again = post(deps, "in-channel")
    assert again == (channel, ts)  # the same key again in the run: the note not yet written
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert noted(sessions, "in-dm") is not None  # at once: no history to find it in later
    assert noted(sessions, "in-channel") is None
    assert len(finishing.writes) == 1
    with sessions.begin() as session:
        finishing.writes[0](session)
    assert noted(sessions, "in-channel") == (channel, ts)


def test_a_run_that_posted_and_then_failed_leaves_the_note_with_its_failure(
    deps: Deps, slack: SlackDouble, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    item = queued(sessions, clock)
    finishing = current_work.Finishing()
    with current_work.running(item.key, item.attempts, finishing=finishing):
        post(deps, "then-failed")
    status = work.fail(
        sessions=sessions,
        item_id=item.id,
        worker="w",
        error="boom",
        now=clock(),
        also=finishing.writes,
    )
    assert status == "pending"  # retried later
    assert noted(sessions, "then-failed") is not None
    # the retry finds the note and posts nothing again
    posts = len(slack.calls_to("chat.postMessage"))
    with current_work.running(item.key, item.attempts + 1, finishing=current_work.Finishing()):
        post(deps, "then-failed")
    assert len(slack.calls_to("chat.postMessage")) == posts
