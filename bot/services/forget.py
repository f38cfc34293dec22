"""Forget a person: erase what Reciprocity holds about them, their Slack user id included.

`forget_user` runs in the caller's transaction, so it all happens or nothing does. The rule,
table by table ("T" is the tombstone `UFORGOTTEN`, which names nobody; text "scrubbed" means
`<@U…>` mentions of the person become "someone"):

- workspaces: the person leaves `admin_user_ids`; the workspace itself stays.
- members, member_preferences, member_topics: the person's own rows; deleted.
- kudos: a kudos is also the other person's recognition (their given or received count and
  the giver's daily budget), so it stays with the person's side replaced by T; the link to
  the Slack message (`message_ts`, `source_link`) is cleared, since it leads back to them.
- thanks: kept for the other side's count with the person replaced by T. A thanks *to* them
  points at their Slack message, so its `message_ts` becomes `forgotten:<row id>` (unique,
  meaningless). If T already thanked that message with that emoji, the duplicate is deleted.
- help_requests they asked: open ones are just their ask and are deleted (with offers,
  suggestions and thank-yous). Resolved or stale ones settled other people's help, so they
  stay with requester T, the question replaced by "(forgotten)", details, resolution note,
  source link and card `message_ts` cleared.
- help_offers they made and help_thanks they gave or received: kept for the requester's and
  helpers' counts, the person replaced by T (a duplicate T row on the same request is deleted).
- help_suggestions of them: routing history about them only; deleted.
- feedback, feedback_requests, feedback_offers they gave, received, asked or were asked:
  private between two people, one of whom is them; deleted (nothing else refers to them).
- mentoring_enrollments and mentoring_avoids (both directions): theirs; deleted.
- mentoring pairs they were in: deleted, so the partner is free for the next round and no
  introduction or closing thanks goes to a pair with a ghost in it; in a circle only their
  membership goes. mentoring_sessions they logged or were logged with count for the other
  person too: kept with T, and the notes (about them) emptied.
- onboarding_hires (their own month as a new hire) and buddy_volunteers: deleted. A new hire
  they were buddy to: T while it is over (it counted), and no buddy while it still runs, so
  the onboarding job finds another one.
- nudges to them: deleted. Nudges to others keep their rows; mentions in the message scrubbed.
- channel_settings: `updated_by` cleared where it was them.
- share_replies: kept for the thread's participation and help counts, the person (author or
  helped) replaced by T; their reply's `message_ts` becomes `forgotten:<row id>`.
- stories they shared, are the author of, were asked about or are mentioned in (pending or
  agreed): deleted with their consents — a story is told about the people in it.
  story_channels: `set_by` becomes T.
- job_claims, work_items (the queue, events included): bookkeeping keyed by raw ids or holding
  raw Slack payloads. Rows that mention them are deleted: a claim for work about them has nothing
  left to do, an inbox row only guards against redelivery, and queued work for or about a
  person who is gone must not run.
- Finally every string, text and JSON column of every table (those added later included) is
  swept: a value that is exactly their id becomes T, and any remaining mention or bare
  occurrence of the id in text becomes "someone". So the id appears nowhere afterwards.

Limit: plain names typed into free text ("thanks Alice") are not recognised.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    Table,
    Text,
    and_,
    cast,
    delete,
    exists,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, aliased

from models import Base, Kudos, Member, MemberPreferences, MemberTopic, Thanks, Workspace
from models.feedback import Feedback, FeedbackOffer, FeedbackRequest
from models.help_requests import HelpOffer, HelpRequest, HelpSuggestion, HelpThanks
from models.mentoring import (
    MentoringAvoid,
    MentoringEnrollment,
    MentoringGroup,
    MentoringGroupMember,
    MentoringSession,
)
from models.nudges import Nudge
from models.onboarding import BuddyVolunteer, OnboardingHire
from models.rhythm import ChannelSettings, ShareReply
from models.scheduling import JobClaim
from models.stories import Story, StoryChannel, StoryConsent
from models.work import WorkItem

TOMBSTONE = "UFORGOTTEN"
SOMEONE = "someone"
FORGOTTEN_TEXT = "(forgotten)"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


def check_user_id(user_id: str) -> str:
    """A Slack user id (U… or W…), upper-case; anything else is refused before any change."""
    user_id = (user_id or "").strip().upper()
    if not _USER_ID.match(user_id) or user_id == TOMBSTONE:
        raise ValueError(f"{user_id[:40]!r} is not a Slack user id like U012AB3CD")
    return user_id


class _Scrubber:
    """Rewrites values that mention one person: their id alone → T; in text → "someone"."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        uid = re.escape(user_id)
        self._mention = re.compile(rf"<@{uid}(?:\|[^>]*)?>|&lt;@{uid}(?:\|[^&]*)?&gt;")
        # Also inside URL-encoded payloads, e.g. `%22UALICE%22` in a queued interaction.
        self._bare = re.compile(
            rf"(?:(?<![A-Za-z0-9])|(?<=%[0-9A-Fa-f]{{2}}))@?{uid}(?![A-Za-z0-9])"
        )

    def mentions(self, value: Any) -> bool:
        if isinstance(value, str):
            return value == self.user_id or bool(self._bare.search(value))
        if isinstance(value, dict):
            return any(self.mentions(k) or self.mentions(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return any(self.mentions(v) for v in value)
        return False

    def text(self, value: str) -> str:
        if value == self.user_id:
            return TOMBSTONE
        return self._bare.sub(SOMEONE, self._mention.sub(SOMEONE, value))

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


class _Forget:
    def __init__(self, session: Session, user_id: str, team_id: str | None) -> None:
        self.session = session
        self.user_id = user_id
        self.team_id = team_id
        self.scrub = _Scrubber(user_id)
        self.counts: Counter[str] = Counter()

    # ----- helpers
    def team(self, table: Any) -> ColumnElement[bool]:
        column = getattr(table, "team_id", None)
        if column is None and isinstance(table, Table):
            column = table.c.get("team_id")
        if self.team_id is None or column is None:
            return true()
        return column == self.team_id  # type: ignore[no-any-return]

    def run(self, name: str, stmt: Any) -> None:
        result = self.session.execute(stmt, execution_options={"synchronize_session": False})
        self.counts[name] += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]

    def mentioning(self, table: Table, column: Any) -> list[tuple[Any, ...]]:
        """Primary keys and values of rows whose `column` mentions the person."""
        pk = list(table.primary_key.columns)
        text = column if isinstance(column.type, String) else cast(column, Text)
        rows = self.session.execute(
            select(*pk, column).where(
                text.contains(self.user_id, autoescape=True), self.team(table)
            )
        ).all()
        return [tuple(row) for row in rows if self.scrub.mentions(row[-1])]

    def delete_mentioning(self, table: Table, columns: Iterable[Any]) -> None:
        pk = list(table.primary_key.columns)
        keys = {row[:-1] for column in columns for row in self.mentioning(table, column)}
        for key in sorted(keys):
            self.run(
                table.name, delete(table).where(*(c == v for c, v in zip(pk, key, strict=True)))
            )

    def tombstone(self, model: Any, column: str, *, unique_with: tuple[str, ...] = ()) -> None:
        """Replace the person by T in `column`; a row that would then duplicate one is deleted."""
        target = getattr(model, column)
        mine = and_(target == self.user_id, self.team(model))
        if unique_with:
            other = aliased(model)
            clash = exists().where(
                getattr(other, column) == TOMBSTONE,
                *(getattr(other, c) == getattr(model, c) for c in unique_with),
            )
            self.run(model.__tablename__, delete(model).where(mine, clash))
        self.run(model.__tablename__, update(model).where(mine).values({column: TOMBSTONE}))

    def forgotten_ts(self, model: Any, where: ColumnElement[bool]) -> None:
        """Point the row at no Slack message, keeping it unique."""
        ids: list[int] = list(self.session.scalars(select(model.id).where(where, self.team(model))))
        for row_id in ids:
            self.run(
                model.__tablename__,
                update(model).where(model.id == row_id).values(message_ts=f"forgotten:{row_id}"),
            )

    # ----- the rules, table by table
    def workspaces(self) -> None:
        rows = self.session.execute(
            select(Workspace.team_id, Workspace.admin_user_ids).where(self.team(Workspace))
        ).all()
        for team_id, admins in rows:
            if self.user_id in (admins or []):
                kept = [a for a in admins if a != self.user_id]
                self.run(
                    "workspaces",
                    update(Workspace)
                    .where(Workspace.team_id == team_id)
                    .values(admin_user_ids=kept),
                )

    def own_rows(self) -> None:
        for model in (Member, MemberPreferences, MemberTopic, MentoringEnrollment, Nudge):
            self.run(
                model.__tablename__,
                delete(model).where(model.user_id == self.user_id, self.team(model)),
            )
        involved = or_(
            MentoringAvoid.user_id == self.user_id, MentoringAvoid.avoid_user_id == self.user_id
        )
        self.run(
            "mentoring_avoids", delete(MentoringAvoid).where(involved, self.team(MentoringAvoid))
        )
        self.run(
            "channel_settings",
            update(ChannelSettings)
            .where(ChannelSettings.updated_by == self.user_id, self.team(ChannelSettings))
            .values(updated_by=None),
        )

    def recognition(self) -> None:
        for column in ("giver_id", "receiver_id"):  # nobody gives kudos to themselves
            self.run(
                "kudos",
                update(Kudos)
                .where(getattr(Kudos, column) == self.user_id, self.team(Kudos))
                .values({column: TOMBSTONE, "message_ts": None, "source_link": None}),
            )

        self.forgotten_ts(Thanks, Thanks.receiver_id == self.user_id)
        self.tombstone(Thanks, "receiver_id")
        self.tombstone(
            Thanks, "giver_id", unique_with=("team_id", "channel_id", "message_ts", "emoji")
        )

    def help(self) -> None:
        theirs = and_(HelpRequest.requester_id == self.user_id, self.team(HelpRequest))
        open_ids = select(HelpRequest.id).where(theirs, HelpRequest.status == "open")
        for child in (HelpOffer, HelpSuggestion, HelpThanks):
            self.run(child.__tablename__, delete(child).where(child.request_id.in_(open_ids)))
        self.run("help_requests", delete(HelpRequest).where(theirs, HelpRequest.status == "open"))
        self.run(
            "help_requests",
            update(HelpRequest)
            .where(theirs)
            .values(
                requester_id=TOMBSTONE,
                question=FORGOTTEN_TEXT,
                details=None,
                resolution_note=None,
                source_link=None,
                message_ts=None,
            ),
        )
        self.run(
            "help_suggestions",
            delete(HelpSuggestion).where(
                HelpSuggestion.user_id == self.user_id, self.team(HelpSuggestion)
            ),
        )
        self.tombstone(HelpOffer, "helper_id", unique_with=("request_id",))
        self.tombstone(HelpThanks, "giver_id")
        self.tombstone(HelpThanks, "receiver_id", unique_with=("request_id",))

    def feedback(self) -> None:
        requests = select(FeedbackRequest.id).where(
            or_(
                FeedbackRequest.requester_id == self.user_id,
                FeedbackRequest.reviewer_id == self.user_id,
            ),
            self.team(FeedbackRequest),
        )
        offers = select(FeedbackOffer.id).where(
            or_(FeedbackOffer.helped_id == self.user_id, FeedbackOffer.helper_id == self.user_id),
            self.team(FeedbackOffer),
        )
        self.run(
            "feedback",
            delete(Feedback).where(
                or_(Feedback.giver_id == self.user_id, Feedback.receiver_id == self.user_id),
                self.team(Feedback),
            ),
        )
        # Feedback between two others never hangs on their request or offer, but be sure.
        self.session.execute(
            update(Feedback).where(Feedback.request_id.in_(requests)).values(request_id=None)
        )
        self.session.execute(
            update(Feedback).where(Feedback.offer_id.in_(offers)).values(offer_id=None)
        )
        self.run(
            "feedback_requests", delete(FeedbackRequest).where(FeedbackRequest.id.in_(requests))
        )
        self.run("feedback_offers", delete(FeedbackOffer).where(FeedbackOffer.id.in_(offers)))

    def mentoring(self) -> None:
        member_of = select(MentoringGroupMember.group_id).where(
            MentoringGroupMember.user_id == self.user_id, self.team(MentoringGroupMember)
        )
        pairs = list(
            self.session.scalars(
                select(MentoringGroup.id).where(
                    MentoringGroup.kind == "pair", MentoringGroup.id.in_(member_of)
                )
            )
        )
        if pairs:
            self.session.execute(
                update(MentoringSession)
                .where(MentoringSession.group_id.in_(pairs))
                .values(group_id=None)
            )
            self.run(
                "mentoring_group_members",
                delete(MentoringGroupMember).where(MentoringGroupMember.group_id.in_(pairs)),
            )
            self.run("mentoring_groups", delete(MentoringGroup).where(MentoringGroup.id.in_(pairs)))
        self.run(
            "mentoring_group_members",
            delete(MentoringGroupMember).where(
                MentoringGroupMember.user_id == self.user_id, self.team(MentoringGroupMember)
            ),
        )
        for column in ("logged_by", "with_user"):
            target = getattr(MentoringSession, column)
            self.run(
                "mentoring_sessions",
                update(MentoringSession)
                .where(target == self.user_id, self.team(MentoringSession))
                .values({column: TOMBSTONE, "notes": ""}),
            )

    def onboarding(self) -> None:
        self.run(
            "onboarding_hires",
            delete(OnboardingHire).where(
                OnboardingHire.user_id == self.user_id, self.team(OnboardingHire)
            ),
        )
        self.run(
            "buddy_volunteers",
            delete(BuddyVolunteer).where(
                BuddyVolunteer.user_id == self.user_id, self.team(BuddyVolunteer)
            ),
        )
        ongoing = and_(
            OnboardingHire.buddy_id == self.user_id,
            OnboardingHire.finished_at.is_(None),
            self.team(OnboardingHire),
        )
        self.run(  # a new hire whose buddy is gone gets another one from the next tick
            "onboarding_hires",
            update(OnboardingHire)
            .where(ongoing)
            .values(buddy_id=None, matched_at=None, introduced_at=None, channel_id=None),
        )
        self.tombstone(OnboardingHire, "buddy_id")

    def rhythm(self) -> None:
        self.forgotten_ts(ShareReply, ShareReply.user_id == self.user_id)
        self.tombstone(ShareReply, "user_id")
        self.tombstone(ShareReply, "helped_user_id")

    def stories(self) -> None:
        uid = self.user_id
        ids = set(
            self.session.scalars(
                select(Story.id).where(
                    self.team(Story), or_(Story.sharer_id == uid, Story.author_id == uid)
                )
            )
        )
        ids |= set(
            self.session.scalars(
                select(StoryConsent.story_id).where(
                    self.team(StoryConsent), StoryConsent.user_id == uid
                )
            )
        )
        table = Story.__table__
        for column in (table.c.message_text, table.c.why):
            ids |= {row[0] for row in self.mentioning(table, column)}  # type: ignore[arg-type]
        if ids:
            self.run("story_consents", delete(StoryConsent).where(StoryConsent.story_id.in_(ids)))
            self.run("stories", delete(Story).where(Story.id.in_(ids)))
        self.tombstone(StoryChannel, "set_by")

    def bookkeeping(self) -> None:
        self.delete_mentioning(JobClaim.__table__, [JobClaim.__table__.c.key])  # type: ignore[arg-type]
        work = WorkItem.__table__
        self.delete_mentioning(
            work,  # type: ignore[arg-type]
            [work.c.body, work.c.headers, work.c.key, work.c.natural_key],
        )

    def sweep(self) -> None:
        """Whatever still mentions them, in any table: ids become T, text says "someone"."""
        for table in Base.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                for *key, value in self.mentioning(table, column):
                    self.run(
                        table.name,
                        update(table)
                        .where(*(c == v for c, v in zip(pk, key, strict=True)))
                        .values({column.name: self.scrub.value(value)}),
                    )


def forget_user(*, session: Session, user_id: str, team_id: str | None = None) -> dict[str, int]:
    """Erase one person (in one workspace, or in all of them); table name → rows changed or removed.

    Raises ValueError, before changing anything, if `user_id` is not a Slack user id.
    """
    forget = _Forget(session, check_user_id(user_id), team_id)
    forget.workspaces()
    forget.own_rows()
    forget.recognition()
    forget.help()
    forget.feedback()
    forget.mentoring()
    forget.onboarding()
    forget.rhythm()
    forget.stories()
    forget.bookkeeping()
    forget.sweep()
    session.flush()
    session.expire_all()
    return {table: n for table, n in sorted(forget.counts.items()) if n}
