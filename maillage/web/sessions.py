"""Server-side sessions of the planner workspace: revocable, with idle and absolute expiry.

The signed cookie only carries a random token; the ``web_session`` table keeps its SHA-256 (a copy
of the database gives no usable cookie). A session is valid while its row is not revoked, was used
in the last :data:`IDLE_TIMEOUT_S` and was opened less than :data:`ABSOLUTE_TIMEOUT_S` ago. Logout
revokes it; an administrator can revoke every session of an account; login always opens a new
one (the token rotates, so a token seen before login is worth nothing after).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from maillage.registry.models import WebSession

IDLE_TIMEOUT_S = 3600  # an hour without a request ends the session
ABSOLUTE_TIMEOUT_S = 8 * 3600  # a working day, whatever the activity (also the cookie's max age)
TOUCH_EVERY_S = 60  # last_seen_at is written at most once a minute: reads stay reads


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC: both SQLite and PostgreSQL keep it as is


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Engine, username: str, origin: str | None, now: datetime | None = None) -> str:
    """A new session for ``username``; returns the token to put in the cookie. Expired rows are pruned."""
    now = now or _now()
    token = secrets.token_urlsafe(32)
    with Session(db) as session, session.begin():
        session.execute(delete(WebSession).where(WebSession.created_at < now - timedelta(seconds=ABSOLUTE_TIMEOUT_S)))
        session.add(
            WebSession(
                token_sha256=_digest(token),
                username=username,
                created_at=now,
                last_seen_at=now,
                origin=(origin or "")[:200] or None,
            )
        )
    return token


def session_username(db: Engine, token: str | None, now: datetime | None = None) -> str | None:
    """The account of a valid session token, else None (revoked, idle too long, too old, unknown)."""
    if not token or not isinstance(token, str):
        return None
    now = now or _now()
    key = _digest(token)
    with Session(db) as session:
        row = session.get(WebSession, key)
        if row is None or row.revoked_at is not None:
            return None
        if now - row.created_at > timedelta(seconds=ABSOLUTE_TIMEOUT_S):
            return None
        if now - row.last_seen_at > timedelta(seconds=IDLE_TIMEOUT_S):
            return None
        username, stale = row.username, now - row.last_seen_at > timedelta(seconds=TOUCH_EVERY_S)
    if stale:
        with Session(db) as session, session.begin():
            session.execute(update(WebSession).where(WebSession.token_sha256 == key).values(last_seen_at=now))
    return username


def revoke(db: Engine, token: str | None) -> None:
    """End one session (logout)."""
    if token and isinstance(token, str):
        _revoke_where(db, WebSession.token_sha256 == _digest(token))


def _revoke_where(db: Engine, *conditions) -> int:
    with Session(db) as session, session.begin():
        result = session.execute(
            update(WebSession).where(WebSession.revoked_at.is_(None), *conditions).values(revoked_at=_now())
        )
        return int(result.rowcount or 0)


def revoke_account(db: Engine, username: str) -> int:
    """End every open session of ``username`` (an administrator's action); returns how many."""
    return _revoke_where(db, WebSession.username == username)


def revoke_all(db: Engine) -> int:
    """End every open session of every account (``maillage user sessions revoke --all``); returns how many."""
    return _revoke_where(db)


def open_sessions(db: Engine, username: str) -> int:
    """How many sessions of ``username`` are not revoked (expired ones included until pruned)."""
    with Session(db) as session:
        rows = session.scalars(
            select(WebSession.token_sha256).where(WebSession.username == username, WebSession.revoked_at.is_(None))
        )
        return len(rows.all())


@dataclass(frozen=True)
class OpenSession:
    """A session that still opens the workspace, as an administrator reviews it (times in naive UTC)."""

    username: str
    created_at: datetime
    last_seen_at: datetime
    origin: str | None


def valid_sessions(db: Engine, username: str | None = None, now: datetime | None = None) -> list[OpenSession]:
    """Sessions neither revoked nor expired (idle or absolute), of ``username`` or of everyone, oldest first."""
    now = now or _now()
    query = select(WebSession).where(
        WebSession.revoked_at.is_(None),
        WebSession.created_at >= now - timedelta(seconds=ABSOLUTE_TIMEOUT_S),
        WebSession.last_seen_at >= now - timedelta(seconds=IDLE_TIMEOUT_S),
    )
    if username is not None:
        query = query.where(WebSession.username == username)
    with Session(db) as session:
        rows = session.scalars(query.order_by(WebSession.username, WebSession.created_at)).all()
        return [OpenSession(r.username, r.created_at, r.last_seen_at, r.origin) for r in rows]
