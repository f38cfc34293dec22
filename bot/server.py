"""gunicorn, configured once: the bot and the benchmark's bare app are served the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication


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
