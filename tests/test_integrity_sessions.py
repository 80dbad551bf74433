"""Planner sessions are server-side: revoked at logout and by an administrator, idle and absolute
expiry, a new token at every login; HSTS when served over https only (issue 12, item 7).

The session once lived only in the signed cookie: replayed after logout, it still created scenarios.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_web_api import ADMIN, PLANNER, SECRET, client, context, context_template, login  # noqa: F401  (fixtures)
from typer.testing import CliRunner

from maillage.cli import app as cli
from maillage.registry.models import WebSession, WriteLog
from maillage.web import sessions
from maillage.web.app import SESSION_COOKIE, create_app
from maillage.web.context import WebContext


def _create(http: TestClient, csrf: str, name: str) -> int:
    return http.post("/planner/api/scenarios", json={"name": name}, headers={"x-csrf-token": csrf}).status_code


def test_a_cookie_replayed_after_logout_is_refused(client: TestClient, context: WebContext) -> None:  # noqa: F811
    csrf = login(client, *PLANNER)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert _create(client, csrf, "avant") == 201
    assert client.post("/planner/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie, path="/planner")  # the attacker kept a copy
    assert client.get("/planner/api/session").status_code == 401
    assert _create(client, csrf, "rejoué") == 401
    with Session(context.db) as session:
        row = session.scalars(select(WebSession).where(WebSession.username == PLANNER[0])).one()
        assert row.revoked_at is not None and row.origin == "testclient"
        assert len(row.token_sha256) == 64  # the digest, never the token itself
        assert row.token_sha256 not in (cookie or "")


def test_each_login_opens_a_new_session_token(client: TestClient, context: WebContext) -> None:  # noqa: F811
    client.get("/planner/login")
    before = client.cookies.get(SESSION_COOKIE)
    login(client, *PLANNER)
    first = client.cookies.get(SESSION_COOKIE)
    login(client, *PLANNER)
    assert len({before, first, client.cookies.get(SESSION_COOKIE)}) == 3
    assert sessions.open_sessions(context.db, PLANNER[0]) == 2


def test_an_administrator_closes_every_session_of_an_account(context: WebContext) -> None:  # noqa: F811
    app = create_app(context=context, secret_key=SECRET, rate_per_s=1000, burst=1000)
    with TestClient(app) as alice, TestClient(app) as admin:
        alice_csrf = login(alice, *PLANNER)
        admin_csrf = login(admin, *ADMIN)
        assert alice.delete(f"/planner/api/accounts/{PLANNER[0]}/sessions", headers={"x-csrf-token": alice_csrf}
                            ).status_code == 403  # fmt: skip
        answer = admin.delete(f"/planner/api/accounts/{PLANNER[0]}/sessions", headers={"x-csrf-token": admin_csrf})
        assert answer.status_code == 200 and answer.json() == {"revoked": 1}
        assert _create(alice, alice_csrf, "après révocation") == 401
        assert admin.get("/planner/api/session").status_code == 200  # the admin's own session is untouched
    with Session(context.db) as session:
        log = session.scalars(select(WriteLog).where(WriteLog.action == "sessions_revoke")).one()
        assert (log.actor, log.target, log.detail["sessions"]) == (ADMIN[0], f"account:{PLANNER[0]}", 1)


def test_sessions_revoked_from_the_command_line_are_refused_by_the_app(context: WebContext, db_url: str) -> None:  # noqa: F811
    """``maillage user sessions list|revoke``: an administrator on the server closes a lost laptop's session."""
    app = create_app(context=context, secret_key=SECRET, rate_per_s=1000, burst=1000)
    run = CliRunner().invoke
    with TestClient(app) as laptop, TestClient(app) as desk, TestClient(app) as admin:
        laptop_csrf, desk_csrf, admin_csrf = login(laptop, *PLANNER), login(desk, *PLANNER), login(admin, *ADMIN)
        listed = run(cli, ["user", "sessions", "list", "--db", db_url], terminal_width=160)
        assert listed.exit_code == 0, listed.output
        assert "3 sessions ouvertes" in listed.output
        assert listed.output.count(f"│ {PLANNER[0]} ") == 2 and listed.output.count(f"│ {ADMIN[0]} ") == 1
        assert listed.output.count("testclient") == 3  # where each came from

        typo = run(cli, ["user", "sessions", "revoke", "--user", "alicee", "--db", db_url])
        assert typo.exit_code == 1 and "vouliez-vous dire « alice »" in typo.output
        assert run(cli, ["user", "sessions", "revoke", "--db", db_url]).exit_code == 1  # neither --user nor --all
        assert _create(laptop, laptop_csrf, "avant") == 201  # nothing revoked by the refusals

        done = run(cli, ["user", "sessions", "revoke", "--user", PLANNER[0], "--db", db_url])
        assert done.exit_code == 0 and f"2 sessions de {PLANNER[0]} fermées" in done.output, done.output
        assert _create(laptop, laptop_csrf, "portable perdu") == 401
        assert _create(desk, desk_csrf, "bureau") == 401
        assert laptop.get("/planner/api/session").status_code == 401
        assert laptop.get("/planner", follow_redirects=False).headers["location"] == "/planner/login"
        assert admin.get("/planner/api/session").status_code == 200  # other accounts untouched

        everyone = run(cli, ["user", "sessions", "revoke", "--all", "--db", db_url])
        assert everyone.exit_code == 0 and "1 session fermée" in everyone.output, everyone.output
        assert admin.delete(f"/planner/api/accounts/{PLANNER[0]}/sessions",
                            headers={"x-csrf-token": admin_csrf}).status_code == 401  # fmt: skip
        assert "Aucune session ouverte." in run(cli, ["user", "sessions", "list", "--db", db_url]).output
        assert login(laptop, *PLANNER) and laptop.get("/planner/api/session").status_code == 200  # log in again
    with Session(context.db) as session:
        logs = session.scalars(select(WriteLog).where(WriteLog.action == "sessions_revoke").order_by(WriteLog.id)).all()
    assert [(log.actor.startswith("cli"), log.target, log.detail["sessions"]) for log in logs] == [
        (True, f"account:{PLANNER[0]}", 2), (True, "account:*", 1)]


