"""Dashboard sign-in: a short-lived, single-use link from Slack, then an 8-hour session.

Both are signed with a key derived from the Slack signing secret (never the secret itself),
each for its own purpose, so a link can't pass for a session or the other way round. Time
comes from the caller's clock. Single use is the database's part (access.use_link).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)
_LINK, _SESSION = "insights-link", "insights-session"


@dataclass(frozen=True)
class Pass:
    """Who a link or a session lets in, and until when."""

    team_id: str
    user_id: str
    expires_at: datetime
    link_id: str = ""  # links only: the id that makes each one work once


def _key(signing_secret: str) -> bytes:
    return hmac.new(
        signing_secret.encode(), b"reciprocity insights dashboard", hashlib.sha256
    ).digest()


def _serializer(signing_secret: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(_key(signing_secret), salt=purpose)


def _sign(signing_secret: str, purpose: str, who: Pass) -> str:
    fields = {"t": who.team_id, "u": who.user_id, "e": int(who.expires_at.timestamp())}
    if who.link_id:
        fields["j"] = who.link_id
    return str(_serializer(signing_secret, purpose).dumps(fields))


def _read(signing_secret: str, purpose: str, token: str, now: datetime) -> Pass | None:
    if not token or len(token) > 1000:
        return None
    try:
        fields = _serializer(signing_secret, purpose).loads(token)
    except BadSignature:
        return None
    if not isinstance(fields, dict):
        return None
    team_id, user_id, expires, link_id = (fields.get(k) for k in ("t", "u", "e", "j"))
    if not (isinstance(team_id, str) and isinstance(user_id, str) and isinstance(expires, int)):
        return None
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= now:
        return None
    return Pass(team_id, user_id, expires_at, link_id if isinstance(link_id, str) else "")


def make_link_token(signing_secret: str, *, team_id: str, user_id: str, now: datetime) -> str:
    who = Pass(team_id, user_id, now + LINK_LIFETIME, secrets.token_hex(16))
    return _sign(signing_secret, _LINK, who)


def read_link_token(signing_secret: str, token: str, *, now: datetime) -> Pass | None:
    """The link's pass, or None if it is tampered with, expired or no link at all."""
    who = _read(signing_secret, _LINK, token, now)
    return who if who is not None and who.link_id else None


def make_session(signing_secret: str, *, team_id: str, user_id: str, now: datetime) -> str:
    return _sign(signing_secret, _SESSION, Pass(team_id, user_id, now + SESSION_LIFETIME))


def read_session(signing_secret: str, cookie: str, *, now: datetime) -> Pass | None:
    return _read(signing_secret, _SESSION, cookie, now)
