"""Reciprocity: the composition root and the command line.

python app.py [serve]          run the bot (HTTP via gunicorn, or Socket Mode)
python app.py migrate          upgrade the database to the newest schema
python app.py run-job NAME     run one scheduled job now, honouring its claims
python app.py export           write every record, one per line
python app.py forget --user U  erase a person's personal data
python app.py record --user U  a person's own contribution record (Markdown or JSON)
python app.py inbox [--dead]   queued work that is pending (or dead); --retry ID|all
python app.py worker           run queued work and the scheduler (serve starts one itself)
python app.py new-token-key    print a fresh key for TOKEN_ENCRYPTION_KEYS
python app.py rotate-token-key re-encrypt every stored token with the first key
python app.py insights         the leadership numbers: a table, insights.json, weekly.csv, trend.png
python app.py departments import FILE   set departments from a `user_id,department` CSV
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler
    from slack_sdk import WebClient
    from sqlalchemy import Engine

    from bot.deps import Deps
    from bot.server import SupervisedGroup
    from handlers.queue import QueueWorker

HERE = Path(__file__).resolve().parent
log = logging.getLogger("reciprocity")

SETUP_HELP = """\
Reciprocity needs Slack credentials: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.

  1. Open https://api.slack.com/apps, choose "Create New App" → "From an app manifest",
     pick your workspace and paste the contents of manifest.json.
  2. Install the app to the workspace. Copy "Bot User OAuth Token" (xoxb-…) from
     "OAuth & Permissions" and "Signing Secret" from "Basic Information".
  3. Put them in .env (see .env.example) or the environment:
       SLACK_BOT_TOKEN=xoxb-…
       SLACK_SIGNING_SECRET=…
     For Socket Mode instead of a public URL, also set SLACK_APP_TOKEN=xapp-… (an app-level
     token with the connections:write scope) and turn Socket Mode on in the app's settings.

