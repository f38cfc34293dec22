"""The contribution record's two deliveries, both only ever on the owner's press: the
Markdown file in their own DM, and one copy by DM to the one person they picked."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.record import (
    record_filename,
    record_markdown,
    shared_record_message,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.flows.once import run_once
from bot.flows.outbox import post_once
from bot.services.record import Period, Record, contribution_record, parse_period
from bot.slack_api import open_dm
from bot.work import stable_id


def record_for(deps: Deps, client: WebClient, *, team_id: str, user_id: str, spec: str) -> Record:
    """The person's record over the period they asked for (dates in their own time zone)."""
    person = deps.directory.get(client, team_id, user_id)
    period: Period = parse_period(spec, now=deps.clock(), tz=person.tz if person else "UTC")
    with deps.sessions() as session:
        return contribution_record(session=session, team_id=team_id, user_id=user_id, period=period)


def names_in(deps: Deps, client: WebClient, team_id: str, record: Record) -> dict[str, str]:
    """How the file writes each person it names: their Slack name."""
    wanted = {record.user_id}
    wanted |= {h.requester_id for h in record.help_given}
    wanted |= {r.giver_id for r in record.recognition}
    wanted |= {s.with_user for s in record.mentoring}
    names: dict[str, str] = {}
    for user_id in sorted(wanted):
        person = deps.directory.get(client, team_id, user_id)
        names[user_id] = person.label if person is not None else user_id
    return names


def send_record_file(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, spec: str
) -> Record:
    """The record as a Markdown file in the owner's DM with the bot, uploaded once per press."""
    record = record_for(deps, client, team_id=team_id, user_id=user_id, spec=spec)
    content = record_markdown(record, names_in(deps, client, team_id, record))

    def upload() -> None:
        channel = open_dm(client, [user_id])
        client.files_upload_v2(
            channel=channel,
            content=content,
            filename=record_filename(record),
            title=f"Contribution record — {record.period.label}",
            initial_comment="Here's your contribution record, ready to paste into a self-review.",
        )

    run_once(
        deps.sessions,
        team_id=team_id,
        job="record-file",
        key=f"{team_id}:{user_id}:{stable_id('record-file')}",
        now=deps.clock(),
        work=upload,
    )
    return record


def share_record(
    deps: Deps, client: WebClient, *, team_id: str, sharer_id: str, receiver_id: str, spec: str
) -> None:
    """One copy of the sharer's record, by DM, to the person they picked."""
    receiver = deps.directory.get(client, team_id, receiver_id)
    if receiver is None or receiver.is_bot or receiver.deleted:
        raise DomainError("Pick a person in this workspace (not a bot) to share your record with.")
    if receiver_id == sharer_id:
        raise DomainError("That's you — *Download* puts the record in your DM.")
    record = record_for(deps, client, team_id=team_id, user_id=sharer_id, spec=spec)
    post_once(
        deps,
        client,
        team_id=team_id,
        key=f"record-share:{team_id}:{stable_id('record-share')}",
        channel=receiver_id,
        message=shared_record_message(record, sharer_id),
    )
