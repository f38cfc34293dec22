"""The weekly pairing job: once per team and ISO week (from Monday 09:00 UTC) it rotates the
pairs and circles whose horizon ended and forms new ones; on every run it delivers what is
waiting: thanks to the groups that ended, introductions (a group DM with everyone and a
suggested first topic) to the new ones. Each round and each delivery is claimed, so running
it twice, or in two replicas, does nothing twice; a failed delivery is retried next tick.

Introductions and thanks are messages the bot starts on its own, so they go through the one
gate (`bot.services.gate.decide`, kind `pairing`) for every member — working hours and days in
their zone, pause, the pairing opt-out, Slack do-not-disturb (`dnd.info`, asked only when
everything else already allows the message) and their weekly cap — with the overlap rule of
`mentoring.good_moment_to_introduce` on top: it goes when the gate says SEND for everyone, or,
when their working windows never line up in the coming week, for the mentee (the anchor of a
pair); never while anyone is paused. A message that goes is recorded as a sent nudge for each
member (once per member, group and kind), so it counts towards their weekly cap. A thanks
still waiting a week after the group ended is dropped rather than sent late.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.mentoring import introduction_message, quiet_pair_nudge, thanks_message
from bot.deps import Deps
from bot.flows.once import Once, run_once
from bot.flows.outbox import post_once
from bot.services import mentoring
from bot.services import nudges as records
from bot.services.gate import Kind, Verdict
from bot.services.mentoring import Availability, GroupView
from bot.services.preferences import load_preferences
from bot.slack_api import error_of, gives_up, member_dnd, open_dm

log = logging.getLogger(__name__)

JOB = "pairing"
THANKS_STALE = timedelta(days=7)


def pairing_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    """`channel` (from `run-job --channel`) runs this week's round even before it is due."""
    with deps.sessions() as session:
        teams = mentoring.teams_in_program(session=session)
    due = channel is not None or mentoring.round_is_due(now)
    period = mentoring.round_key(now)
    rounds = started = ended = thanked = introduced = waiting = 0
    for team_id in teams:

        def form_round(team_id: str = team_id) -> None:
            nonlocal started, ended
            with deps.sessions.begin() as session:
                result = mentoring.run_round(
                    session=session,
                    team_id=team_id,
                    now=now,
                    horizon_weeks=deps.settings.pairing_horizon_weeks,
                    capacity=deps.settings.mentor_capacity,
                )
            started += result.started
            ended += result.ended

        if due:
            outcome = run_once(
                deps.sessions,
                team_id=team_id,
                job=JOB,
                key=f"{team_id}:{period}",
                now=now,
                work=form_round,
            )
            rounds += outcome is Once.DONE
        done, wait = _deliver(deps, team_id, now, thank=True)
        thanked, waiting = thanked + done, waiting + wait
        done, wait = _deliver(deps, team_id, now, thank=False)
        introduced, waiting = introduced + done, waiting + wait
    return (
        f"pairing {period}: {rounds} round(s), {ended} ended, {started} started, "
        f"{thanked} thanked, {introduced} introduced, {waiting} waiting for a good moment"
    )


def _good_moment(deps: Deps, client: WebClient, group: GroupView, now: datetime) -> bool:
    """The gate for every member plus the overlap rule; `dnd.info` only once all else allows."""
    with deps.sessions() as session:
        prefs = load_preferences(session=session, team_id=group.team_id, user_ids=group.user_ids)
        sent = {
            uid: tuple(
                records.sent_times(session=session, team_id=group.team_id, user_id=uid, now=now)
            )
            for uid in group.user_ids
        }
    people: list[Availability] = []
    reachable: set[str] = set()
    for uid in group.user_ids:
        person = deps.directory.get(client, group.team_id, uid)
        if person is not None and not person.deleted and not person.is_bot:
            reachable.add(uid)
        people.append(
            Availability(
                user_id=uid, prefs=prefs[uid], tz=person.tz if person else None, sent=sent[uid]
            )
        )
    anchor = group.mentee_id
    if not mentoring.good_moment_to_introduce(people, now=now, anchor=anchor):
        return False
    # Everything else allows it now: ask Slack about do-not-disturb for those it would reach.
    people = [
        replace(p, dnd=member_dnd(client, p.user_id, now))
        if p.user_id in reachable and mentoring.pairing_decision(p, now=now).verdict is Verdict.SEND
        else p
        for p in people
    ]
    return mentoring.good_moment_to_introduce(people, now=now, anchor=anchor)


