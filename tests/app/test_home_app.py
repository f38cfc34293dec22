"""App Home through the real app: `app_home_opened` (Home tab only) publishes a personal
dashboard; **Refresh** republishes it; its buttons reach the settings and feedback modals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.services import feedback, mentoring, topics
from tests.app.test_me_app import ALICE, BOB, CAROL, DAVE, NOW, T, ask, give_kudos, react, seed
from tests.conftest import Bot

HOME_VIEW = {"id": "VHOME123", "type": "home", "team_id": T, "blocks": []}


def open_home(bot: Bot, user: str = "UALICE", tab: str = "home") -> Any:
    return bot.event(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": tab,
            "event_ts": "1764075600.000100",
        }
    )


def published(bot: Bot) -> list[dict[str, Any]]:
    return bot.slack.calls_to("views.publish")


def home_text(call: dict[str, Any]) -> str:
    return json.dumps(call["view"], ensure_ascii=False)


def sections(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]


def add_topics(sessions: sessionmaker[Session], user_id: str, *names: str) -> None:
    with sessions.begin() as session:
        topics.add_topics(session=session, team_id=T, user_id=user_id, topics=list(names), now=NOW)


# ----- opening the Home tab ---------------------------------------------------------------
def test_opening_home_publishes_a_dashboard_for_that_person(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        seed(session)
    reply = open_home(bot)
    assert reply.status == 200
    (call,) = published(bot)
    assert call["user_id"] == "UALICE"
    view = call["view"]
    assert view["type"] == "home"
    assert len(view["blocks"]) <= 100
    assert all(len(text) <= 3000 for text in sections(view))
    actions = next(b for b in view["blocks"] if b.get("block_id") == ids.HOME_ACTIONS_BLOCK)
    assert [e["action_id"] for e in actions["elements"]] == [
        ids.SETTINGS_OPEN_ACTION,
        ids.HOME_REFRESH_ACTION,
    ]
    text = home_text(call)
    assert "Your last 7 days" in text
    assert "Kudos — gave 1 · received 1" in text  # this week's, not the one from long ago
    assert "<@UBOB> is your mentor" in text  # the pair from the seeded round
    assert "Sessions logged: 1" in text
    assert "Nobody is waiting on feedback from you" in text


def test_opening_the_messages_tab_does_nothing(bot: Bot) -> None:
    open_home(bot, tab="messages")
    assert not published(bot)
    assert not bot.slack.calls_to("chat.postMessage")


def test_bots_and_deactivated_people_get_no_home(bot: Bot) -> None:
    open_home(bot, user="UROBOT")
    open_home(bot, user="UGONE")
    assert not published(bot)


def test_a_malformed_event_is_ignored(bot: Bot) -> None:
    reply = bot.event({"type": "app_home_opened", "tab": "home", "event_ts": "1.2"})
    assert reply.status == 200
    assert not published(bot)


def test_someone_new_gets_warm_empty_states_with_next_steps(bot: Bot) -> None:
    open_home(bot, user="UDAVE")
    text = home_text(published(bot)[0])
    assert "A quiet stretch" in text and "/kudos" in text
    assert "/reciprocity topics add" in text
    assert ids.HOME_MENTOR_JOIN_ACTION in text and "Find a mentor" in text
    assert "/feedback request" in text
    assert not bot.slack.calls_to("conversations.members"), "no topics, nothing to look up"


def test_a_redelivered_event_publishes_once(bot: Bot) -> None:
    event = {
        "type": "app_home_opened",
        "user": "UALICE",
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1764075600.000200",
    }
    bot.event(event, event_id="EvHOMEONCE")
    bot.event(event, event_id="EvHOMEONCE", retry_num=1)
    assert len(published(bot)) == 1


# ----- open requests you could help with --------------------------------------------------
def test_requests_matching_my_topics_in_my_channels(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    add_topics(sessions, "UALICE", "python", "sql")
    bot.slack.channel_members.update(
        {"CENG": ["UALICE", "UBOB"], "CSALES": ["UBOB", "UCAROL"], "CDATA": ["UALICE"]}
    )
    with sessions.begin() as session:
        ask(session, BOB, NOW - timedelta(hours=5), "python-in-eng", ("python",), "CENG")
        ask(session, CAROL, NOW - timedelta(hours=4), "sql-in-data", ("sql", "etl"), "CDATA")
        ask(session, CAROL, NOW - timedelta(hours=3), "python-in-sales", ("python",), "CSALES")
        ask(session, BOB, NOW - timedelta(hours=2), "go-in-eng", ("go",), "CENG")
        ask(session, ALICE, NOW - timedelta(hours=1), "my-own", ("python",), "CENG")
    open_home(bot)
    text = home_text(published(bot)[0])
    assert "How do I python-in-eng?" in text and "<#CENG>" in text
    assert "How do I sql-in-data?" in text and "#etl" in text
    assert "python-in-sales" not in text, "Alice isn't in #sales"
    assert "go-in-eng" not in text, "not her topic"
    assert "my-own" not in text, "not her own request"
    assert text.index("sql-in-data") < text.index("python-in-eng"), "newest first"
    checked = {c["channel"] for c in bot.slack.calls_to("conversations.members")}
    assert checked == {"CENG", "CDATA", "CSALES"}


def test_no_matching_request_says_so_kindly(bot: Bot, sessions: sessionmaker[Session]) -> None:
    add_topics(sessions, "UALICE", "rust")
    with sessions.begin() as session:
        ask(session, BOB, NOW, "python-q", ("python",), "CENG")
    open_home(bot)
    text = home_text(published(bot)[0])
    assert "Nothing open matches your topics (`rust`)" in text
    assert "python-q" not in text


def test_membership_is_read_page_by_page_and_hidden_channels_are_skipped(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    add_topics(sessions, "UALICE", "python")
    with sessions.begin() as session:
        ask(session, BOB, NOW - timedelta(hours=2), "in-big", ("python",), "CBIG")
        ask(session, BOB, NOW - timedelta(hours=1), "in-secret", ("python",), "GSECRET")

    def members(params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel") == "GSECRET":
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("cursor"):
            page = {"members": ["UBOB"], "response_metadata": {"next_cursor": "page2"}}
        else:
            page = {"members": ["UALICE"], "response_metadata": {"next_cursor": ""}}
        return {"ok": True, **page}

    bot.slack.handlers["conversations.members"] = members
    open_home(bot)
    text = home_text(published(bot)[0])
    assert "in-big" in text
    assert "in-secret" not in text
    assert [
        c.get("cursor")
        for c in bot.slack.calls_to("conversations.members")
        if c["channel"] == "CBIG"
    ] == [None, "page2"]


def test_request_text_is_escaped(bot: Bot, sessions: sessionmaker[Session]) -> None:
    add_topics(sessions, "UALICE", "python")
    with sessions.begin() as session:
        ask(session, BOB, NOW, "<!channel> & <https://evil|x> " + "ü" * 600, ("python",))
    open_home(bot)
    view = published(bot)[0]["view"]
    question = next(s for s in sections(view) if "How do I" in s)
    assert "<!channel>" not in question and "&lt;!channel&gt; &amp;" in question
    assert len(question) < 600


# ----- feedback waiting for you -------------------------------------------------------------
def test_pending_feedback_has_a_button_that_opens_the_feedback_form(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        (request,) = feedback.request_feedback(
            session=session,
            team_id=T,
            requester=BOB,
            reviewers=[ALICE],
            topic="my *launch* plan",
            now=NOW - timedelta(days=2),
        )
    open_home(bot)
    view = published(bot)[0]["view"]
    at = next(
        i
        for i, b in enumerate(view["blocks"])
        if b.get("block_id", "").startswith(ids.HOME_FEEDBACK_BLOCK)
    )
    block, said = view["blocks"][at], view["blocks"][at - 1]["text"]["text"]
    assert "<@UBOB> asked for your feedback" in said
    assert "launch" in said
    give, decline = block["elements"]
    assert (give["action_id"], give["value"]) == (ids.FEEDBACK_GIVE_ACTION, str(request.id))
    assert (decline["action_id"], decline["value"]) == (
        ids.FEEDBACK_DECLINE_ACTION,
        str(request.id),
    )

    bot.block_action(
        ids.FEEDBACK_GIVE_ACTION,
        str(request.id),
        user="UALICE",
        view=view,
        block_id=block["block_id"],
    )
    (opened,) = bot.slack.calls_to("views.open")
    assert opened["view"]["callback_id"] == ids.FEEDBACK_MODAL


def test_many_waiting_requests_stay_within_slack_limits(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    add_topics(sessions, "UALICE", "python")
    with sessions.begin() as session:
        for i in range(12):
            requester = (BOB, CAROL, DAVE)[i % 3]
            feedback.request_feedback(
                session=session,
                team_id=T,
                requester=requester,
                reviewers=[ALICE],
                topic="x" * 300,
                now=NOW - timedelta(hours=i + 1),
            )
            ask(session, requester, NOW - timedelta(minutes=i), f"q{i} " + "y" * 1900, ("python",))
    open_home(bot)
    view = published(bot)[0]["view"]
    assert len(view["blocks"]) <= 100
    assert all(len(text) <= 3000 for text in sections(view))
    assert sum(ids.FEEDBACK_GIVE_ACTION in json.dumps(b) for b in view["blocks"]) == 5
    assert "…and 7 more" in home_text(published(bot)[0])
    assert sum("How do I q" in s for s in sections(view)) == 5


# ----- mentoring circles --------------------------------------------------------------------
def test_a_circle_lists_the_other_peers(bot: Bot, sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for person in (ALICE, BOB, CAROL):
            mentoring.join(session=session, person=person, role="circle", topics=(), now=NOW)
        mentoring.run_round(session=session, team_id=T, now=NOW, horizon_weeks=6, capacity=2)
    open_home(bot)
    text = home_text(published(bot)[0])
    assert "Your circle:" in text
    assert "<@UBOB>" in text and "<@UCAROL>" in text


def test_signed_up_but_not_yet_paired(bot: Bot, sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        mentoring.join(session=session, person=ALICE, role="mentee", topics=("go",), now=NOW)
    open_home(bot)
    assert "next weekly round will introduce you" in home_text(published(bot)[0])


# ----- the buttons ------------------------------------------------------------------------
def test_refresh_republishes_with_fresh_numbers(bot: Bot, sessions: sessionmaker[Session]) -> None:
    open_home(bot)
    assert "A quiet stretch" in home_text(published(bot)[0])
    with sessions.begin() as session:
        give_kudos(session, BOB, ALICE, NOW)
        react(session, CAROL, ALICE, NOW, "5.5")
    bot.block_action(ids.HOME_REFRESH_ACTION, ids.HOME_REFRESH_ACTION, view=HOME_VIEW)
    assert len(published(bot)) == 2
    latest = home_text(published(bot)[-1])
    assert "Kudos — gave 0 · received 1" in latest
    assert "Thanks — gave 0 · received 1" in latest
    assert published(bot)[-1]["user_id"] == "UALICE"


def test_the_settings_button_opens_the_settings_modal(bot: Bot) -> None:
    bot.block_action(ids.SETTINGS_OPEN_ACTION, ids.SETTINGS_OPEN_ACTION, view=HOME_VIEW)
    (opened,) = bot.slack.calls_to("views.open")
    assert opened["view"]["callback_id"] == ids.SETTINGS_MODAL


# ----- buttons instead of typed commands ----------------------------------------------------
def test_open_requests_have_i_can_help_and_open_buttons_and_the_offer_is_recorded(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    add_topics(sessions, "UALICE", "python")
    bot.slack.channel_members.update({"CENG": ["UALICE", "UBOB"]})
    with sessions.begin() as session:
        ask(session, BOB, NOW - timedelta(hours=5), "python-in-eng", ("python",), "CENG")
    open_home(bot)
    view = published(bot)[0]["view"]
    rows = [b for b in view["blocks"] if b.get("block_id", "").startswith(ids.HOME_REQUEST_BLOCK)]
    (row,) = rows
    help_button, open_button = row["elements"]
    assert (
        help_button["action_id"] == ids.HELP_OFFER_ACTION
        and help_button["text"]["text"] == "I can help"
    )
    assert open_button["text"]["text"] == "Open" and open_button["url"].startswith("https://")
    bot.block_action(
        ids.HELP_OFFER_ACTION,
        help_button["value"],
        user="UALICE",
        view=view,
        block_id=row["block_id"],
    )
    from models.help_requests import HelpOffer

    with sessions() as session:
        offers = session.query(HelpOffer).all()
        assert [o.helper_id for o in offers] == ["UALICE"]


def test_mentoring_join_and_leave_are_buttons(bot: Bot, sessions: sessionmaker[Session]) -> None:
    open_home(bot, user="UDAVE")
    view = published(bot)[0]["view"]
    block = next(b for b in view["blocks"] if b.get("block_id") == ids.HOME_MENTORING_BLOCK)
    join = block["elements"][0]
    assert join["text"]["text"] == "Find a mentor"
    bot.block_action(
        join["action_id"], join["value"], user="UDAVE", view=view, block_id=block["block_id"]
    )
    with sessions() as session:
        found = mentoring.status(session=session, team_id=T, user_id="UDAVE")
        assert [role for role, _ in found.roles] == ["mentee"]
    view = published(bot)[-1]["view"]
    block = next(b for b in view["blocks"] if b.get("block_id") == ids.HOME_MENTORING_BLOCK)
    (leave,) = block["elements"]
    assert leave["action_id"] == ids.HOME_MENTOR_LEAVE_ACTION
    bot.block_action(
        leave["action_id"], leave["value"], user="UDAVE", view=view, block_id=block["block_id"]
    )
    with sessions() as session:
        found = mentoring.status(session=session, team_id=T, user_id="UDAVE")
        assert not found.roles
