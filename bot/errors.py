"""The one error type for expected mistakes: the edge shows its message to the user."""

from __future__ import annotations


class DomainError(Exception):
    """A mistake the user can fix. `field` names the form field to flag, when there is one;
    `usage` is the command's usage text, shown under the message."""

    def __init__(self, message: str, *, field: str | None = None, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.usage = usage

    def with_usage(self, usage: str) -> DomainError:
        """The same mistake, with the command's usage shown under it (unless it has one)."""
        return DomainError(self.message, field=self.field, usage=self.usage or usage)

    @property
    def text(self) -> str:
        """What the person reads: the message, and the usage when there is one."""
        if not self.usage:
            return self.message
        gap = "\n\n" if "\n" in self.usage else "\n"
        return f"{self.message}{gap}{self.usage}"


class NotSaved(Exception):
    """Work could not be committed (the database is unreachable or too slow): nothing was
    saved, and nobody may be told it was."""


class NotSure(NotSaved):
    """The commit was under way and did not answer in time: it may or may not have happened."""
