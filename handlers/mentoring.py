"""`/mentor …`: join, leave, status, log a session, the confidential avoid list, circles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks import usage
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
from bot.flows.home import publish_home
from bot.flows.mentoring import log_mentoring_session
from bot.payloads import team_of
from bot.services import mentoring
from bot.services.people import Person
from bot.text import USER_MENTION, from_slack
from handlers.onboarding import join_buddy, leave_buddy
from handlers.routing import Routes

Reply = dict[str, Any]


def register(app: Routes) -> None:
    app.command("/mentor")(mentor_command, queued=True)
    for suffix in ("", "_mentor", "_circle"):  # App Home: Find a mentor, Be a mentor, a circle
        app.action(ids.HOME_MENTOR_JOIN_ACTION + suffix)(home_join_clicked, queued=True)
    app.action(ids.HOME_MENTOR_LEAVE_ACTION)(home_leave_clicked, queued=True)


def home_join_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """App Home's Join buttons: join as the button says (topics can follow with `/mentor`),
    then show the Home again, now with the sign-up in it."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    role = {"mentor": mentoring.MENTOR, "circle": mentoring.CIRCLE}.get(
        str(action.get("value")), mentoring.MENTEE
    )
    _join(deps, client, team_id, user_id, role, [])
    publish_home(deps, client, team_id=team_id, user_id=user_id)


def home_leave_clicked(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """App Home's Leave button: step out of mentoring and circles, then show the Home again."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    leave(deps, client, team_id, user_id, [])
    publish_home(deps, client, team_id=team_id, user_id=user_id)


def mentor_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
) -> None:
    ack()
    words = from_slack(command.get("text") or "").split()
    sub = words[0].lower() if words else ""
    run = SUBCOMMANDS.get(sub)
    if run is None:
        if sub not in ("", "help"):
            raise mistake(usage.unknown_word(words[0], SUBCOMMANDS))
        respond(**usage_message(), response_type="ephemeral")
        return
    reply = run(deps, client, command["team_id"], command["user_id"], words[1:])
    respond(**reply, response_type="ephemeral")


def mistake(message: str) -> DomainError:
    """A malformed `/mentor` command: the message, then how to write it."""
    return DomainError(message, usage=usage.MENTOR)


def find_person(deps: Deps, client: WebClient, team_id: str, word: str) -> Person:
    """`<@U…>` or a plain `@name` → the person, or a clear DomainError."""
    match = USER_MENTION.fullmatch(word)
    if match:
        return deps.directory.require(client, team_id, match.group(1))
    if not word.startswith("@") or len(word) < 2:
        raise mistake("Mention the person, e.g. `@alex`.")
    person = deps.directory.find_by_name(client, team_id, word[1:80])
    if person is None:
        raise DomainError(
            f"I couldn't find anyone called {word[:80]}. Pick them from Slack's autocomplete so "
            "the name turns into a link."
        )
    return person


def join(deps: Deps, client: WebClient, team_id: str, user_id: str, args: list[str]) -> Reply:
    role = args[0].lower() if args else ""
    if role == "buddy":
        return join_buddy(deps, client, team_id, user_id, args[1:])
    if role not in (mentoring.MENTOR, mentoring.MENTEE):
        raise mistake("Join as a `mentor`, a `mentee` or an onboarding `buddy`.")
    return _join(deps, client, team_id, user_id, role, args[1:])


def join_circle(
    deps: Deps, client: WebClient, team_id: str, user_id: str, args: list[str]
) -> Reply:
    if not args or args[0].lower() != "join":
        raise mistake("To join a peer coaching circle: `/mentor circle join [topics…]`.")
    return _join(deps, client, team_id, user_id, mentoring.CIRCLE, args[1:])


def _join(
    deps: Deps, client: WebClient, team_id: str, user_id: str, role: str, words: list[str]
) -> Reply:
    topics = mentoring.parse_topics(words)
    person = deps.directory.profile(client, team_id, user_id)
    with deps.sessions.begin() as session:
        enrollment = mentoring.join(
            session=session, person=person, role=role, topics=topics, now=deps.clock()
        )
    return joined_message(enrollment)


def leave(deps: Deps, client: WebClient, team_id: str, user_id: str, args: list[str]) -> Reply:
    if args and args[0].lower() == "buddy":
        return leave_buddy(deps, team_id, user_id)
    with deps.sessions.begin() as session:
        result = mentoring.leave(
            session=session, team_id=team_id, user_id=user_id, now=deps.clock()
        )
    return left_message(result)


def status(deps: Deps, client: WebClient, team_id: str, user_id: str, args: list[str]) -> Reply:
    with deps.sessions() as session:
        found = mentoring.status(session=session, team_id=team_id, user_id=user_id)
    return status_message(user_id, found)


def log(deps: Deps, client: WebClient, team_id: str, user_id: str, args: list[str]) -> Reply:
    if not args:
        raise mistake("Who did you meet? `/mentor log @name &lt;notes&gt;`.")
    other = find_person(deps, client, team_id, args[0])
    logged = log_mentoring_session(
        deps, client, team_id=team_id, user_id=user_id, other=other, notes=" ".join(args[1:])
    )
    return logged_message(logged)


def avoid(deps: Deps, client: WebClient, team_id: str, user_id: str, args: list[str]) -> Reply:
    if len(args) != 1:
        raise mistake("Mention one person: `/mentor avoid @name`.")
    other = find_person(deps, client, team_id, args[0])
    with deps.sessions.begin() as session:
        added = mentoring.avoid(
            session=session, team_id=team_id, user_id=user_id, other=other, now=deps.clock()
        )
    return avoid_message(other.id, added)


SUBCOMMANDS: dict[str, Callable[[Deps, WebClient, str, str, list[str]], Reply]] = {
    "join": join,
    "circle": join_circle,
    "leave": leave,
    "status": status,
    "log": log,
    "avoid": avoid,
}
