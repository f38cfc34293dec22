"""Block Kit for feedback: reviewer DMs, the structured modal, private delivery and the list.

Feedback text only ever goes into the receiver's own DM or their ephemeral list; the
notification fallback (`text`) of a delivery never contains it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from bot import ids
from bot.blocks.kit import button, section
from bot.services.feedback import MAX_FIELD, MAX_REVIEWERS, MAX_TOPIC, GivenFeedback, Offer
from bot.services.feedback import RequestView as Request
from bot.text import join_people, mrkdwn, quote, truncate


class Asked(Protocol):
    """A request as its confirmation shows it (stored or about to be)."""

    @property
    def reviewer_id(self) -> str: ...
    @property
    def topic(self) -> str | None: ...
    @property
    def message_link(self) -> str | None: ...


QUESTIONS = {
    "situation": ("Situation", "When and where? e.g. “In Tuesday's launch review…”"),
    "behaviour": ("What you observed", "What did they say or do — what a camera would record?"),
    "impact": ("Its impact", "What difference did it make — to you, the team, the work?"),
    "suggestion": ("One suggestion", "One thing to try next time."),
    "went_well": ("What went well (optional)", "Something worth keeping."),
}
RECEIVED = {
    "situation": "The situation",
    "behaviour": "What they saw",
    "impact": "The impact",
    "suggestion": "Their suggestion",
    "went_well": "What went well",
}
"""The labels the receiver reads (the giver's questions above speak to the giver)."""
BLOCK_IDS = {
    "situation": ids.FEEDBACK_SITUATION_BLOCK,
    "behaviour": ids.FEEDBACK_BEHAVIOUR_BLOCK,
    "impact": ids.FEEDBACK_IMPACT_BLOCK,
    "suggestion": ids.FEEDBACK_SUGGESTION_BLOCK,
    "went_well": ids.FEEDBACK_WENT_WELL_BLOCK,
}
AS_WRITTEN = "send_as_written"


def for_reader(topic: str, reader_id: str | None) -> str:
    """A topic as its reader reads it: `<@U1>'s help request` is "your help request" to U1
    and stays "<@U1>'s help request" to anyone else."""
    own = f"<@{reader_id}>'s " if reader_id else None
    if own and topic.startswith(own):
        return "your " + topic[len(own) :]
    return topic


def _about(topic: str | None, link: str | None, reader_id: str | None = None) -> str:
    parts = []
    if topic:
        parts.append(f"about *{mrkdwn(for_reader(topic, reader_id))}*")
    if link:
        parts.append(f"on <{link}|this message>")
    return " ".join(parts)


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 2000)}]}


def _request_buttons(request: Request) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": ids.FEEDBACK_ACTIONS_BLOCK,
        "elements": [
            button("Give feedback", ids.FEEDBACK_GIVE_ACTION, str(request.id), "primary"),
            button("Decline", ids.FEEDBACK_DECLINE_ACTION, str(request.id)),
        ],
    }


# ----- to the reviewer ----------------------------------------------------------------------
def request_dm(request: Request) -> dict[str, Any]:
    """The reviewer's invitation: who asks, about what, and the two buttons."""
    about = _about(request.topic, request.message_link)
    headline = f":speech_balloon: <@{request.requester_id}> would value your feedback"
    headline += f" {about}." if about else "."
    return {
        "text": f"<@{request.requester_id}> asked you for feedback",
        "blocks": [
            section(headline),
            _context(
                "About five minutes: the situation, what you observed, its impact and one "
                "suggestion. Only they will see it. Can't right now? Declining is fine."
            ),
            _request_buttons(request),
        ],
        "unfurl_links": False,
    }


def reminder_dm(request: Request) -> dict[str, Any]:
    """The one gentle reminder for a request still open after five working days."""
    about = _about(request.topic, request.message_link)
    return {
        "text": f"A gentle reminder: <@{request.requester_id}> asked for your feedback",
        "blocks": [
            section(
                f":seedling: A gentle nudge: <@{request.requester_id}> asked for your feedback"
                + (f" {about}" if about else "")
                + ". A few honest lines help more than a perfect essay — and if you can't, "
                "declining is perfectly fine."
            ),
            _request_buttons(request),
        ],
        "unfurl_links": False,
    }


