"""The weekly pairing job: once per team and ISO week (from Monday 09:00 UTC) it rotates the
pairs and circles whose horizon ended and forms new ones; on every run it delivers what is
waiting: thanks to the groups that ended, introductions (a group DM with everyone and a
suggested first topic) to the new ones. Each round and each delivery is claimed, so running
it twice, or in two replicas, does nothing twice; a failed delivery is retried next tick.

Introductions and thanks are messages the bot starts on its own, so they wait for a good
moment (`mentoring.good_moment_to_introduce`: nobody paused; everyone at work, or when their
working hours never line up, the mentee at work). A thanks still waiting a week after the
group ended is dropped rather than sent late.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks.mentoring import introduction_message, thanks_message
from bot.deps import Deps
from bot.services import mentoring
from bot.services.claims import claim, complete, release
from bot.services.mentoring import Availability, GroupView
from bot.services.preferences import load_preferences

log = logging.getLogger(__name__)

JOB = "pairing"
THANKS_STALE = timedelta(days=7)
# Slack answers that retrying will not fix: the group is marked delivered without a DM.
_PERMANENT = {
    "user_not_found",
    "user_disabled",
    "users_not_found",
    "cannot_dm_bot",
    "channel_not_found",
}


def pairing_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    """`channel` (from `run-job --channel`) runs this week's round even before it is due."""
    with deps.sessions() as session:
        teams = mentoring.teams_in_program(session=session)
    due = channel is not None or mentoring.round_is_due(now)
    period = mentoring.round_key(now)
    rounds = started = ended = thanked = introduced = waiting = 0
    for team_id in teams:
        key = f"{team_id}:{period}"
        if due and claim(sessions=deps.sessions, team_id=team_id, job=JOB, key=key, now=now):
            try:
                with deps.sessions.begin() as session:
                    result = mentoring.run_round(
                        session=session,
                        team_id=team_id,
                        now=now,
                        horizon_weeks=deps.settings.pairing_horizon_weeks,
                        capacity=deps.settings.mentor_capacity,
                    )
            except Exception:
                release(sessions=deps.sessions, job=JOB, key=key)
                raise
            complete(sessions=deps.sessions, job=JOB, key=key, now=now)
            rounds += 1
            started += result.started
            ended += result.ended
        done, wait = _deliver(deps, team_id, now, thank=True)
        thanked, waiting = thanked + done, waiting + wait
        done, wait = _deliver(deps, team_id, now, thank=False)
        introduced, waiting = introduced + done, waiting + wait
    return (
        f"pairing {period}: {rounds} round(s), {ended} ended, {started} started, "
        f"{thanked} thanked, {introduced} introduced, {waiting} waiting for a good moment"
    )


def _good_moment(deps: Deps, group: GroupView, now: datetime) -> bool:
    with deps.sessions() as session:
        prefs = load_preferences(session=session, team_id=group.team_id, user_ids=group.user_ids)
    people = []
    for uid in group.user_ids:
        person = deps.directory.get(deps.client, group.team_id, uid)
        people.append(Availability(user_id=uid, prefs=prefs[uid], tz=person.tz if person else None))
    return mentoring.good_moment_to_introduce(people, now=now, anchor=group.mentee_id)


def _deliver(deps: Deps, team_id: str, now: datetime, *, thank: bool) -> tuple[int, int]:
    """(delivered, still waiting for a good moment) for this team's thanks or introductions."""
    with deps.sessions() as session:
        find = mentoring.groups_to_thank if thank else mentoring.groups_to_introduce
        groups = find(session=session, team_id=team_id)
    done = waiting = 0
    for group in groups:
        stale = thank and group.ended_at is not None and now - group.ended_at > THANKS_STALE
        if not stale and not _good_moment(deps, group, now):
            waiting += 1
            continue
        job = "pairing-thanks" if thank else "pairing-intro"
        key = f"{team_id}:{group.id}"
        if not claim(sessions=deps.sessions, team_id=team_id, job=job, key=key, now=now):
            continue
        try:
            if stale:
                channel_id = group.channel_id  # too late to be a thank-you; never sent
            else:
                channel_id = _thank(deps, group) if thank else _introduce(deps, group)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error not in _PERMANENT:
                log.warning(
                    "pairing: %s for group %s failed (%s); retrying later", job, group.id, error
                )
                release(sessions=deps.sessions, job=job, key=key)
                continue
            log.warning("pairing: %s for group %s impossible (%s)", job, group.id, error)
            channel_id = None
        with deps.sessions.begin() as session:
            if thank:
                mentoring.mark_thanked(session=session, team_id=team_id, group_id=group.id, now=now)
            else:
                mentoring.mark_introduced(
                    session=session,
                    team_id=team_id,
                    group_id=group.id,
                    channel_id=channel_id,
                    now=now,
                )
        complete(sessions=deps.sessions, job=job, key=key, now=now)
        done += not stale
    return done, waiting


def _introduce(deps: Deps, group: GroupView) -> str | None:
    if len(group.user_ids) < 2:
        return None
    opened = deps.client.conversations_open(users=",".join(group.user_ids))
    channel_id = str(opened["channel"]["id"])
    message = introduction_message(group, deps.settings.pairing_horizon_weeks)
    deps.client.chat_postMessage(channel=channel_id, **message)
    return channel_id


def _thank(deps: Deps, group: GroupView) -> str | None:
    if not group.channel_id or not group.user_ids:
        return group.channel_id
    with deps.sessions() as session:
        sessions = mentoring.group_session_count(
            session=session, team_id=group.team_id, group_id=group.id
        )
    deps.client.chat_postMessage(channel=group.channel_id, **thanks_message(group, sessions))
    return group.channel_id
