"""Every table, imported here so that `Base.metadata` knows them all (Alembic reads it)."""

from models import (  # noqa: F401
    feedback,
    help_requests,
    installations,
    mentoring,
    nudges,
    onboarding,
    rhythm,
    stories,
)
from models.base import Base, UTCDateTime
from models.insights import InsightsViewer, UsedDashboardLink
from models.preferences import MemberPreferences, MemberTopic
from models.recognition import Kudos, Thanks
from models.scheduling import JobClaim
from models.work import PostedMessage, WorkItem
from models.workspace import Member, Workspace

__all__ = [
    "Base",
    "InsightsViewer",
    "JobClaim",
    "Kudos",
    "Member",
    "MemberPreferences",
    "MemberTopic",
    "PostedMessage",
    "Thanks",
    "UTCDateTime",
    "UsedDashboardLink",
    "WorkItem",
    "Workspace",
]