def request_closed_dm(request: Request) -> dict[str, Any]:
    """Replaces the reviewer's DM once answered, so the buttons can't be pressed again."""
    if request.status == "given":
        text = (
            f":white_check_mark: Your feedback is on its way to <@{request.requester_id}>. "
            "Thank you!"
        )
    else:
        text = (
            f"No problem — I let <@{request.requester_id}> know you can't give feedback right now."
        )
    return {"text": text, "blocks": [section(text)]}


def offer_dm(
    offers: Sequence[Offer],
    names: Mapping[str, str] | None = None,
    *,
    sent_to: Sequence[str] = (),
) -> dict[str, Any]:
    """After help or a mentoring session: an optional, private invitation, sent once, naming
    everyone who helped on that occasion, with a button for each (`names` labels them);
    `sent_to` is whom feedback already went to from this invitation."""
    names = names or {}
    helpers = join_people([o.helper_id for o in offers] + list(sent_to))
    about = mrkdwn(for_reader(offers[0].about, offers[0].helped_id)) if offers else ""
    blocks: list[dict[str, Any]] = [
        section(
            f":handshake: {helpers} helped you with *{about}*. Would you like to send "
            "them short, private feedback? Entirely optional."
        )
    ]
    if sent_to:
        blocks.append(_context(f":white_check_mark: Sent to {join_people(list(sent_to))}."))
    elements: list[dict[str, Any]] = []
    for offer in offers[:MAX_OFFER_BUTTONS]:
        label = "Send feedback"
        if len(offers) + len(sent_to) > 1:
            label = truncate(f"Feedback for {names.get(offer.helper_id, 'them')}", 75)
        elements.append(
            button(
                label, ids.FEEDBACK_OFFER_ACTION, str(offer.id), "primary" if not elements else None
            )
        )
    first = offers[0].id if offers else 0
    elements.append(button("No thanks", ids.FEEDBACK_OFFER_DISMISS_ACTION, str(first)))
    blocks.append({"type": "actions", "block_id": ids.FEEDBACK_ACTIONS_BLOCK, "elements": elements})
    return {
        "text": f"Want to send {helpers} a few lines of feedback?",
        "blocks": blocks,
        "unfurl_links": False,
    }


MAX_OFFER_BUTTONS = 24  # and "No thanks": an actions block holds 25


def offer_closed_dm(helper_id: str, sent: bool) -> dict[str, Any]:
    text = (
        f":white_check_mark: Your feedback is on its way to <@{helper_id}>. Thank you!"
        if sent
        else "No problem — nothing sent."
    )
    return {"text": text, "blocks": [section(text)]}


# ----- to the requester ---------------------------------------------------------------------
def requested_text(requests: Sequence[Asked]) -> str:
    reviewers = join_people([r.reviewer_id for r in requests])
    about = _about(requests[0].topic, requests[0].message_link) if requests else ""
    return (
        f"Done — I asked {reviewers} for feedback{' ' + about if about else ''}. "
        "Their answers will arrive here in a DM from me, for you only."
    )


def declined_dm(request: Request) -> dict[str, Any]:
    about = _about(request.topic, request.message_link)
    text = (
        f"<@{request.reviewer_id}> can't give feedback{' ' + about if about else ''} right now — "
        "that happens, and it says nothing about your work. You could ask someone else with "
        "`/feedback request @name`."
    )
    return {"text": text, "blocks": [section(text)], "unfurl_links": False}


def _feedback_blocks(given: GivenFeedback, *, headline: str) -> list[dict[str, Any]]:
    """The feedback as its receiver reads it."""
    blocks = [section(headline)]
    for name, label in RECEIVED.items():
        value = getattr(given.draft, name)
        if value:
            blocks.append(section(f"*{label}*\n{quote(value)}"))
    return blocks


def delivery_dm(given: GivenFeedback) -> dict[str, Any]:
    """Feedback delivered to its receiver, attributed to the giver. Nowhere else."""
    about = _about(given.topic, given.message_link, given.receiver_id)
    headline = f":envelope_with_arrow: Feedback from <@{given.giver_id}>"
    headline += f" {about}:" if about else ":"
    blocks = _feedback_blocks(given, headline=headline)
    blocks.append(
        _context("Only you can see this. `/feedback list` shows your recent feedback again.")
    )
    return {
        "text": f"You have new feedback from <@{given.giver_id}>",
        "blocks": blocks,
        "unfurl_links": False,
    }