def test_idle_and_absolute_expiry(context: WebContext) -> None:  # noqa: F811
    start = datetime(2026, 12, 3, 8, 0, 0)
    idle, absolute = timedelta(seconds=sessions.IDLE_TIMEOUT_S), timedelta(seconds=sessions.ABSOLUTE_TIMEOUT_S)
    token = sessions.open_session(context.db, PLANNER[0], "192.0.2.1", now=start)
    assert sessions.session_username(context.db, token, now=start + idle - timedelta(seconds=1)) == PLANNER[0]
    # that request refreshed the idle clock: another idle period later it is still open…
    late = start + 2 * idle - timedelta(seconds=2)
    assert sessions.session_username(context.db, token, now=late) == PLANNER[0]
    # …but not after a full idle period without a request
    assert sessions.session_username(context.db, token, now=late + idle + timedelta(seconds=1)) is None
    # and never past the absolute limit, however active
    busy = sessions.open_session(context.db, PLANNER[0], None, now=start)
    moment = start
    while moment < start + absolute:
        assert sessions.session_username(context.db, busy, now=moment) == PLANNER[0]
        moment += idle / 2
    assert sessions.session_username(context.db, busy, now=start + absolute + timedelta(seconds=1)) is None
    assert sessions.session_username(context.db, "not-a-token") is None


def test_hsts_only_when_served_over_https(context: WebContext) -> None:  # noqa: F811
    with TestClient(create_app(context=context, secret_key=SECRET, https_only=True), base_url="https://t") as c:
        assert c.get("/").headers["strict-transport-security"].startswith("max-age=31536000")
    with TestClient(create_app(context=context, secret_key=SECRET, https_only=False)) as c:
        assert "strict-transport-security" not in c.get("/").headers


def test_the_write_log_says_where_each_web_write_comes_from(client: TestClient, context: WebContext) -> None:  # noqa: F811
    page = client.get("/planner/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/planner/login", data={"username": "mallory", "password": "nope-nope-nope", "csrf_token": token})
    assert _create(client, login(client, *PLANNER), "d'où") == 201
    with Session(context.db) as session:
        failed = session.scalars(select(WriteLog).where(WriteLog.action == "login_failed")).one()
        logs = session.scalars(select(WriteLog).where(WriteLog.action.in_(["login", "scenario_create"]))).all()
    assert {(log.action, log.detail.get("origin")) for log in logs} == {
        ("login", "ip testclient"), ("scenario_create", "ip testclient")
    }
    assert (failed.actor, failed.detail.get("origin")) == ("mallory", "ip testclient")