To serve many workspaces instead, installed through Slack's OAuth flow, set
SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET, PUBLIC_URL and
TOKEN_ENCRYPTION_KEYS (`python app.py new-token-key`), and no SLACK_BOT_TOKEN; then open
PUBLIC_URL/slack/install.
"""


def build_deps(
    settings: Settings,
    *,
    engine: Engine | None = None,
    client: WebClient | None = None,
    clock: Callable[[], datetime] | None = None,
    web: bool = False,
) -> Deps:
    """Everything the handlers, flows and jobs need, built once and passed down. `web`: for a
    process that answers Slack, whose database waits are bounded (bot/db.py)."""
    from bot.db import make_engine, make_sessionmaker
    from bot.deps import Deps, utc_now, workspace_defaults
    from bot.directory import MemberDirectory
    from bot.slack_api import make_client

    engine = engine or make_engine(settings.database_url, bounded=web)
    sessions = make_sessionmaker(engine)
    clock = clock or utc_now
    client = client or make_client(settings)
    installs = None
    if settings.oauth_enabled:  # many workspaces: each request and job uses its own token
        from bot.installs import Installs

        installs = Installs(settings, engine=engine, client=client, clock=clock)
    return Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        client=client,
        clock=clock,
        directory=MemberDirectory(sessions, clock, workspace_defaults(settings)),
        installs=installs,
    )


def migrate(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from bot.db import normalize_url

    config = Config(str(HERE / "alembic.ini"))
    config.set_main_option("script_location", str(HERE / "migrations"))
    config.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")


def serve(settings: Settings) -> int:
    if not settings.has_slack_credentials:
        sys.stderr.write(SETUP_HELP)
        return 2
    if settings.slack_app_token is not None:
        return _serve_socket_mode(settings)
    from bot.server import WsgiServer

    def load_app() -> Callable[..., Any]:
        """Runs in each gunicorn worker: its own engine, client and Bolt app."""
        from handlers.app import create_app
        from handlers.web import make_wsgi_app

        deps = build_deps(settings, web=True)
        assert settings.slack_signing_secret is not None
        secret = settings.slack_signing_secret.get_secret_value()
        return make_wsgi_app(create_app(deps), deps, secret)

    metrics_dir = _metrics_directory()
    # WORKER_PROCESSES background processes beside gunicorn's workers, for queued work (one
    # interpreter, one GIL each: more processes use more cores), the first also for the
    # scheduler: `app.py worker` as plain subprocesses (gunicorn forks its workers afterwards,
    # and they must not inherit a multiprocessing child), restarted by the master if one exits.
    background = _background_processes(settings)
    server = WsgiServer(
        load_app,
        port=settings.port,
        workers=settings.web_concurrency,
        when_ready=lambda _arbiter: background.start(),
        on_exit=lambda _arbiter: background.stop(),
    )
    log.info("serving /slack/events, /healthz, /metrics and /insights on port %s", settings.port)
    if settings.oauth_enabled:
        log.info("installs: %s/slack/install", settings.public_url)
    try:
        server.run()
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _background_processes(settings: Settings) -> SupervisedGroup:
    """`app.py worker` WORKER_PROCESSES times; the scheduler (if enabled) only in the first,
    so that a tick is tried once per host (its advisory lock keeps it once anyway)."""
    from bot.server import Supervised, SupervisedGroup

    command = [sys.executable, str(HERE / "app.py"), "worker"]
    return SupervisedGroup(
        [
            Supervised(command, env=None if number == 0 else {"SCHEDULER_ENABLED": "false"})
            for number in range(settings.worker_processes)
        ]
    )


def _metrics_directory() -> str | None:
    """prometheus_client's multiprocess mode for this host's processes (the gunicorn workers,
    forked later, and the background process, started later, inherit the variable), so that
    `/metrics` on any web worker adds up all of them. It must be set before any of them
    imports prometheus_client. A directory named in PROMETHEUS_MULTIPROC_DIR is emptied
    (counters start again with the processes); else a fresh one is made, and removed at exit."""
    if "prometheus_client" in sys.modules:
        log.warning("prometheus_client was imported early: /metrics shows one process each")
        return None
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink(missing_ok=True)
        return None
    made = tempfile.mkdtemp(prefix="reciprocity-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


def _serve_socket_mode(settings: Settings) -> int:
    """One process: the Socket Mode connection (each envelope acknowledged after its work is
    committed, as over HTTP: handlers/socket_mode.py), the queue's worker and the scheduler,
    as `app.py worker` runs them beside gunicorn in HTTP mode.

    SIGTERM (or SIGINT): no new envelopes (Slack delivers those again), the ones being
    handled finish and are acknowledged, the scheduler stops, the worker lets what runs
    finish; then exit 0."""
    import signal
    import threading

    from slack_sdk.errors import SlackApiError

    from bot.slack_api import error_of
    from handlers.app import create_app
    from handlers.socket_mode import DurableSocketModeHandler

    assert settings.slack_app_token is not None
    deps = build_deps(settings, web=True)
    app = create_app(deps)
    worker = _start_worker(settings)
    scheduler = _start_scheduler(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    handler = DurableSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    code = 0
    try:
        try:
            handler.connect()  # type: ignore[no-untyped-call]
        except SlackApiError as error:  # e.g. invalid_auth, not_allowed_token_type
            log.error("Socket Mode could not connect (apps.connections.open: %s)", error_of(error))
            code = 1
        except OSError as error:  # Slack unreachable: exit, for the supervisor to restart
            log.error("Socket Mode could not connect (%s)", type(error).__name__)
            code = 1
        else:
            log.info(
                "connected over Socket Mode (queued work%s in this process)",
                ", scheduler" if scheduler is not None else "",
            )
            stop.wait()
            log.info("stopping: no new envelopes; waiting for what runs")
            handler.stop()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        worker.stop()
    log.info("stopped")
    return code


def _start_worker(settings: Settings) -> QueueWorker:
    from handlers.app import create_app
    from handlers.queue import QueueWorker

    deps = build_deps(settings)
    worker = QueueWorker(
        create_app(deps, consumer=True),
        sessions=deps.sessions,
        clock=deps.clock,
        engine=deps.engine,
        threads=settings.worker_threads,
        yield_above=settings.worker_yield_above,
    )
    worker.start()
    return worker


def _start_scheduler(settings: Settings) -> BackgroundScheduler | None:
    if not settings.scheduler_enabled:
        log.info("SCHEDULER_ENABLED=false: no scheduled jobs in this process")
        return None
    from scheduler.runner import start_scheduler

    return start_scheduler(build_deps(settings))


def background() -> int:
    """Run queued work (and, unless SCHEDULER_ENABLED=false, the scheduler) until stopped.

    SIGTERM: take no new work, let what runs finish, then exit."""
    import signal
    import threading

    from bot.logs import configure_logging
    from handlers.queue import lower_priority

    settings = load_settings()
    if not settings.has_slack_credentials:
        sys.stderr.write(SETUP_HELP)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    lower_priority()
    worker = _start_worker(settings)
    scheduler = _start_scheduler(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info(
        "background worker running (queued work%s)",
        ", scheduler" if settings.scheduler_enabled else "",
    )
    stop.wait()
    log.info("stopping: no new work; waiting for what runs")
    if scheduler is not None:
        scheduler.shutdown(wait=True)
    worker.stop()
    log.info("stopped")
    return 0


def _parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Reciprocity, a Slack app.")
    sub = parser.add_subparsers(dest="cmd")
    sub.add_parser("serve", help="run the bot (default)")
    sub.add_parser("migrate", help="upgrade the database schema to the newest version")
    sub.add_parser("worker", help="run queued work and the scheduler (serve starts one itself)")
    job = sub.add_parser("run-job", help="run one scheduled job once, now")
    job.add_argument("name")
    job.add_argument("--channel", help="do this channel's job for the current period")
    job.add_argument("--at", help="pretend it is this moment (ISO-8601)")
    export = sub.add_parser("export", help="write every record to stdout, one per line")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--type", action="append", dest="types", help="only this record type")
    export.add_argument("--since", help="only records from this date (ISO-8601)")
    inbox = sub.add_parser("inbox", help="list queued work that is pending, or dead")
    inbox.add_argument("--dead", action="store_true", help="list dead items (failed 5 times)")
    inbox.add_argument("--retry", metavar="ID|all", help="put a dead item (or all) back")
    forget = sub.add_parser("forget", help="erase a person's personal data, their ids included")
    forget.add_argument("--user", required=True, help="the person's Slack user id (U…)")
    forget.add_argument("--team", help="only in this workspace (default: every workspace)")
    forget.add_argument("--yes", action="store_true", help="don't ask for confirmation")
    record = sub.add_parser("record", help="a person's own contribution record")
    record.add_argument("--user", required=True, help="the person's Slack user id (U…)")
    record.add_argument("--team", help="the workspace (default: the only one they are in)")
    record.add_argument("--since", help="from this date (default: the last 90 days)")
    record.add_argument("--format", choices=("md", "json"), default="md")
    sub.add_parser("new-token-key", help="print a fresh key for TOKEN_ENCRYPTION_KEYS")
    sub.add_parser(
        "rotate-token-key",
        help="re-encrypt every stored token with the first of TOKEN_ENCRYPTION_KEYS",
    )
    insights = sub.add_parser("insights", help="the leadership numbers, and files of them")
    insights.add_argument("--team", help="the workspace (default: the only one)")
    insights.add_argument("--weeks", type=int, default=12, help="weeks in the period (1-104)")
    insights.add_argument("--department", help="only this department (or `other`)")
    insights.add_argument(
        "--min-group",
        type=int,
        help="smallest group shown, 3-10 (default: the workspace's, else INSIGHTS_MIN_GROUP)",
    )
    insights.add_argument("--out", default=".", help="where the files go (default: here)")
    insights.add_argument("--at", help="the period ends at this moment (ISO-8601; default now)")
    departments = sub.add_parser("departments", help="set people's departments in bulk")
    departments_sub = departments.add_subparsers(dest="departments_cmd", required=True)
    department_import = departments_sub.add_parser(
        "import", help="from a CSV with the header user_id,department (all or nothing)"
    )
    department_import.add_argument("file")
    department_import.add_argument("--team", help="the workspace (default: the only one)")
    args = parser.parse_args(argv)
    if args.cmd == "new-token-key":  # needs no settings: it makes the one OAuth mode needs
        from bot.installs import new_key

        print(new_key())
        return 0

    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    from bot.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    cmd = args.cmd or "serve"
    if cmd == "migrate":
        migrate(settings.database_url)
        return 0
    if cmd == "serve":
        return serve(settings)
    if cmd == "worker":
        return background()
    if cmd == "export":
        return _export(settings, args)
    if cmd == "forget":
        return _forget(settings, args)
    if cmd == "inbox":
        return _inbox(settings, args)
    if cmd == "record":
        return _record(settings, args)
    if cmd == "rotate-token-key":
        return _rotate_token_key(settings)
    if cmd == "insights":
        return _insights(settings, args)
    if cmd == "departments":
        return _departments_import(settings, args)
    if cmd == "run-job":
        from scheduler.jobs import run_job

        try:
            at = _parse_time(args.at)
        except ValueError:
            sys.stderr.write("--at must be an ISO-8601 moment, e.g. 2026-11-27T15:00:00Z\n")
            return 2
        deps = build_deps(settings)
        try:
            print(run_job(args.name, deps, now=at, channel=args.channel))
        except KeyError as exc:
            sys.stderr.write(f"{exc.args[0]}\n")
            return 2
        return 0
    parser.print_help()
    return 2


def _only_team(session: Any, team: str | None) -> str:
    """`--team`, or the one workspace the database holds; ValueError when that is unclear."""
    from sqlalchemy import select

    from models import Member, Workspace

    if team:
        return str(team).strip().upper()
    teams = set(session.scalars(select(Workspace.team_id)))
    teams |= set(session.scalars(select(Member.team_id).distinct()))
    if not teams:
        raise ValueError("no workspace in the database yet")
    if len(teams) > 1:
        raise ValueError(f"several workspaces ({', '.join(sorted(teams))}): choose one with --team")
    return str(teams.pop())


def _insights(settings: Settings, args: argparse.Namespace) -> int:
    """Print the headline numbers; write insights.json, weekly.csv and trend.png to --out."""
    import json

    from bot.db import make_engine, make_sessionmaker
    from bot.services.insights import compute_insights
    from bot.services.insights.access import min_group
    from bot.services.insights.output import headline_table, report_json, weekly_csv

    if not 1 <= args.weeks <= 104:
        sys.stderr.write("--weeks must be between 1 and 104\n")
        return 2
    if args.min_group is not None and not 3 <= args.min_group <= 10:
        sys.stderr.write("--min-group must be between 3 and 10\n")
        return 2
    try:
        at = _parse_time(args.at)
    except ValueError:
        sys.stderr.write("--at must be an ISO-8601 moment, e.g. 2026-11-27T15:00:00Z\n")
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        sys.stderr.write(f"--out {out} is not a directory\n")
        return 2
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            try:
                team = _only_team(session, args.team)
            except ValueError as exc:
                sys.stderr.write(f"{exc}\n")
                return 2
            smallest = args.min_group or min_group(
                session=session, team_id=team, default=settings.insights_min_group
            )
            report = compute_insights(
                session,
                team,
                now=at,
                weeks=args.weeks,
                department=args.department,
                min_group=smallest,
            )
    finally:
        engine.dispose()
    from bot.charts import trend_png

    out.mkdir(parents=True, exist_ok=True)
    (out / "insights.json").write_text(
        json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "weekly.csv").write_text(weekly_csv(report), encoding="utf-8")
    (out / "trend.png").write_bytes(trend_png(report))
    sys.stdout.write(headline_table(report))
    print(f"wrote insights.json, weekly.csv and trend.png to {out}")
    return 0


def _departments_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import make_engine, make_sessionmaker
    from bot.services.insights.departments import (
        DepartmentsFileError,
        parse_departments,
        set_departments,
    )

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        sys.stderr.write(f"can't read {args.file}: {exc}\n")
        return 2
    try:
        assignments = parse_departments(text)
    except DepartmentsFileError as exc:
        sys.stderr.write(f"{args.file}: nothing was changed\n")
        for problem in exc.problems[:50]:
            sys.stderr.write(f"  {problem}\n")
        if len(exc.problems) > 50:
            sys.stderr.write(f"  … and {len(exc.problems) - 50} more\n")
        return 2
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            try:
                team = _only_team(session, args.team)
            except ValueError as exc:
                sys.stderr.write(f"{exc}\n")
                return 2
            n = set_departments(
                session=session, team_id=team, assignments=assignments, now=datetime.now(UTC)
            )
    finally:
        engine.dispose()
    print(f"{n} department{'s' if n != 1 else ''} set in {team}")
    return 0


def _inbox(settings: Settings, args: argparse.Namespace) -> int:
    """What the queue holds: kind, workspace, age, attempts, last error — never payload text."""
    from bot.db import make_engine, make_sessionmaker
    from bot.services import work

    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    try:
        if args.retry is not None:
            if args.retry != "all" and not args.retry.isdigit():
                sys.stderr.write("--retry takes an item's id (see `inbox --dead`) or `all`\n")
                return 2
            item_id = None if args.retry == "all" else int(args.retry)
            n = work.retry(sessions=sessions, item_id=item_id, now=now)
            print(f"{n} dead item{'s' if n != 1 else ''} queued again")
            return 0 if n or item_id is None else 1
        rows = work.listing(sessions=sessions, dead=args.dead)
        counts = work.counts(sessions=sessions)
    finally:
        engine.dispose()
    what = "dead" if args.dead else "pending"
    print(
        f"{counts.get('pending', 0)} pending, {counts.get('dead', 0)} dead, "
        f"{counts.get('done', 0)} done (kept for redeliveries)"
    )
    if not rows:
        print(f"no {what} items")
    for row in rows:
        age = _age(now - row.enqueued_at)
        error = f"  last error: {row.last_error}" if row.last_error else ""
        print(
            f"#{row.id}  {row.kind}  team {row.team_id or '-'}  {age} old  "
            f"{row.attempts} attempt{'s' if row.attempts != 1 else ''}{error}"
        )
    return 0


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _forget(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import make_engine, make_sessionmaker
    from bot.services.forget import forget_user

    user = args.user.strip().upper()
    if not args.yes:
        if not sys.stdin.isatty():
            sys.stderr.write("forget erases data for good: confirm with --yes\n")
            return 2
        answer = input(
            f"This erases everything Reciprocity holds about {user}. Type the user id to confirm: "
        )
        if answer.strip().upper() != user:
            sys.stderr.write("not confirmed; nothing was changed\n")
            return 2
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            summary = forget_user(session=session, user_id=user, team_id=args.team)
    except ValueError as exc:  # a malformed id, refused before anything changed
        sys.stderr.write(f"{exc}\n")
        return 2
    finally:
        engine.dispose()
    for table, rows in sorted(summary.items()):
        if rows:
            print(f"{table}: {rows}")
    print(f"{user} forgotten ({sum(summary.values())} rows changed or removed)")
    return 0


def _record(settings: Settings, args: argparse.Namespace) -> int:
    """A person's own record, for an administrator answering their data request. Names come
    from the stored member list (no Slack call)."""
    import json

    from sqlalchemy import select

    from bot.blocks.record import record_markdown
    from bot.db import make_engine, make_sessionmaker
    from bot.errors import DomainError
    from bot.services.record import contribution_record, parse_period
    from models import Member

    user = args.user.strip().upper()
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            teams = (
                [args.team]
                if args.team
                else sorted(
                    set(session.scalars(select(Member.team_id).where(Member.user_id == user)))
                )
            )
            if len(teams) != 1:
                where = "in no workspace I know" if not teams else "in several: " + ", ".join(teams)
                sys.stderr.write(f"{user} is {where}; say which with --team T…\n")
                return 2
            member = session.get(Member, (teams[0], user))
            tz = member.tz if member is not None else "UTC"
            try:
                spec = f"since {args.since}" if args.since else ""
                period = parse_period(spec, now=datetime.now(UTC), tz=tz)
            except DomainError as exc:
                sys.stderr.write(f"--since: {exc.message}\n")
                return 2
            record = contribution_record(
                session=session, team_id=teams[0], user_id=user, period=period
            )
            if args.format == "json":
                print(json.dumps(record.as_json(), indent=2, ensure_ascii=False))
                return 0
            names = {
                m.user_id: m.display_name or m.real_name or m.name or m.user_id
                for m in session.scalars(select(Member).where(Member.team_id == teams[0]))
            }
            sys.stdout.write(record_markdown(record, names))
            return 0
    finally:
        engine.dispose()


def _rotate_token_key(settings: Settings) -> int:
    """Every stored token re-encrypted with the first key: the others can then be dropped."""
    from cryptography.fernet import InvalidToken

    from bot.db import make_engine
    from bot.installs import TokenKeys, rotate_keys

    if not settings.token_keys:
        sys.stderr.write("TOKEN_ENCRYPTION_KEYS is empty: nothing to encrypt with\n")
        return 2
    engine = make_engine(settings.database_url)
    try:
        count = rotate_keys(engine, TokenKeys(settings.token_keys))
    except InvalidToken:
        sys.stderr.write(
            "a stored token can't be read with any key in TOKEN_ENCRYPTION_KEYS: keep the old "
            "key in the list (after the new one) until this has run; nothing was changed\n"
        )
        return 1
    finally:
        engine.dispose()
    print(f"{count} stored secrets re-encrypted with the first key; the others can be dropped")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import make_engine, make_sessionmaker
    from bot.services import export

    unknown = [t for t in args.types or [] if t not in export.EXPORTERS]
    if unknown:
        known = ", ".join(export.EXPORTERS)
        sys.stderr.write(f"unknown --type {', '.join(unknown)} (known: {known})\n")
        return 2
    try:
        since = _parse_time(args.since) if args.since else None
    except ValueError:
        sys.stderr.write("--since must be a date like 2026-01-31\n")
        return 2
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        export.write(
            export.records(session=session, types=args.types, since=since), sys.stdout, args.format
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
