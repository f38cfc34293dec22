"""Running `app.py` the way a person does: as a subprocess, or (faster, same code path from
`main`) inside the test process with its own environment and output."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_LOGGERS = (
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy.engine",
    "alembic.runtime.plugins",
    "apscheduler",
    "slack_bolt.App",
)


def run_app(
    *args: str, env: dict[str, str], timeout: float = 60, in_process: bool = False
) -> subprocess.CompletedProcess[str]:
    """`python app.py ARGS` with `env` on top of the environment (minus SLACK_*/DATABASE_*)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    full_env.update(env)
    if not in_process:
        return subprocess.run(
            [sys.executable, "app.py", *args],
            cwd=ROOT,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    import app

    saved_env = dict(os.environ)
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    saved = {n: (logging.getLogger(n).level, logging.getLogger(n).filters[:]) for n in _LOGGERS}
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(full_env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = app.main(list(args))
            except SystemExit as exit_:  # argparse's own exits
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:], root.level = saved_root
        for name, (level, filters) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.filters[:] = filters
    return subprocess.CompletedProcess(["app.py", *args], code, out.getvalue(), err.getvalue())
