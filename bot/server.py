"""gunicorn, configured once: the bot and the benchmark's bare app are served the same way."""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)


class WsgiServer(BaseApplication):  # type: ignore[misc]
    """Runs `load_app()` in each worker (so each has its own engine and client)."""

    def __init__(
        self,
        load_app: Callable[[], Callable[..., Any]],
        *,
        port: int,
        workers: int,
        threads: int = 8,
        when_ready: Callable[[Any], None] | None = None,
        on_exit: Callable[[Any], None] | None = None,
    ) -> None:
        self._load_app = load_app
        self._options = {
            "bind": f"0.0.0.0:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "accesslog": None,
            "keepalive": 5,
        }
        if when_ready is not None:
            self._options["when_ready"] = when_ready
        if on_exit is not None:
            self._options["on_exit"] = on_exit
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Any]:
        return self._load_app()


class Supervised:
    """A child process kept running: restarted if it exits, stopped on request.

    gunicorn restarts its own workers but knows nothing of ours (the background process
    that runs queued work and the scheduler), so this watches it from the master.
    """

    def __init__(self, command: list[str], *, check_every: float = 5.0) -> None:
        self.command = command
        self.check_every = check_every
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # a restart and a stop never overlap

    def start(self) -> None:
        self._spawn()
        threading.Thread(target=self._watch, name="supervisor", daemon=True).start()

    def stop(self, timeout: float = 20.0) -> None:
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.starts += 1

    def _watch(self) -> None:
        while not self._stopping.wait(self.check_every):
            if self.process is not None and self.process.poll() is not None:
                log.warning(
                    "%s exited with %s; starting it again",
                    self.command[-1],
                    self.process.returncode,
                )
                self._spawn()
