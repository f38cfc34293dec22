"""`/mentor …`: join, leave, status, log a session, the confidential avoid list, circles."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.mentoring import (
    avoid_message,
    joined_message,
    left_message,
    logged_message,
    status_message,
    usage_message,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.services import mentoring
from bot.services.mentoring import LoggedSession
from bot.services.people import Person
from bot.text import USER_MENTION, from_slack
from handlers.feedback import offer_feedback

USAGE = "usage"  # DomainError.field meaning "show the usage with the message"


def _usage_error(message: str) -> DomainError:
    return DomainError(message, field=USAGE)


def find_person(deps: Deps, client: WebClient, team_id: str, word: str) -> Person:
    """`<@U…>` or a plain `@name` → the person, or a clear DomainError."""
    match = USER_MENTION.fullmatch(word)
    if match:
        person = deps.directory.get(client, team_id, match.group(1))
        if person is None:
            raise DomainError(f"I couldn't find <@{match.group(1)}> in this workspace.")
        return person
    if not word.startswith("@") or len(word) < 2:
        raise _usage_error("Mention the person, e.g. `@alex`.")
    person = deps.directory.find_by_name(client, team_id, word[1:80])
    if person is None:
        raise DomainError(
            f"I couldn't find anyone called {word[:80]}. Pick them from Slack's autocomplete so "
            "the name turns into a link."
        )
    return person


def log_mentoring_session(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, other: Person, notes: str
) -> LoggedSession:
    """The one path that records a mentoring session; then the person helped (the mentee; in
    a circle, the one who logged it) is offered, once per pair or circle, to send feedback."""
    logger = deps.directory.get(client, team_id, user_id) or Person(id=user_id, team_id=team_id)
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
            client,
            deps,
            team_id=team_id,
            helped_id=logged.helped_id,
            helper_id=logged.helper_id,
            about=logged.about,
        )
    return logged


def register(app: App, deps: Deps) -> None:
    def join(team_id: str, user_id: str, role: str, words: list[str], client: WebClient) -> Any:
        topics = mentoring.parse_topics(words)
        person = deps.directory.get(client, team_id, user_id) or Person(id=user_id, team_id=team_id)
        with deps.sessions.begin() as session:
            enrollment = mentoring.join(
                session=session, person=person, role=role, topics=topics, now=deps.clock()
            )
        return joined_message(enrollment)

    def run(sub: str, args: list[str], command: dict[str, Any], client: WebClient) -> Any:
        team_id, user_id = command["team_id"], command["user_id"]
        now = deps.clock()
        if sub == "join":
            role = args[0].lower() if args else ""
            if role not in (mentoring.MENTOR, mentoring.MENTEE):
                raise _usage_error("Join as a `mentor` or a `mentee`.")
            return join(team_id, user_id, role, args[1:], client)
        if sub == "circle":
            if not args or args[0].lower() != "join":
                raise _usage_error(
                    "To join a peer coaching circle: `/mentor circle join [topics…]`."
                )
            return join(team_id, user_id, mentoring.CIRCLE, args[1:], client)
        if sub == "leave":
            with deps.sessions.begin() as session:
                result = mentoring.leave(session=session, team_id=team_id, user_id=user_id, now=now)
            return left_message(result)
        if sub == "status":
            with deps.sessions.begin() as session:
                status = mentoring.status(session=session, team_id=team_id, user_id=user_id)
            return status_message(user_id, status)
        if sub == "log":
            if not args:
                raise _usage_error("Who did you meet? `/mentor log @name <notes>`.")
            other = find_person(deps, client, team_id, args[0])
            notes = " ".join(args[1:])
            logged = log_mentoring_session(
                deps, client, team_id=team_id, user_id=user_id, other=other, notes=notes
            )
            return logged_message(logged)
        if sub == "avoid":
            if len(args) != 1:
                raise _usage_error("Mention one person: `/mentor avoid @name`.")
            other = find_person(deps, client, team_id, args[0])
            with deps.sessions.begin() as session:
                added = mentoring.avoid(
                    session=session, team_id=team_id, user_id=user_id, other=other, now=now
                )
            return avoid_message(other.id, added)
        if sub in ("", "help"):
            return usage_message()
        raise _usage_error(f"I don't know `/mentor {sub[:40]}`.")

    @app.command("/mentor")
    def mentor_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        words = from_slack(command.get("text") or "").split()
        sub = words[0].lower() if words else ""
        try:
            reply = run(sub, words[1:], command, client)
        except DomainError as error:
            reply = usage_message(error.message) if error.field == USAGE else None
            respond(**(reply or {"text": error.message}), response_type="ephemeral")
            return
        respond(**reply, response_type="ephemeral")
