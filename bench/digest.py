"""How long does one channel's weekly digest take to build over a big database?

    python bench/digest.py --database-url sqlite:////tmp/bench.db --rows 1000000
    python bench/digest.py --database-url postgresql://postgres@127.0.0.1:5432/bench_digest

Fills an empty database (created and migrated if needed) with `--rows` kudos, thanks and
help requests spread over a year and 200 channels, then times `build_digest` for random
channels and weeks and prints p50/p95. Target: under 250 ms per digest. A database that
already holds kudos is reused as it is (never wiped).
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

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from app import migrate
from bot.db import make_engine, make_sessionmaker, normalize_url
from bot.services.digest import build_digest
from models import Kudos, Thanks
from models.help_requests import HelpRequest

TEAM = "TBENCH"
CHANNELS = [f"CB{n:04d}" for n in range(200)]
PEOPLE = [f"UB{n:05d}" for n in range(5000)]
EMOJI = ["pray", "raised_hands", "clap", "heart"]
END = datetime(2026, 11, 27, 15, tzinfo=UTC)
SPAN = timedelta(days=365)
BATCH = 20_000


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database the URL names if it does not exist yet."""
    url = normalize_url(url)
    if not url.startswith("postgresql"):
        return
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _moment(rng: random.Random) -> datetime:
    return END - timedelta(seconds=rng.random() * SPAN.total_seconds())


def _kudos(rng: random.Random, n: int) -> dict[str, Any]:
    giver, receiver = rng.sample(PEOPLE, 2)
    return {
        "team_id": TEAM,
        "post_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "giver_id": giver,
        "receiver_id": receiver,
        "channel_id": rng.choice(CHANNELS),
        "reason": f"for the thoughtful review of change #{n}, which saved us a day",
        "value": None,
        "created_at": _moment(rng),
    }


def _thanks(rng: random.Random, n: int) -> dict[str, Any]:
    giver, receiver = rng.sample(PEOPLE, 2)
    return {
        "team_id": TEAM,
        "giver_id": giver,
        "receiver_id": receiver,
        "channel_id": rng.choice(CHANNELS),
        "message_ts": f"1700000000.{n:06d}",
        "emoji": rng.choice(EMOJI),
        "created_at": _moment(rng),
        "retracted_at": None,
    }


def _help(rng: random.Random, n: int) -> dict[str, Any]:
    created = _moment(rng)
    resolved = rng.random() < 0.8
    return {
        "key": uuid.UUID(int=rng.getrandbits(128)).hex,
        "team_id": TEAM,
        "requester_id": rng.choice(PEOPLE),
        "channel_id": rng.choice(CHANNELS),
        "message_ts": f"1700000001.{n:06d}",
        "question": f"How do I get access to the staging cluster #{n}?",
        "urgency": "week",
        "tags": [],
        "status": "resolved" if resolved else "open",
        "created_at": created,
        "resolved_at": created + timedelta(hours=rng.randint(1, 72)) if resolved else None,
    }


def fill(engine: Engine, rows: int, seed: int = 7) -> float:
    """Insert `rows` records (45% kudos, 45% thanks, 10% help requests); seconds taken."""
    rng = random.Random(seed)
    plan = [(Kudos, _kudos, rows * 45 // 100), (Thanks, _thanks, rows * 45 // 100)]
    plan.append((HelpRequest, _help, rows - plan[0][2] - plan[1][2]))
    started = time.perf_counter()
    for model, make, count in plan:
        table = model.__table__
        done = 0
        while done < count:
            batch = [make(rng, done + i) for i in range(min(BATCH, count - done))]
            if engine.dialect.name == "postgresql":
                _copy(engine, table, batch)
            else:
                with engine.begin() as conn:
                    conn.execute(insert(table), batch)
            done += len(batch)
        print(f"  {model.__tablename__}: {count:,} rows", flush=True)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # fresh statistics, as a live database would have
    return time.perf_counter() - started


def _copy(engine: Engine, table: Any, batch: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY: the fastest bulk load; JSON columns go in as JSON text."""
    import json

    columns = list(batch[0])
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            names = ", ".join(columns)
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(
                        [
                            json.dumps(row[c]) if isinstance(row[c], list) else row[c]
                            for c in columns
                        ]
                    )


def measure(engine: Engine, runs: int, seed: int = 11) -> list[float]:
    rng = random.Random(seed)
    sessions = make_sessionmaker(engine)
    timings = []
    for _ in range(runs):
        channel = rng.choice(CHANNELS)
        now = END - timedelta(days=rng.randint(0, 300))
        started = time.perf_counter()
        with sessions() as session:
            data = build_digest(session=session, team_id=TEAM, channel_id=channel, now=now)
        timings.append((time.perf_counter() - started) * 1000)
        assert data.window.channel_id == channel
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)

    ensure_database(args.database_url)
    migrate(args.database_url)
    engine = make_engine(args.database_url)
    with engine.connect() as conn:
        existing = conn.scalar(select(func.count()).select_from(Kudos))
    if existing:
        print(f"{engine.dialect.name}: reusing {existing:,} kudos already there")
    else:
        print(f"{engine.dialect.name}: inserting {args.rows:,} records …", flush=True)
        seconds = fill(engine, args.rows)
        print(f"  inserted in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s)")
    measure(engine, 5)  # warm the caches and the connection pool
    timings = sorted(measure(engine, args.runs))
    p50 = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    verdict = "OK" if p95 < 250 else "SLOWER THAN THE 250 ms TARGET"
    print(
        f"{engine.dialect.name}: build_digest over {args.runs} channel-weeks: "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms — {verdict}"
    )
    engine.dispose()
    return 0 if p95 < 250 else 1


if __name__ == "__main__":
    sys.exit(main())
