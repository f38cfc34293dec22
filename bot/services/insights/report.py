"""What an insights report is: aggregates only, never a person.

This is the contract between the metrics (bot/services/insights/compute.py, which fills it
from SQL aggregates) and every surface that shows it: `/reciprocity insights`, the web
dashboard, the chart, the CLI and the monthly summary. Nothing here may hold a member id or
a name; a value that would describe a group smaller than the minimum size is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Definition:
    key: str  # stable name, e.g. "participation" (insights.json uses it)
    label: str  # what a leader reads, e.g. "Participation"
    unit: str  # "%", "per member per month", "days", "hours", "index", "count", "gini"
    meaning: str  # one sentence: how it is counted


# The headline numbers, in the order surfaces show them. compute.py gives each a value.
HEADLINE: tuple[Definition, ...] = (
    Definition(
        "participation",
        "Participation",
        "%",
        "Share of active members who gave or received help, thanks, kudos, feedback or mentoring.",
    ),
    Definition("givers", "Giving", "%", "Share of active members who gave anything."),
    Definition("receivers", "Receiving", "%", "Share of active members who received anything."),
    Definition(
        "balance", "Reciprocity balance", "%", "Share of active members who both gave and received."
    ),
    Definition(
        "feedback_per_member_month",
        "Feedback frequency",
        "per member per month",
        "Completed feedback cycles per active member per month.",
    ),
    Definition("feedback_answered", "Feedback answered", "count", "Feedback requests answered."),
    Definition("feedback_declined", "Feedback declined", "count", "Feedback requests declined."),
    Definition("feedback_open", "Feedback open", "count", "Feedback requests still open."),
    Definition(
        "feedback_median_days",
        "Days to feedback",
        "days",
        "Median days from a feedback request to its answer.",
    ),
    Definition(
        "mentoring_share",
        "In mentoring",
        "%",
        "Share of active members in a mentoring pair or circle.",
    ),
    Definition(
        "mentoring_active_groups",
        "Active pairs and circles",
        "count",
        "Mentoring pairs and circles active in the period.",
    ),
    Definition(
        "mentoring_sessions_per_group_month",
        "Sessions",
        "per pair per month",
        "Mentoring sessions logged per pair or circle per month.",
    ),
    Definition(
        "mentoring_groups_without_session",
        "Pairs without a session",
        "count",
        "Pairs and circles that never logged a session.",
    ),
    Definition("help_opened", "Help requests", "count", "Help requests opened in the period."),
    Definition("help_resolved", "Help resolved", "count", "Help requests resolved in the period."),
    Definition("help_open_now", "Help open now", "count", "Help requests open at the end."),
    Definition(
        "help_first_offer_median_hours",
        "Time to first offer",
        "hours",
        "Median wall-clock hours from a help request to its first offer"
        " (working hours are not modelled).",
    ),
    Definition(
        "help_first_offer_p90_hours",
        "Time to first offer (p90)",
        "hours",
        "90th percentile of wall-clock hours to the first offer.",
    ),
    Definition(
        "help_offer_within_day",
        "Offered within a day",
        "%",
        "Share of help requests with an offer within 24 hours (wall-clock).",
    ),
    Definition(
        "ei_help",
        "Help across departments",
        "index",
        "E–I index of help: (external − internal)/(external + internal),"
        " −1 all within, +1 all across.",
    ),
    Definition("ei_thanks", "Thanks across departments", "index", "E–I index of thanks."),
    Definition("ei_kudos", "Kudos across departments", "index", "E–I index of kudos."),
    Definition(
        "recognition_gini",
        "Recognition spread",
        "gini",
        "Gini coefficient of recognition received (0 even, 1 all to one person).",
    ),
    Definition(
        "no_recognition_8w",
        "No recognition in 8 weeks",
        "count",
        "Active members who received no recognition in the last 8 weeks"
        " (who opted out, paused or set a cap of 0 is not counted).",
    ),
    Definition(
        "top10_help_share",
        "Help by the top 10%",
        "%",
        "Share of all help given by the top 10% of helpers (collaborative overload).",
    ),
)
BY_KEY = {d.key: d for d in HEADLINE}
# The headline numbers the weekly trend carries (charts plot these).
TRENDED = ("participation", "balance", "feedback_per_member_month", "help_opened", "ei_help")


@dataclass(frozen=True)
class Metric:
    key: str  # a Definition.key
    value: float | None  # None: no data, or hidden (a group under the minimum size)
    previous: float | None  # the same number over the period before, for the trend arrow

    @property
    def definition(self) -> Definition:
        return BY_KEY[self.key]


@dataclass(frozen=True)
class Week:
    start: date  # a Monday
    values: dict[str, float | None]  # TRENDED key -> value that week


@dataclass(frozen=True)
class DepartmentRow:
    name: str  # a department, or "other" (the folded small ones), or "unassigned"
    members: int  # always >= the minimum group size
    values: dict[str, float | None]  # participation, givers, receivers, balance, ei_help, ...


@dataclass(frozen=True)
class Matrix:
    """Help given: cells[i][j] is how often department i helped department j (None: hidden)."""

    departments: list[str]
    cells: list[list[int | None]]


@dataclass(frozen=True)
class Report:
    team_id: str
    start: date  # first day of the period (a Monday)
    end: date  # last day, inclusive
    weeks: int
    min_group: int
    department: str | None  # the filter, None for the whole workspace
    active_members: int
    headline: list[Metric]
    weekly: list[Week]
    departments: list[DepartmentRow]
    help_matrix: Matrix
    notes: list[str] = field(default_factory=list)  # e.g. "3 departments folded into other"

    def metric(self, key: str) -> Metric:
        return next(m for m in self.headline if m.key == key)
