"""Accounts of the planner workspace: argon2 password hashes, roles, and the login check.

Passwords are hashed with argon2id (argon2-cffi defaults, RFC 9106 low-memory profile); a hash made
with older parameters is upgraded at the next successful login. A login attempt on an unknown user
still verifies against a dummy hash so that both cases take the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from maillage.i18n import _
from maillage.registry.models import Account, WriteLog

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("maillage-dummy-password")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


class Role(StrEnum):
    PLANNER = "planner"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    """The logged-in person, as kept in the session."""

    username: str
    role: Role


class AccountError(ValueError):
    """An account cannot be created or changed (message says why)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_account(db: Engine, username: str, password: str, role: Role | str, *, actor: str = "cli") -> None:
    """Add an account (or reset an existing one's password and role); recorded in WriteLog."""
    role = Role(role)
    username = username.strip()
    if not username or len(username) > 120 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AccountError(_("identifiant : 1 à 120 caractères (lettres, chiffres, . - _)"))
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(_("mot de passe : au moins {n} caractères").format(n=MIN_PASSWORD_LENGTH))
    with Session(db) as session, session.begin():
        account = session.scalars(select(Account).where(Account.username == username)).first()
        action = "account_update" if account else "account_create"
        if account is None:
            account = Account(username=username, password_hash="", role=role.value, active=True)
            session.add(account)
        account.password_hash = hash_password(password)
        account.role = role.value
        account.active = True
        session.add(WriteLog(actor=actor, action=action, target=f"account:{username}", detail={"role": role.value}))


def authenticate(db: Engine, username: str, password: str) -> User | None:
    """The user if the password matches an active account, else None (same cost either way)."""
    with Session(db) as session, session.begin():
        account = session.scalars(select(Account).where(Account.username == username)).first()
        stored = account.password_hash if account is not None and account.active else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if account is None or not account.active:
            return None
        if _hasher.check_needs_rehash(stored):
            account.password_hash = hash_password(password)
        return User(account.username, Role(account.role))


def is_active(db: Engine, username: str) -> bool:
    """Whether the account still exists and is active."""
    return active_role(db, username) is not None


def active_role(db: Engine, username: str) -> Role | None:
    """The account's role if it exists and is active, else None (read on every planner request, so a
    role change or a deactivation applies at once)."""
    with Session(db) as session:
        account = session.scalars(select(Account).where(Account.username == username)).first()
        return Role(account.role) if account is not None and account.active else None


def account_names(db: Engine) -> list[str]:
    """Every account's identifier, sorted (active or not)."""
    with Session(db) as session:
        return list(session.scalars(select(Account.username).order_by(Account.username)))


def log_write(db: Engine, actor: str, action: str, target: str | None, detail: dict | None = None) -> None:
    """Record one write (login, logout, scenario edit…) in WriteLog."""
    with Session(db) as session, session.begin():
        session.add(WriteLog(actor=actor, action=action, target=target, detail=detail or {}))
