"""How long do all the insights of a big workspace take?

    python bench/insights.py --database-url sqlite:////tmp/insights.db
    python bench/insights.py --database-url postgresql://postgres@127.0.0.1:5432/bench_insights

Fills an empty database (created and migrated if needed) with `--rows` records (1,000,000 by
default) over two years: 5,000 members in 40 departments, kudos, emoji thanks, help requests
with offers and thank-yous, feedback requests and answers, mentoring pairs with sessions and
share-and-solve replies, bulk-loaded (COPY on PostgreSQL, executemany on SQLite). Then times
`compute_insights` for the last 12 weeks (every headline number with its previous period, the
weekly trend, the departments and the help matrix) and for one department, and how long the
dashboard page takes to render from that report (the HTML with its SVG charts and heat map).
Targets: the insights under 1 s on PostgreSQL, under 3 s on SQLite; the page under 500 ms.
A database that already holds kudos is reused as it is (never wiped).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest import _copy, ensure_database
from sqlalchemy import Engine, func, insert, select, text

from app import migrate
from bot.db import make_engine, make_sessionmaker
from bot.services.insights import compute_insights
from models import Kudos, Member, MemberPreferences, Thanks
from models.feedback import Feedback, FeedbackRequest
from models.help_requests import HelpOffer, HelpRequest, HelpThanks
from models.mentoring import MentoringGroup, MentoringGroupMember, MentoringSession
from models.rhythm import ShareReply

TEAM = "TBENCH"
PEOPLE = [f"UB{n:05d}" for n in range(5000)]
DEPARTMENTS = [f"Department {n:02d}" for n in range(40)]
CHANNELS = [f"CB{n:04d}" for n in range(200)]
END = datetime(2026, 11, 25, 13, tzinfo=UTC)
SPAN = timedelta(days=730)
BATCH = 20_000
# Of each 1,000 records: what they are.
SHARE = {
    "kudos": 250,
    "thanks": 250,
    "help_requests": 100,
    "help_offers": 130,
    "help_thanks": 70,
    "feedback_requests": 80,
    "feedback": 40,
    "mentoring_sessions": 20,
    "share_replies": 60,
}


def _moment(rng: random.Random) -> datetime:
    return END - timedelta(seconds=rng.random() * SPAN.total_seconds())


def _two(rng: random.Random) -> tuple[str, str]:
    a, b = rng.sample(PEOPLE, 2)
    return a, b


def _load(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        if engine.dialect.name == "postgresql":
            _copy(engine, table, batch)
        else:
            with engine.begin() as conn:
                conn.execute(insert(table), batch)
    print(f"  {table.name}: {len(rows):,} rows", flush=True)


def fill(engine: Engine, rows: int, seed: int = 7) -> float:
    """Insert `rows` records over two years; seconds taken."""
    rng = random.Random(seed)
    count = {kind: rows * share // 1000 for kind, share in SHARE.items()}
    started = time.perf_counter()
    joined = END - SPAN - timedelta(days=30)
    department = {uid: rng.choice(DEPARTMENTS) for uid in PEOPLE}
    _load(
        engine,
        Member.__table__,
        [
            {
                "team_id": TEAM,
                "user_id": uid,
                "display_name": uid.lower(),
                "name": uid.lower(),
                "real_name": uid,
                "tz": "UTC",
                # most set their department; the rest have it as their Slack title
                "department": department[uid] if i % 4 else None,
                "title": department[uid] if i % 4 == 0 else "",
                "is_bot": False,
                "deleted": i % 500 == 0,
                "is_admin": False,
                "is_owner": False,
                "created_at": joined + timedelta(days=rng.randint(0, 700)),
                "updated_at": joined,
            }
            for i, uid in enumerate(PEOPLE)
        ],
    )
    _load(
        engine,
        MemberPreferences.__table__,
        [
            {
                "team_id": TEAM,
                "user_id": uid,
                "tz": None,
                "work_start_minute": 540,
                "work_end_minute": 1020,
                "work_days": [0, 1, 2, 3, 4],
                "weekly_nudge_cap": 0 if i % 3 == 0 else 3,
                "paused_until": END + timedelta(days=7) if i % 3 == 1 else None,
                "opt_out_prompts": False,
                "opt_out_reminders": False,
                "opt_out_pairing": False,
                "opt_out_suggestions": i % 3 == 2,
                "opt_out_digest_mentions": False,
                "opt_out_thanks_note": False,
                "allow_mentions": False,
                "updated_at": joined,
            }
            for i, uid in enumerate(rng.sample(PEOPLE, 250))  # 5% excused
        ],
    )

    def recognition(n: int, thanks: bool) -> list[dict[str, Any]]:
        out = []
        for i in range(n):
            giver, receiver = _two(rng)
            row: dict[str, Any] = {
                "team_id": TEAM,
                "giver_id": giver,
                "receiver_id": receiver,
                "channel_id": rng.choice(CHANNELS),
                "created_at": _moment(rng),
            }
            if thanks:
                row |= {"message_ts": f"1700000000.{i:07d}", "emoji": "pray"}
                row["retracted_at"] = row["created_at"] if i % 50 == 0 else None
            else:
                row |= {
                    "post_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "reason": "for the thoughtful review",
                    "value": None,
                }
            out.append(row)
        return out

    _load(engine, Kudos.__table__, recognition(count["kudos"], thanks=False))
    _load(engine, Thanks.__table__, recognition(count["thanks"], thanks=True))

    requests = []
    for i in range(count["help_requests"]):
        created = _moment(rng)
        first = created + timedelta(minutes=rng.randint(5, 60 * 72)) if i % 5 else None
        status = "resolved" if first and i % 3 else ("stale" if i % 7 == 0 else "open")
        requests.append(
            {
                "id": i + 1,
                "key": uuid.UUID(int=rng.getrandbits(128)).hex,
                "team_id": TEAM,
                "requester_id": rng.choice(PEOPLE),
                "channel_id": rng.choice(CHANNELS),
                "message_ts": f"1700000001.{i:07d}",
                "question": "How do I get access to the staging cluster?",
                "urgency": "week",
                "tags": [],
                "status": status,
                "created_at": created,
                "first_offer_at": first,
                "resolved_at": first + timedelta(hours=rng.randint(1, 48))
                if status == "resolved" and first
                else None,
                "stale_at": created + timedelta(days=14) if status == "stale" else None,
            }
        )
    _load(engine, HelpRequest.__table__, requests)
    offered = [r for r in requests if r["first_offer_at"] is not None]
    offers, seen = [], set()
    while len(offers) < count["help_offers"]:
        request = rng.choice(offered)
        helper = rng.choice(PEOPLE)
        if helper == request["requester_id"] or (request["id"], helper) in seen:
            continue
        seen.add((request["id"], helper))
        at = request["first_offer_at"] + timedelta(minutes=rng.randint(0, 600))
        offers.append(
            {
                "team_id": TEAM,
                "request_id": request["id"],
                "helper_id": helper,
                "offered_at": at,
                "replied_at": None,
                "created_at": at,
            }
        )
    _load(engine, HelpOffer.__table__, offers)
    thanked, helped = [], set()
    for offer in offers:
        if len(thanked) >= count["help_thanks"]:
            break
        request = requests[offer["request_id"] - 1]
        if request["status"] != "resolved" or (offer["request_id"], offer["helper_id"]) in helped:
            continue
        helped.add((offer["request_id"], offer["helper_id"]))
        thanked.append(
            {
                "team_id": TEAM,
                "request_id": offer["request_id"],
                "giver_id": request["requester_id"],
                "receiver_id": offer["helper_id"],
                "channel_id": request["channel_id"],
                "created_at": request["resolved_at"],
            }
        )
    _load(engine, HelpThanks.__table__, thanked)

    asks = []
    for i in range(count["feedback_requests"]):
        requester, reviewer = _two(rng)
        at = _moment(rng)
        status = ("given", "given", "declined", "pending")[i % 4]
        asks.append(
            {
                "id": i + 1,
                "team_id": TEAM,
                "batch_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "requester_id": requester,
                "reviewer_id": reviewer,
                "topic": None,
                "message_link": None,
                "status": status,
                "requested_at": at,
                "answered_at": at + timedelta(hours=rng.randint(1, 240))
                if status != "pending"
                else None,
            }
        )
    _load(engine, FeedbackRequest.__table__, asks)
    answers = [a for a in asks if a["status"] == "given"][: count["feedback"]]
    _load(
        engine,
        Feedback.__table__,
        [
            {
                "team_id": TEAM,
                "giver_id": a["reviewer_id"],
                "receiver_id": a["requester_id"],
                "request_id": a["id"],
                "situation": "s",
                "behaviour": "b",
                "impact": "i",
                "suggestion": "x",
                "sent_as_written": False,
                "created_at": a["answered_at"],
            }
            for a in answers
        ],
    )

    groups, group_members = [], []
    for i in range(2000):
        started_at = END - SPAN + timedelta(days=rng.randint(0, 700))
        ended = started_at + timedelta(weeks=6)
        groups.append(
            {
                "id": i + 1,
                "team_id": TEAM,
                "kind": "pair",
                "topic": "",
                "round_key": f"r{i // 100}",
                "started_at": started_at,
                "ends_at": ended,
                "ended_at": ended if ended < END else None,
            }
        )
        mentor, mentee = _two(rng)
        for uid, role in ((mentor, "mentor"), (mentee, "mentee")):
            group_members.append({"group_id": i + 1, "team_id": TEAM, "user_id": uid, "role": role})
    _load(engine, MentoringGroup.__table__, groups)
    _load(engine, MentoringGroupMember.__table__, group_members)
    sessions = []
    for _ in range(count["mentoring_sessions"]):
        group = rng.choice(groups)
        pair = [m["user_id"] for m in group_members[2 * (group["id"] - 1) : 2 * group["id"]]]
        sessions.append(
            {
                "team_id": TEAM,
                "group_id": group["id"],
                "logged_by": pair[0],
                "with_user": pair[1],
                "notes": "",
                "created_at": group["started_at"] + timedelta(days=rng.randint(0, 41)),
            }
        )
    _load(engine, MentoringSession.__table__, sessions)
    replies = []
    for i in range(count["share_replies"]):
        user, other = _two(rng)
        kind = ("challenge", "help", "comment")[i % 3]
        replies.append(
            {
                "team_id": TEAM,
                "channel_id": rng.choice(CHANNELS),
                "prompt_id": 1,
                "user_id": user,
                "message_ts": f"1700000002.{i:07d}",
                "kind": kind,
                "helped_user_id": other if kind == "help" else None,
                "created_at": _moment(rng),
            }
        )
    _load(engine, ShareReply.__table__, replies)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("help_requests", "feedback_requests", "mentoring_groups"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    # Fresh statistics (and, on PostgreSQL, the visibility map for index-only scans), as a
    # live database's autovacuum would have them.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return time.perf_counter() - started


def measure(engine: Engine, runs: int, department: str | None = None) -> list[float]:
    sessions = make_sessionmaker(engine)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        with sessions() as session:
            report = compute_insights(session, TEAM, now=END, weeks=12, department=department)
        timings.append(time.perf_counter() - started)
        assert report.active_members > 0 and report.metric("participation").value is not None
    return timings


def render(engine: Engine, runs: int) -> list[float]:
    """The dashboard page (handlers/dashboard.py:page_html) from the 12-week report."""
    from flask import Flask

    from handlers import dashboard

    web = Flask("handlers.web", template_folder="templates")
    web.add_url_rule("/insights.csv", "insights_csv", lambda: "")
    with make_sessionmaker(engine)() as session:
        report = compute_insights(session, TEAM, now=END, weeks=12)
    departments = [row.name for row in report.departments]
    timings = []
    with web.test_request_context("/insights"):
        for _ in range(runs):
            started = time.perf_counter()
            page = dashboard.page_html(report, departments)
            timings.append(time.perf_counter() - started)
            assert "<svg" in page and report.departments[0].name in page
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    ensure_database(args.database_url)
    migrate(args.database_url)
    engine = make_engine(args.database_url)
    with engine.connect() as conn:
        existing = conn.scalar(select(func.count()).select_from(Kudos))
    if existing:
        print(f"{engine.dialect.name}: reusing the records already there ({existing:,} kudos)")
    else:
        print(f"{engine.dialect.name}: inserting {args.rows:,} records …", flush=True)
        seconds = fill(engine, args.rows)
        print(f"  inserted in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s)")
    target = 1.0 if engine.dialect.name == "postgresql" else 3.0
    first = measure(engine, 1)[0]
    timings = measure(engine, args.runs)
    one = measure(engine, args.runs, department=DEPARTMENTS[0])
    median, worst = statistics.median(timings), max(timings)
    verdict = "OK" if median < target else f"SLOWER THAN THE {target:g} s TARGET"
    print(
        f"{engine.dialect.name}: compute_insights, 12 weeks, whole workspace: first {first:.2f} s, "
        f"median of {args.runs} {median:.2f} s, max {worst:.2f} s — {verdict}"
    )
    print(
        f"{engine.dialect.name}: compute_insights, 12 weeks, one department: "
        f"median {statistics.median(one):.2f} s"
    )
    pages = render(engine, args.runs)
    page = statistics.median(pages)
    print(
        f"dashboard page from that report: median {page * 1000:.0f} ms, "
        f"max {max(pages) * 1000:.0f} ms — {'OK' if page < 0.5 else 'SLOWER THAN 500 ms'}"
    )
    engine.dispose()
    return 0 if median < target and page < 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