def _deliver(deps: Deps, team_id: str, now: datetime, *, thank: bool) -> tuple[int, int]:
    """(delivered, still waiting for a good moment) for this team's thanks or introductions."""
    client = deps.client_for(team_id)
    with deps.sessions() as session:
        find = mentoring.groups_to_thank if thank else mentoring.groups_to_introduce
        groups = find(session=session, team_id=team_id)
    done = waiting = 0
    job = "pairing-thanks" if thank else "pairing-intro"
    for group in groups:
        stale = thank and group.ended_at is not None and now - group.ended_at > THANKS_STALE
        if not stale and not _good_moment(deps, client, group, now):
            waiting += 1
            continue
        outcome = run_once(
            deps.sessions,
            team_id=team_id,
            job=job,
            key=f"{team_id}:{group.id}",
            now=now,
            work=partial(_deliver_one, deps, client, group, now, thank=thank, stale=stale),
        )
        done += outcome is Once.DONE and not stale
    return done, waiting


def _deliver_one(
    deps: Deps, client: WebClient, group: GroupView, now: datetime, *, thank: bool, stale: bool
) -> None:
    """Post the thanks or introduction (never a stale thanks), then mark the group delivered;
    a DM Slack says can never go (someone left) marks it delivered without one."""
    job = "pairing-thanks" if thank else "pairing-intro"
    posted = False
    channel_id = group.channel_id
    if not stale:
        try:
            channel_id, posted = (
                _thank(deps, client, group) if thank else _introduce(deps, client, group)
            )
        except SlackApiError as exc:
            if not gives_up(exc):
                raise
            log.warning("pairing: %s for group %s impossible (%s)", job, group.id, error_of(exc))
            channel_id = None
    with deps.sessions.begin() as session:
        if posted:  # it counts towards each member's weekly cap, once
            _count_for_each(session, group, key=f"{job}:{group.id}", now=now)
        if thank:
            mentoring.mark_thanked(
                session=session, team_id=group.team_id, group_id=group.id, now=now
            )
        else:
            mentoring.mark_introduced(
                session=session,
                team_id=group.team_id,
                group_id=group.id,
                channel_id=channel_id,
                now=now,
            )


def _introduce(deps: Deps, client: WebClient, group: GroupView) -> tuple[str | None, bool]:
    """(the group DM's channel, whether the introduction was posted)."""
    if len(group.user_ids) < 2:
        return None, False
    channel_id = open_dm(client, group.user_ids)
    message = introduction_message(group, deps.settings.pairing_horizon_weeks)
    post_once(
        deps,
        client,
        team_id=group.team_id,
        key=f"pairing-intro:{group.team_id}:{group.id}",
        channel=channel_id,
        message=message,
    )
    return channel_id, True


def _thank(deps: Deps, client: WebClient, group: GroupView) -> tuple[str | None, bool]:
    """(the group DM's channel, whether the thanks was posted)."""
    if not group.channel_id or not group.user_ids:
        return group.channel_id, False
    with deps.sessions() as session:
        sessions = mentoring.group_session_count(
            session=session, team_id=group.team_id, group_id=group.id
        )
    post_once(
        deps,
        client,
        team_id=group.team_id,
        key=f"pairing-thanks:{group.team_id}:{group.id}",
        channel=group.channel_id,
        message=thanks_message(group, sessions),
    )
    return group.channel_id, True


def nudge_quiet_pairs(deps: Deps, team_id: str, pairs: list[GroupView], now: datetime) -> int:
    """A pair with no session logged for weeks gets one gentle nudge in the pair's group DM
    (`conversations.open` with both), once, when the gate allows it for both of them, as
    introductions do; it counts towards each one's weekly cap. How many were nudged now."""
    client = deps.client_for(team_id)
    done = 0
    for group in pairs:
        with deps.sessions() as session:
            prefs = load_preferences(session=session, team_id=team_id, user_ids=group.user_ids)
        if any(p.opt_out_pairing for p in prefs.values()):  # the DM would reach them too
            continue
        if len(group.user_ids) < 2 or not _good_moment(deps, client, group, now):
            continue
        outcome = run_once(
            deps.sessions,
            team_id=team_id,
            job="quiet-pair",
            key=f"{team_id}:{group.id}",
            now=now,
            work=partial(_nudge_quiet_pair, deps, client, group, now),
        )
        done += outcome is Once.DONE
    return done


def _nudge_quiet_pair(deps: Deps, client: WebClient, group: GroupView, now: datetime) -> None:
    try:
        channel_id = open_dm(client, group.user_ids)
        post_once(
            deps,
            client,
            team_id=group.team_id,
            key=f"quiet-pair:{group.team_id}:{group.id}",
            channel=channel_id,
            message=quiet_pair_nudge(group, weeks=3),
        )
    except SlackApiError as exc:
        if not gives_up(exc):
            raise
        log.warning(
            "pairing: quiet-pair nudge for group %s impossible (%s)", group.id, error_of(exc)
        )
        return
    with deps.sessions.begin() as session:
        _count_for_each(session, group, key=f"quiet-pair:{group.id}", now=now)


def _count_for_each(session: Session, group: GroupView, *, key: str, now: datetime) -> None:
    """One message to a group: it counts towards each member's weekly cap, once."""
    for uid in group.user_ids:
        records.record_sent(
            session=session, team_id=group.team_id, user_id=uid, kind=Kind.PAIRING, key=key, now=now
        )