def feedback_list(items: list[GivenFeedback]) -> dict[str, Any]:
    """`/feedback list`: the newest feedback you received, only for you."""
    if not items:
        text = (
            "No feedback yet. Ask for some with `/feedback request @name about &lt;topic&gt;` — "
            "it's the fastest way to grow."
        )
        return {"text": text, "blocks": [section(text)]}
    blocks: list[dict[str, Any]] = [section(f"*Your {len(items)} most recent feedback*")]
    for given in items:
        when = f"{given.created_at.day} {given.created_at:%b %Y}"
        about = _about(given.topic, given.message_link, given.receiver_id)
        headline = f"From <@{given.giver_id}> on {when}" + (f" {about}" if about else "")
        blocks.append({"type": "divider"})
        blocks.extend(_feedback_blocks(given, headline=headline))
    return {"text": f"Your {len(items)} most recent feedback", "blocks": blocks[:50]}


# ----- modals -----------------------------------------------------------------------------
def _text_input(name: str) -> dict[str, Any]:
    label, placeholder = QUESTIONS[name]
    return {
        "type": "input",
        "block_id": BLOCK_IDS[name],
        "optional": name == "went_well",
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "plain_text_input",
            "action_id": ids.FEEDBACK_TEXT_ACTION,
            "multiline": True,
            "max_length": MAX_FIELD,
            "placeholder": {"type": "plain_text", "text": placeholder},
        },
    }


def feedback_modal(
    *,
    receiver_id: str,
    private_metadata: str,
    topic: str | None = None,
    message_link: str | None = None,
    reader_id: str | None = None,
) -> dict[str, Any]:
    """The structured modal; labelling text is flagged on submit, with a way to send anyway.
    `reader_id` is the giver, who reads the topic (their own request is "your …")."""
    about = _about(topic, message_link, reader_id)
    intro = f"Feedback for <@{receiver_id}>" + (f" {about}" if about else "") + "."
    blocks: list[dict[str, Any]] = [
        section(intro),
        _context("Describe what happened and its effect, not the person. Only they will see it."),
    ]
    blocks += [_text_input(name) for name in QUESTIONS]
    blocks.append(
        {
            "type": "input",
            "block_id": ids.FEEDBACK_AS_WRITTEN_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "If I flag some wording"},
            "element": {
                "type": "checkboxes",
                "action_id": ids.FEEDBACK_AS_WRITTEN_ACTION,
                "options": [
                    {
                        "text": {"type": "plain_text", "text": "Send as written"},
                        "value": AS_WRITTEN,
                    }
                ],
            },
        }
    )
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Give feedback"},
        "submit": {"type": "plain_text", "text": "Send privately"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def sent_view(receiver_id: str) -> dict[str, Any]:
    """What the modal turns into once the feedback is accepted (it is delivered from the
    queue a moment later, and retried there if Slack fails: so it says what is true now)."""
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_MODAL,
        "title": {"type": "plain_text", "text": "Feedback sent"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [
            section(
                f":white_check_mark: Thank you! It's on its way to <@{receiver_id}>, privately "
                "— only they will see it. If it can't be delivered, I'll tell you."
            )
        ],
    }


def requested_view(requests: Sequence[Asked]) -> dict[str, Any]:
    """What the request form turns into once it is sent."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Request feedback"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [section(requested_text(requests))],
    }


def request_modal(*, private_metadata: str, message_link: str | None) -> dict[str, Any]:
    """**Request feedback on this**: pick up to five reviewers and, optionally, a topic."""
    blocks: list[dict[str, Any]] = []
    if message_link:
        blocks.append(_context(f"Feedback on <{message_link}|this message>"))
    blocks += [
        {
            "type": "input",
            "block_id": ids.FEEDBACK_REVIEWERS_BLOCK,
            "label": {"type": "plain_text", "text": "Whom would you like to ask?"},
            "element": {
                "type": "multi_users_select",
                "action_id": ids.FEEDBACK_REVIEWERS_ACTION,
                "max_selected_items": MAX_REVIEWERS,
                "placeholder": {"type": "plain_text", "text": f"Up to {MAX_REVIEWERS} people"},
            },
        },
        {
            "type": "input",
            "block_id": ids.FEEDBACK_TOPIC_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "What should they focus on?"},
            "element": {
                "type": "plain_text_input",
                "action_id": ids.FEEDBACK_TOPIC_ACTION,
                "max_length": MAX_TOPIC,
                "placeholder": {"type": "plain_text", "text": "e.g. clarity of the proposal"},
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_REQUEST_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Request feedback"},
        "submit": {"type": "plain_text", "text": "Ask"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
