"""Every message, modal and Home view from bot/blocks/*, fed long and odd input, stays within
Slack's documented Block Kit limits (walked generically by `block_kit_problems`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.blocks import (
    channels,
    digest,
    feedback,
    help_requests,
    home,
    insights,
    kudos,
    me,
    mentoring,
    onboarding,
    record,
    reminders,
    settings,
    stories,
    usage,
)
from bot.services.digest import (
    DigestData,
    KudosStory,
    OpenHelp,
    ResolvedHelp,
    Section,
    ThanksStory,
    Window,
)
from bot.services.feedback import Draft, GivenFeedback, Offer, RequestView
from bot.services.help_requests import RESOLVED, STALE, HelpCard, HelpDraft, Suggestion
from bot.services.kudos import KudosResult
from bot.services.me import MyNumbers, Numbers
from bot.services.mentoring import (
    CIRCLE,
    MENTEE,
    MENTOR,
    PAIR,
    Enrollment,
    GroupMemberView,
    GroupView,
    LeaveResult,
    LoggedSession,
    MentoringStatus,
)
from bot.services.onboarding import VolunteerResult
from bot.services.preferences import Preferences
from bot.services.record import HelpGiven, Recognition, Record, Resolved, Session_, parse_period
from bot.services.stories import AgreedStory
from tests.insights_helpers import built_report
from tests.slack_double import block_kit_problems

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
ODD = "Ünïcødé 🎉\u200d👩\u200d💻 <!channel> <@U1> &amp; *bold* `c` \u202e\u200b\n"
LONG = (ODD * 400)[:10000]  # 10,000 characters of awkward text
LINK = "https://test.slack.com/archives/C1/p1700000000000001?thread_ts=1.2&" + "q" * 300
MANY = [f"U{i:08d}" for i in range(60)]

Builder = Callable[[], dict[str, Any]]


def card(status: str = "open", **extra: Any) -> HelpCard:
    return HelpCard(
        key="k" * 40,
        requester_id="UALICE",
        channel_id="CGENERAL",
        question=LONG,
        details=LONG,
        urgency="today",
        tags=tuple(f"t{i}-{'x' * 40}" for i in range(12)),
        source_link=LINK,
        status=status,
        message_ts="1700000000.000001",
        helper_ids=tuple(MANY),
        suggestions=tuple(Suggestion(u, LONG[:200], i % 2 == 0) for i, u in enumerate(MANY)),
        thanked_ids=tuple(MANY),
        **extra,
    )


def request_view(i: int = 1, status: str = "requested", topic: str = LONG) -> RequestView:
    return RequestView(
        id=i,
        team_id="T0TEAM",
        requester_id=MANY[i % 60],
        reviewer_id="UBOB",
        topic=topic,
        message_link=LINK,
        status=status,
        requested_at=NOW,
    )


def given(i: int = 1) -> GivenFeedback:
    draft = Draft(situation=LONG, behaviour=LONG, impact=LONG, suggestion=LONG, went_well=LONG)
    return GivenFeedback(
        id=i,
        giver_id="UALICE",
        receiver_id="UBOB",
        topic=LONG,
        draft=draft,
        created_at=NOW,
        message_link=LINK,
    )


def group(kind: str = PAIR) -> GroupView:
    roles = (MENTOR, MENTEE) if kind == PAIR else (CIRCLE,) * 8
    return GroupView(
        id=1,
        team_id="T0TEAM",
        kind=kind,
        topic=LONG[:200],
        channel_id="G1",
        started_at=NOW,
        ends_at=NOW + timedelta(weeks=6),
        ended_at=None,
        members=tuple(GroupMemberView(MANY[i], r) for i, r in enumerate(roles)),
    )


def numbers(n: int = 10**9) -> Numbers:
    return Numbers(*(n for _ in range(10)))


def digest_data() -> DigestData:
    story = KudosStory(MANY[0], tuple(MANY), LONG, LONG[:80])
    resolved = ResolvedHelp(MANY[0], LONG, tuple(MANY))
    still_open = OpenHelp(MANY[0], LONG, "https://slack.com/archives/C1/p1")
    sections = [
        Section(
            key=key,
            items=10**6,
            more=10**6,
            people=set(MANY),
            received=Counter(dict.fromkeys(MANY, 3)),
            stories=[story] * 40,
            resolved=[resolved] * 40,
            resolved_count=10**6,
            still_open=[still_open] * 40,
            more_open=True,
            shared=10**6,
            answered=10**6,
            thanked=[ThanksStory(MANY[0], "1.1", 10**6)] * 40,
            open_count=10**6,
            groups=[("pair", tuple(MANY))] * 40,
            pairs=10**6,
            circles=10**6,
        )
        for key in ("kudos", "thanks", "help", "share", "mentoring", "feedback")
    ]
    return DigestData(
        window=Window("T0TEAM", "CGENERAL", NOW - timedelta(days=7), NOW),
        sections=sections,
        participants=10**6,
        plain_names={u: LONG[:100] for u in MANY},
        leaderboard=[(u, 99) for u in MANY[:3]],  # the service ranks the top three
        unnamed=MANY,
        message_texts={"1.1": LONG},
    )


def prefs() -> Preferences:
    return Preferences(
        tz="America/Argentina/ComodRivadavia",
        work_days=(0, 1, 2, 3, 4, 5, 6),
        weekly_nudge_cap=3,
        paused_until=NOW + timedelta(days=3),
        opt_out_prompts=True,
        opt_out_reminders=True,
        opt_out_pairing=True,
        opt_out_suggestions=True,
        opt_out_digest_mentions=True,
        allow_mentions=True,
    )


def settings_view() -> settings.SettingsView:
    return settings.SettingsView(
        prefs=prefs(),
        profile_tz="Asia/Kolkata",
        department=LONG,
        topics=[f"topic-{i}-{'y' * 30}" for i in range(40)],
        now=NOW,
    )


def metadata() -> str:
    return json.dumps({"channel_id": "C" * 20, "response_url": LINK, "source_link": LINK})


MESSAGES: dict[str, Builder] = {
    "insights.summary": lambda: insights.summary_message(
        built_report(department=LONG, notes=[LONG] * 5), LINK
    ),
    "insights.monthly": lambda: insights.monthly_message(built_report(department=LONG)),
    "channels.welcome": lambda: channels.welcome_message(
        {"prompt": "off", "digest": "on", "kudos": "here", "timezone": LONG[:64]}
    ),
    "digest": lambda: digest.digest_message(digest_data()),
    "digest.empty": digest.empty_week_message,
    "digest.share_prompt": digest.share_prompt_message,
    "feedback.request_dm": lambda: feedback.request_dm(request_view()),
    "feedback.reminder_dm": lambda: feedback.reminder_dm(request_view()),
    "feedback.request_closed_given": lambda: feedback.request_closed_dm(request_view(1, "given")),
    "feedback.request_closed": lambda: feedback.request_closed_dm(request_view(1, "declined")),
    "feedback.offer_dm": lambda: feedback.offer_dm([Offer(1, "UALICE", "UBOB", LONG)]),
    "feedback.offer_dm_many": lambda: feedback.offer_dm(
        [Offer(i, "UALICE", f"U{i:08d}", LONG) for i in range(30)],
        {f"U{i:08d}": LONG for i in range(30)},
        sent_to=[f"UX{i:07d}" for i in range(30)],
    ),
    "feedback.offer_closed": lambda: feedback.offer_closed_dm("UBOB", True),
    "feedback.declined_dm": lambda: feedback.declined_dm(request_view()),
    "feedback.delivery_dm": lambda: feedback.delivery_dm(given()),
    "feedback.list": lambda: feedback.feedback_list([given(i) for i in range(60)]),
    "feedback.list_empty": lambda: feedback.feedback_list([]),
    "help.card": lambda: help_requests.help_card(card()),
    "help.card_resolved": lambda: help_requests.help_card(card(RESOLVED)),
    "help.card_stale": lambda: help_requests.help_card(card(STALE)),
    "help.resolved_thread": lambda: help_requests.resolved_thread_message(
        requester_id="UALICE", thanked_ids=tuple(MANY), note=LONG
    ),
    "help.offer_thread": lambda: help_requests.offer_thread_message(
        requester_id="UALICE", helper_id="UBOB"
    ),
    "kudos": lambda: kudos.kudos_message(
        KudosResult("p1", "UALICE", MANY[:10], LONG[:1000], LONG[:80], "CGENERAL", LINK, 0)
    ),
    # MAX_REASON characters that mrkdwn escaping grows fivefold (& → &amp;), one per line.
    "kudos.escaped": lambda: kudos.kudos_message(
        KudosResult("p1", "UALICE", MANY[:10], "&\n" * 500, None, "CGENERAL", None, 0)
    ),
    "me": lambda: me.me_message(MyNumbers("UALICE", numbers(), numbers(), 30)),
    "me.empty": lambda: me.me_message(MyNumbers("UALICE", Numbers(), Numbers(), 30)),
    "mentoring.usage": lambda: mentoring.usage_message(LONG),
    "mentoring.joined": lambda: mentoring.joined_message(
        Enrollment(MENTOR, tuple(f"t{i}" for i in range(10)), False)
    ),
    "mentoring.left": lambda: mentoring.left_message(LeaveResult((MENTOR, MENTEE, CIRCLE), 9)),
    "mentoring.status": lambda: mentoring.status_message(
        MANY[0],
        MentoringStatus(
            roles=((MENTOR, ("a",) * 10), (MENTEE, ("b",) * 10), (CIRCLE, ())),
            groups=(group(PAIR), group(CIRCLE)) * 20,
            sessions_logged=10**6,
            avoiding=10**6,
        ),
    ),
    "mentoring.logged": lambda: mentoring.logged_message(
        LoggedSession(1, "T", "UALICE", "UBOB", 1, "UALICE", "UBOB", "UBOB", False, LONG)
    ),
    "mentoring.avoid": lambda: mentoring.avoid_message("UBOB", True),
    "mentoring.intro_pair": lambda: mentoring.introduction_message(group(PAIR), 6),
    "mentoring.intro_circle": lambda: mentoring.introduction_message(group(CIRCLE), 6),
    "mentoring.thanks": lambda: mentoring.thanks_message(group(CIRCLE), 10**6),
    "mentoring.quiet": lambda: mentoring.quiet_pair_nudge(group(PAIR)),
    "reminders.surface": lambda: reminders.help_surface_dm(
        request_key="k" * 32,
        requester_id="UALICE",
        channel_id="C1",
        question=LONG,
        tags=[LONG] * 20,
        link=LINK,
    ),
    "reminders.surface_helping": lambda: reminders.help_surface_answered_dm(
        requester_id="UALICE", channel_id="C1", link=LINK, helping=True
    ),
    "reminders.surface_declined": lambda: reminders.help_surface_answered_dm(
        requester_id="UALICE", channel_id="C1", link=None, helping=False
    ),
    "reminders.resolve": lambda: reminders.help_resolve_dm(
        channel_id="C1", question=LONG, helper_ids=MANY, link=LINK
    ),
    "onboarding.welcome": lambda: onboarding.welcome_message(
        "UNEW", "UBOB", 10**6, [(LONG, LINK + ">|x"), (LONG, None), ("", "javascript:x")] * 5
    ),
    "onboarding.welcome_no_buddy": lambda: onboarding.welcome_message("UNEW", None, 30),
    "onboarding.intro": lambda: onboarding.introduction_message("UNEW", "UBOB", 30),
    "onboarding.checkin": lambda: onboarding.checkin_message(20),
    "onboarding.all_good": lambda: onboarding.all_good_message(20),
    "onboarding.volunteers_needed": lambda: onboarding.volunteers_needed_message(30),
    "onboarding.thanks": lambda: onboarding.buddy_thanks_message("UNEW", 30),
    "onboarding.invite": lambda: onboarding.mentoring_invitation_message(30),
    "onboarding.joined": lambda: onboarding.joined_mentoring_message(False),
    "onboarding.volunteered": lambda: onboarding.volunteered_message(
        VolunteerResult(
            capacity=5, topics=tuple(LONG[:40] for _ in range(10)), already=True, programme_on=False
        )
    ),
    "onboarding.left": lambda: onboarding.left_buddy_message(True),
    "settings.paused": lambda: settings.paused_message(NOW, "Pacific/Chatham"),
    "settings.resumed": lambda: settings.resumed_message(True),
}


def big_record() -> Record:
    many = range(80)
    return Record(
        user_id="UALICE",
        team_id="T1",
        period=parse_period("since 2025-01-01", now=NOW),
        help_given=[HelpGiven(u, LONG, LINK, NOW) for u in MANY],
        people_helped=60,
        departments_helped=12,
        resolved=[Resolved(LONG, LINK, NOW) for _ in many],
        recognition=[
            Recognition(k, "UBOB", LONG, LONG[:80], LINK, NOW)
            for k in ("kudos", "thanks", "help_thanks")
            for _ in many
        ],
        kudos_given=10**6,
        thanks_given=10**6,
        mentoring=[Session_("UBOB", NOW) for _ in many],
        feedback_given=[NOW] * 80,
        feedback_received=[NOW] * 80,
        challenges_shared=3,
        share_help_replies=4,
        share_comments=5,
    )


def story(i: int) -> AgreedStory:
    return AgreedStory(f"k{i}", "UALICE", "UBOB", tuple(MANY), LONG, LONG, LINK, NOW)


MESSAGES.update(
    {
        "record": lambda: record.record_message(big_record()),
        "record.empty": lambda: record.record_message(
            Record("UALICE", "T1", parse_period("", now=NOW))
        ),
        "record.shared": lambda: record.shared_record_message(big_record(), "UALICE"),
        "stories.consent": lambda: stories.consent_dm(
            key="k" * 32, sharer_id="UALICE", text=LONG, why=LONG
        ),
        "stories.monthly": lambda: stories.monthly_post(
            [story(i) for i in range(5)], {u: LONG[:200] for u in MANY}, "November 2026"
        ),
    }
)

MODALS: dict[str, Builder] = {
    "record.share": lambda: record.share_modal("since 2026-01-01"),
    "stories.nominate": lambda: stories.story_modal(private_metadata=metadata(), preview=LONG),
    "feedback.give": lambda: feedback.feedback_modal(
        receiver_id="UBOB", private_metadata=metadata(), topic=LONG, message_link=LINK
    ),
    "feedback.sent": lambda: feedback.sent_view("UBOB"),
    "feedback.request": lambda: feedback.request_modal(
        private_metadata=metadata(), message_link=LINK
    ),
    "help.ask": lambda: help_requests.ask_modal(
        private_metadata=metadata(),
        draft=HelpDraft(LONG, LONG, "week", tuple(f"tag{i}" for i in range(12)), LINK),
    ),
    "help.ask_empty": lambda: help_requests.ask_modal(private_metadata=""),
    "help.ask_choose_channel": lambda: help_requests.ask_modal(
        private_metadata=metadata(),
        draft=HelpDraft(LONG, tags=("onboarding",)),
        choose_channel=True,
    ),
    "help.resolve": lambda: help_requests.resolve_modal(card=card(), private_metadata=metadata()),
    "kudos": lambda: kudos.kudos_modal(
        values=[f"{i} {LONG[:120]}" for i in range(150)],
        private_metadata=metadata(),
        initial_users=MANY,
        source_link=LINK,
    ),
    "kudos.no_values": lambda: kudos.kudos_modal(values=[], private_metadata=""),
    "settings": lambda: settings.settings_modal(settings_view(), private_metadata=metadata()),
    "settings.saved": lambda: settings.saved_modal(prefs(), "Asia/Kolkata", LONG, [LONG] * 40),
}

HOMES: dict[str, Builder] = {
    "home": lambda: home.home_view(
        home.HomeData(
            user_id="UALICE",
            week=numbers(),
            days=7,
            topics=tuple(f"topic{i}" for i in range(40)),
            requests=tuple(card() for _ in range(60)),
            mentoring=MentoringStatus(
                roles=((MENTOR, ("a",) * 10), (MENTEE, ("b",) * 10)),
                groups=(group(PAIR), group(CIRCLE)) * 20,
                sessions_logged=10**6,
                avoiding=3,
            ),
            awaiting=tuple(request_view(i) for i in range(60)),
        )
    ),
    "home.empty": lambda: home.home_view(home.HomeData(user_id="UDAVE", week=Numbers())),
    "home.record": lambda: home.home_view(
        home.HomeData(user_id="UDAVE", week=Numbers(), record=big_record())
    ),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_messages_stay_within_slacks_limits(name: str) -> None:
    message = MESSAGES[name]()
    assert isinstance(message.get("text"), str) and message["text"], "a plain-text fallback"
    assert block_kit_problems(message, "message") == []


@pytest.mark.parametrize("name", sorted(MODALS))
def test_modals_stay_within_slacks_limits(name: str) -> None:
    view = MODALS[name]()
    assert view["type"] == "modal"
    assert block_kit_problems(view, "modal") == []


@pytest.mark.parametrize("name", sorted(HOMES))
def test_home_views_stay_within_slacks_limits(name: str) -> None:
    view = HOMES[name]()
    assert view["type"] == "home"
    assert block_kit_problems(view, "home") == []


def test_text_replies_stay_within_a_section() -> None:
    texts = [
        channels.settings_text("C1", {"prompt": "on", "timezone": LONG[:64]}, can_change=False),
        feedback.requested_text([request_view(i, topic=LONG[:300]) for i in range(5)]),
        usage.FEEDBACK,
        help_requests.topics_text([LONG[:40]] * 40, changed=LONG[:100]),
        help_requests.not_in_channel_text(),
    ]
    for text in texts:
        assert 0 < len(text) <= 3000


def test_the_checker_catches_what_slack_refuses() -> None:
    """The walker itself must be able to fail."""
    button = {
        "type": "button",
        "action_id": "a" * 256,
        "text": {"type": "plain_text", "text": LONG},
    }
    bad_message = {"text": LONG * 5, "blocks": [{"type": "actions", "elements": [button]}] * 51}
    problems = block_kit_problems(bad_message, "message")
    assert any("51 blocks" in p for p in problems)
    assert any("action_id" in p for p in problems)
    assert any(".text:" in p and "> 75" in p for p in problems)
    assert any("message text" in p for p in problems)
    options = [
        {"text": {"type": "plain_text", "text": "x" * 76}, "value": str(i)} for i in range(101)
    ]
    bad_modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "A title that is far too long"},
        "private_metadata": "m" * 3001,
        "blocks": [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "L"},
                "element": {"type": "static_select", "action_id": "s", "options": options},
            },
            {
                "type": "input",
                "label": {"type": "plain_text", "text": ""},
                "element": {"type": "users_select", "action_id": "u", "initial_users": ["U1"]},
            },
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "T"},
                "element": {"type": "plain_text_input", "action_id": "t", "max_length": 5000},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": LONG}},
        ],
    }
    problems = block_kit_problems(bad_modal, "modal")
    for expected in (
        "modal title",
        "private_metadata",
        "101 options",
        "> 75",
        "initial_users belongs to multi_users_select",
        "empty plain_text",
        "max_length 5000",
        "needs a submit",
        "blocks[3].text",
    ):
        assert any(expected in p for p in problems), (expected, problems)
