"""The one error type for expected mistakes: the handler shows its message to the user."""

from __future__ import annotations


class DomainError(Exception):
    """A mistake the user can fix; `field` names the modal block to flag, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
