"""Logging a mentoring session: the one path, shared by `/mentor log` and anything else that
records one, followed by the feedback offer it earns."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.deps import Deps
from bot.flows.feedback import offer_feedback
from bot.services import mentoring
from bot.services.mentoring import LoggedSession
from bot.services.people import Person


def log_mentoring_session(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, other: Person, notes: str
) -> LoggedSession:
    """Record the session; then the person helped (the mentee; in a circle, the one who
    logged it) is offered, once per pair or circle, to send feedback."""
    logger = deps.directory.profile(client, team_id, user_id)
    with deps.sessions.begin() as session:
        logged = mentoring.log_session(
            session=session,
            team_id=team_id,
            logger=logger,
            other=other,
            notes=notes,
            now=deps.clock(),
        )
    if not logged.already:
        offer_feedback(
            deps,
            client,
            team_id=team_id,
            helped_id=logged.helped_id,
            helper_id=logged.helper_id,
            about=logged.about,
        )
    return logged
