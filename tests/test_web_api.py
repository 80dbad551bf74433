"""The web app as a resident and a planner use it, through its HTTP API (in-process, httpx TestClient).

Runs on the real Hauts-de-Seine registry, on SQLite and (when available) PostgreSQL (``db_url``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from maillage import api
from maillage.numbers import fr_int
from maillage.planning.proposals import summary_lines
from maillage.registry.models import WriteLog
from maillage.registry.snapshot import load_snapshot
from maillage.web.app import create_app
from maillage.web.auth import create_account
from maillage.web.context import WebContext, build_context

SECRET = "test-secret-key-that-is-long-enough-0123456789"
PLANNER = ("alice", "correct-horse-battery")
ADMIN = ("root", "admin-password-123")
TUESDAY_10H = "2026-11-24T10:00:00"


@pytest.fixture(scope="session")
def context_template(shared_data: Path, registry_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """The start-up state built once per worker: building it is most of a web test's time."""
    path = tmp_path_factory.mktemp("context") / "registry.sqlite"
    shutil.copy(registry_template, path)
    return build_context(f"sqlite:///{path}", shared_data)


@pytest.fixture
def context(db_url: str, shared_data: Path, registry_template: Path, context_template: WebContext) -> WebContext:
    if db_url.startswith("sqlite:///"):
        shutil.copy(registry_template, db_url.removeprefix("sqlite:///"))
    else:
        api.init_registry(shared_data, db_url)
    db = api.open_registry(db_url)
    same = load_snapshot(db).sites.equals(context_template.snapshot.sites)
    # the template's read-only state serves this test's database only when it holds the same registry
    ctx = replace(context_template, db=db) if same else build_context(
        db_url, shared_data)  # fmt: skip
    create_account(ctx.db, *PLANNER, "planner", actor="test")
    create_account(ctx.db, *ADMIN, "admin", actor="test")
    return ctx


@pytest.fixture
def client(context: WebContext) -> Iterator[TestClient]:
    with TestClient(create_app(context=context, secret_key=SECRET, rate_per_s=1000, burst=1000)) as c:
        yield c


@pytest.fixture(scope="module")
def public_client(shared_data: Path, registry_template: Path, tmp_path_factory: pytest.TempPathFactory):
    """One app for the read-only resident tests (building the context is most of a test's time)."""
    path = tmp_path_factory.mktemp("public") / "registry.sqlite"
    shutil.copy(registry_template, path)
    ctx = build_context(f"sqlite:///{path}", shared_data)
    with TestClient(create_app(context=ctx, secret_key=SECRET, rate_per_s=1000, burst=1000)) as c:
        yield c


def login(client: TestClient, username: str, password: str) -> str:
    """Log in through the form like a browser; returns the CSRF token of the new session."""
    page = client.get("/planner/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/planner/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client.get("/planner/api/session").json()["csrf_token"]


# ---- resident -----------------------------------------------------------------------------------


def test_pmi_search_from_bagneux_lists_real_sites_with_times_and_hours(client: TestClient) -> None:
    response = client.get("/api/search", params={"need": "pmi", "commune": "92007", "at": TUESDAY_10H})
    assert response.status_code == 200
    body = response.json()
    sites = body["sites"]
    assert body["need_label"] == "Santé de l'enfant / PMI"
    # street times on the data folder's OSM extract, said in plain French without file name
    assert body["mode"] == "walk" and "par les rues" in body["model_fr"]
    assert "vol d'oiseau" not in body["model_fr"] and ".pbf" not in body["model_fr"]
    assert 5 <= len(sites) <= 10
    assert "Bagneux" in sites[0]["name"] and sites[0]["phone"] == "01 55 58 14 90"
    minutes = [s["minutes"] for s in sites]
    assert minutes == sorted(minutes) and all(0 < m < 120 for m in minutes)
    assert all(s["minutes_min"] <= s["minutes"] <= s["minutes_max"] for s in sites)
    assert all("Santé de l'enfant / PMI" in s["services"] for s in sites)
    # the Bagneux PMI (13 avenue Gabriel-Péri, no coordinates in its source) is on the extract's address point
    assert not sites[0]["approximate_position"]
    assert sites[0]["position_label"] == "géocodé (adresse OpenStreetMap)"
    chatillon = next(s for s in sites if s["id"] == "pg-pole-chatillon")
    assert chatillon["opening_hours"] == "Mo-Fr 08:30-12:30,13:30-17:30"
    assert chatillon["opening"] == {
        "open_now": True,
        "next_change": "2026-11-24T12:30:00",
        "next_change_is_opening": False,
    }
    unknown = [s for s in sites if s["opening_hours"] is None]
    assert unknown and all(s["opening"]["open_now"] is None for s in unknown)  # never guessed


def test_public_page_renders_the_answer_without_cookie(client: TestClient) -> None:
    page = client.get("/", params={"need": "pmi", "origin": "commune", "commune": "92007"})
    assert page.status_code == 200
    html = unescape(page.text)
    assert '<html lang="fr">' in html and 'href="#contenu"' in html
    assert "Centre de protection maternelle et infantile (PMI) - Bagneux - Gabriel-Péri" in html
    assert "min à pied" in html and "Position approximative" in html and "par les rues" in html
    assert "vol d'oiseau" not in html
    assert "set-cookie" not in page.headers
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    empty = client.get("/", params={"need": "pmi", "origin": "commune", "commune": ""})
    assert empty.status_code == 422 and "Indiquez votre adresse, votre commune ou votre code postal" in unescape(
        empty.text
    )


# Words and names that must never reach a resident (English, file names, repositories).
NOT_FOR_RESIDENTS = ("excerpt", "(announced)", "github:", ".csv", ".pbf", ".txt", "supply the", "non indiqué")


@pytest.mark.parametrize(
    ("q", "origin"),
    [("bagneux", "Bagneux (centre de la commune)"), ("92220", "Bagneux (centre de la commune)"),
     ("Bagnex", "Bagneux (centre de la commune)"), ("92130", "Issy-les-Moulineaux (centre de la commune)")],
)  # fmt: skip
def test_the_search_box_takes_a_commune_name_or_a_postcode(public_client: TestClient, q: str, origin: str) -> None:
    page = public_client.get("/", params={"need": "pmi", "q": q})
    assert page.status_code == 200
    html = unescape(page.text)
    assert f"depuis {origin}" in html and "Votre pôle social" in html and "min à pied" in html
    assert not [w for w in NOT_FOR_RESIDENTS if w in html.split("<main", 1)[1]]


def test_a_typed_address_lands_on_its_address_point_and_the_sector_pole(public_client: TestClient) -> None:
    params = {"need": "aide_alimentaire", "q": "13 rue jean pierre timbaud issy"}
    body = public_client.get("/api/orient", params=params).json()
    assert body["lookup"]["place"]["precision_fr"] == "adresse" and body["commune_code"] == "92040"
    # the OSM address point of 13 rue Jean-Pierre Timbaud, a few metres from the pôle (13-15)
    assert abs(body["origin_lon"] - 2.2499) < 0.001 and abs(body["origin_lat"] - 48.8200) < 0.001
    pole = body["own_pole"]
    assert pole["site_ids"][0] == "pg-pole-issy" and pole["minutes"] < 5
    assert pole["address_fr"] == "13-15 rue Jean-Pierre Timbaud, 92130 Issy-les-Moulineaux"
    assert "accueille les habitants d'Issy-les-Moulineaux" in body["own_pole_reason"]
    # no food-aid site in the data: said in French, with the number the Département's own sites give
    assert body["places"] == [] and "aucun lieu pour « Aide alimentaire »" in body["no_site_fr"]
    assert body["general_contact"]["phone"] == "08 06 00 00 92"
    params["q"] = "13 rue Jean-Pierre Timbaud Issy"
    page = unescape(public_client.get("/", params=params).text)
    assert "Pôle social départemental d'Issy-les-Moulineaux" in page and "08 06 00 00 92" in page


def test_urgent_needs_show_the_national_numbers_first(public_client: TestClient) -> None:
    html = unescape(public_client.get("/", params={"need": "violences_familiales", "q": "bagneux"}).text)
    main = html.split("<main", 1)[1]
    assert main.index('href="tel:3919"') < main.index("Votre pôle social")
    assert "https://arretonslesviolences.gouv.fr/" in main and 'href="tel:17"' in main
    logement = public_client.get("/api/orient", params={"need": "logement", "q": "Nanterre"}).json()
    assert [n["number"] for n in logement["urgent"]] == ["115"]


def test_an_unclear_place_offers_choices_without_javascript(public_client: TestClient) -> None:
    page = public_client.get("/", params={"need": "pmi", "q": "chat"})
    html = unescape(page.text)
    assert page.status_code == 200 and "Vouliez-vous dire" in html
    assert 'href="/?need=pmi&mode=walk&commune=92020#resultats"' in html and "Châtenay-Malabry" in html
    missing = public_client.get("/api/orient", params={"need": "pmi", "q": "zzzz"})
    assert missing.status_code == 404 and "aucune commune" in missing.json()["detail"]


def test_a_place_shared_by_two_sources_is_one_card(public_client: TestClient) -> None:
    body = public_client.get("/api/orient", params={"need": "pmi", "q": "Châtillon"}).json()
    cards = [body["own_pole"], *body["places"]]
    at_louveau = [c for c in cards if c["address_fr"].lower().startswith("39 rue louveau")]
    assert len(at_louveau) == 1 and len(at_louveau[0]["site_ids"]) >= 2
    assert all("github" not in r["title_fr"] and ".csv" not in r["title_fr"] for c in cards for r in c["sources"])


def test_search_from_a_point_and_dated_mobile_stops(client: TestClient) -> None:
    body = client.get("/api/search", params={"need": "sante_femmes", "lon": 2.2886, "lat": 48.8035}).json()
    assert "Châtillon" in body["origin_label"]
    stops = body["mobile_stops"]
    assert any(s["id"] == "mob-bsf-chatillon-2021-01-27" for s in stops)
    assert all(s["dated_stop"] for s in stops)
    dated = next(s for s in stops if s["id"] == "mob-bsf-chatillon-2021-01-27")
    assert dated["stop_past"] is True and dated["hours_source_text"] == "mercredi 27 janvier 2021, de 13h à 17h"
    assert all(s["kind"] != "mobile_stop" for s in body["sites"])


def test_appointment_only_when_a_source_says_so(client: TestClient) -> None:
    sites = client.get("/api/search", params={"need": "demarches_en_ligne", "commune": "92002", "limit": 50}).json()[
        "sites"
    ]
    antony = next(s for s in sites if s["id"] == "fs-544")
    assert antony["appointment"] == "Sans rendez-vous"  # the file is listed with the site's sources, not here
    assert all(s["appointment"] is None for s in sites if not s["id"].startswith("fs-"))


def test_reference_lists(client: TestClient) -> None:
    communes = client.get("/api/communes").json()
    assert len(communes) == 36 and {"code": "92007", "name": "Bagneux"} in communes
    needs = {n["code"]: n for n in client.get("/api/needs").json()}
    assert needs["rsa_insertion"]["label"] == "RSA et insertion"
    assert len(client.get("/api/communes.geojson").json()["features"]) == 36
    assert client.get("/docs").status_code == 200
    assert "/api/search" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "params",
    [
        {"need": "pmi"},  # no origin
        {"need": "astrologie", "commune": "92007"},  # unknown need
        {"need": "pmi", "commune": "Bagneux"},  # not a code
        {"need": "pmi", "lon": 2.3},  # lat missing
        {"need": "pmi", "lon": 200, "lat": 48.8},  # out of range
        {"need": "pmi", "commune": "92007", "lon": 2.3, "lat": 48.8},  # two origins
        {"need": "pmi", "commune": "92007", "limit": 0},
        {"need": "pmi", "commune": "92007", "limit": 500},
        {"need": "pmi", "commune": "92007", "admin": "1"},  # unknown parameter
        {"need": "pmi", "address": "1 rue de la Paix"},  # an address needs its commune
    ],
)
def test_invalid_searches_give_422(client: TestClient, params: dict) -> None:
    assert client.get("/api/search", params=params).status_code == 422


def test_unknown_place_gives_404(client: TestClient) -> None:
    assert client.get("/api/search", params={"need": "pmi", "commune": "75056"}).status_code == 404
    assert client.get("/api/search", params={"need": "pmi", "lon": 5.0, "lat": 45.0}).status_code == 404
    no_ban = client.get("/api/search", params={"need": "pmi", "commune": "92007", "address": "1 rue Gabriel Péri"})
    assert no_ban.status_code == 404 and "BAN" in no_ban.json()["detail"]


def test_public_api_rate_limit_returns_429(context: WebContext) -> None:
    with TestClient(create_app(context=context, secret_key=SECRET, rate_per_s=0.01, burst=3)) as limited:
        codes = [limited.get("/api/search", params={"need": "pmi", "commune": "92007"}).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        blocked = limited.get("/api/communes")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        assert blocked.headers["x-content-type-options"] == "nosniff"
        assert limited.get("/static/css/site.css").status_code == 200  # assets are not limited


# ---- planner ------------------------------------------------------------------------------------


def test_login_and_logout(client: TestClient, context: WebContext) -> None:
    assert client.get("/planner", follow_redirects=False).headers["location"] == "/planner/login"
    assert client.get("/planner/api/audit").status_code == 401
    page = client.get("/planner/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    cookie = page.headers["set-cookie"]
    assert "path=/planner" in cookie and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    wrong = client.post("/planner/login", data={"username": "alice", "password": "nope-nope-nope", "csrf_token": token})
    assert wrong.status_code == 401 and "incorrect" in wrong.text
    nobody = client.post(
        "/planner/login", data={"username": "mallory", "password": "nope-nope-nope", "csrf_token": token}
    )
    assert nobody.status_code == 401
    csrf = login(client, *PLANNER)
    assert csrf != token  # a fresh session at login
    assert client.get("/planner/api/session").json()["username"] == "alice"
    workspace = client.get("/planner")
    assert workspace.status_code == 200
    # a page that sets a session cookie does not promise "sans cookie" (the public page may)
    for text in (workspace.text, page.text):
        assert "sans cookie" not in text and "cookie de session" in text
    assert client.post("/planner/logout", data={}, follow_redirects=False).status_code == 403
    out = client.post("/planner/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/planner/api/session").status_code == 401
    with Session(context.db) as session:
        actions = [(r.actor, r.action) for r in session.scalars(select(WriteLog)).all()]
    assert ("alice", "login_failed") in actions and ("mallory", "login_failed") in actions
    assert ("alice", "login") in actions and ("alice", "logout") in actions


def test_login_form_requires_csrf(client: TestClient) -> None:
    client.get("/planner/login")
    response = client.post("/planner/login", data={"username": PLANNER[0], "password": PLANNER[1]})
    assert response.status_code == 403
    assert client.get("/planner/api/session").status_code == 401


def test_state_changing_requests_require_csrf(client: TestClient) -> None:
    csrf = login(client, *PLANNER)
    body = {"name": "Essai CSRF"}
    assert client.post("/planner/api/scenarios", json=body).status_code == 403
    assert client.post("/planner/api/scenarios", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    foreign = {"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    assert client.post("/planner/api/scenarios", json=body, headers=foreign).status_code == 403
    assert client.post("/planner/api/scenarios", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_every_state_changing_route_is_csrf_protected(client: TestClient) -> None:
    from maillage.web.security import require_csrf

    for route in client.app.routes:
        methods = getattr(route, "methods", set()) or set()
        if methods & {"POST", "PUT", "PATCH", "DELETE"}:
            dependencies = {d.call for d in route.dependant.dependencies}
            source = route.endpoint.__code__.co_names
            assert require_csrf in dependencies or "check_csrf" in source, route.path


def test_planner_moves_a_site_and_the_coverage_changes(client: TestClient, context: WebContext) -> None:
    csrf = login(client, *PLANNER)
    headers = {"X-CSRF-Token": csrf}
    baseline = client.get("/planner/api/audit").json()
    boulogne = next(c for c in baseline["communes_outside"] if c["code"] == "92012")
    # on the streets, with residents on their buildings: the commune with the most residents outside the norm
    assert baseline["communes_outside"][0]["code"] == "92012" and boulogne["share_within"] < 0.35
    scenario = client.post("/planner/api/scenarios", json={"name": "Pôle à Boulogne"}, headers=headers).json()
    sid = scenario["id"]
    move = {"op": "move_site", "site_id": "pg-pole-vanves", "lon": 2.2399, "lat": 48.8352}  # Boulogne centre
    changed = client.post(f"/planner/api/scenarios/{sid}/changes", json=move, headers=headers)
    assert changed.status_code == 201 and changed.json()["changes"][0]["op"] == "move_site"
    diff = client.get(f"/planner/api/scenarios/{sid}/compare").json()
    assert diff["population_within_delta"] > 10_000 and diff["cells_improved"] > 0
    boulogne_delta = next(c for c in diff["communes"] if c["code"] == "92012")
    assert boulogne_delta["share_within_scenario"] > boulogne_delta["share_within_baseline"]
    assert diff["scenario"]["share_within"] > diff["baseline"]["share_within"] == baseline["share_within"]
    layers = client.get("/planner/api/layers", params={"scenario_id": sid}).json()
    moved = next(f for f in layers["sites"]["features"] if f["properties"]["id"] == "pg-pole-vanves")
    assert moved["geometry"]["coordinates"] == [2.2399, 48.8352] and moved["properties"]["quality"] == "scenario"
    cells = client.get("/planner/api/cells", params={"scenario_id": sid}).json()["features"]
    # one feature per inhabited cell: the census × buildings model leaves parks, woods and water empty
    inhabited = int((context.cells.population > 0).sum())
    assert len(cells) == inhabited and 4000 < inhabited < 5587
    assert {"pole", "antenne", "within"} <= set(cells[0]["properties"])
    # a cell outside the standard says why (its nearest pôle and antenne), a cell inside says nothing
    assert all((c["properties"]["why"] is None) == c["properties"]["within"] for c in cells)
    assert any("Pour entrer dans la norme" in (c["properties"]["why"] or "") for c in cells)
    # closing the pôle of Châtillon makes things worse; the baseline is untouched
    close = {"op": "close_site", "site_id": "pg-pole-chatillon"}
    assert client.post(f"/planner/api/scenarios/{sid}/changes", json=close, headers=headers).status_code == 201
    after = client.get(f"/planner/api/scenarios/{sid}/compare").json()
    assert after["scenario"]["population_within"] < diff["scenario"]["population_within"]
    assert client.get("/planner/api/audit").json()["share_within"] == baseline["share_within"]
    add = {"op": "add_site", "name": "Antenne de Ville-d'Avray", "kind": "antenne", "lon": 2.1935, "lat": 48.8236}
    added = client.post(f"/planner/api/scenarios/{sid}/changes", json=add, headers=headers).json()
    assert added["changes"][-1]["site_id"] == f"scenario-{sid}-3"
    with Session(context.db) as session:
        log = [(r.actor, r.action) for r in session.scalars(select(WriteLog)).all()]
    for action in ("scenario_create", "scenario_move_site", "scenario_close_site", "scenario_add_site"):
        assert ("alice", action) in log


def test_planner_undoes_a_change_applies_a_proposal_and_exports_the_results(
    client: TestClient, context: WebContext
) -> None:
    headers = {"X-CSRF-Token": login(client, *PLANNER)}
    sid = client.post("/planner/api/scenarios", json={"name": "Annuler"}, headers=headers).json()["id"]
    url = f"/planner/api/scenarios/{sid}"
    move = {"op": "move_site", "site_id": "pg-pole-vanves", "lon": 2.2399, "lat": 48.8352}
    assert client.post(url + "/changes", json=move, headers=headers).status_code == 201
    moved_only = client.get(url + "/compare").json()
    close = {"op": "close_site", "site_id": "pg-pole-chatillon"}
    closed = client.post(url + "/changes", json=close, headers=headers).json()["changes"]
    both = client.get(url + "/compare").json()
    # the difference map: gained minus lost cells is the net change (cells rounded to 0.1 inhabitant)
    flows = {"gained": 0.0, "lost": 0.0}
    for f in both["cells"]["features"]:
        flows[f["properties"]["change"]] += f["properties"]["population"]
    assert flows["gained"] > 10_000 and flows["lost"] > 0
    assert flows["gained"] - flows["lost"] == pytest.approx(
        both["population_within_delta"], abs=len(both["cells"]["features"]) * 0.05 + 1
    )
    # changed sites marked on the map, the closed one still drawn (as closed), names and kinds in French
    sites = {
        f["properties"]["id"]: f["properties"]
        for f in client.get("/planner/api/layers", params={"scenario_id": sid}).json()["sites"]["features"]
    }
    assert sites["pg-pole-vanves"]["change"] == "moved" and sites["pg-pole-chatillon"]["change"] == "closed"
    assert sites["pg-pole-chatillon"]["kind_label"] == "Pôle social départemental"
    assert sites["pg-pole-chatillon"]["commune_name"] == "Châtillon"
    assert sites["pg-pole-chatillon"]["hours"] == "lun.-ven. 08:30-12:30, 13:30-17:30"
    # undo the closure: the scenario is the move alone again, figures included (no stale cache)
    close_id = closed[-1]["id"]
    assert client.delete(f"{url}/changes/{close_id}").status_code == 403  # CSRF as for adding
    undone = client.delete(f"{url}/changes/{close_id}", headers=headers)
    assert undone.status_code == 200 and [c["op"] for c in undone.json()["changes"]] == ["move_site"]
    again = client.get(url + "/compare").json()
    assert again["scenario"]["population_within"] == moved_only["scenario"]["population_within"]
    assert client.delete(f"{url}/changes/{close_id}", headers=headers).status_code == 404
    # a proposal applied as a change: its site, named, and the gain the optimiser promised
    proposal = client.get("/planner/api/proposals").json()["proposals"][0]
    applied = client.post(url + "/proposals/1", headers=headers)
    assert applied.status_code == 201, applied.text
    added = applied.json()["changes"][-1]
    assert added["op"] == "add_site" and added["payload"]["name"] == proposal["new_sites"][0]["name"]
    assert len({c["seq"] for c in applied.json()["changes"]}) == len(applied.json()["changes"])
    # a change another one depends on cannot be removed alone
    new = {"op": "add_site", "name": "Antenne test", "kind": "antenne", "lon": 2.1935, "lat": 48.8236}
    site = client.post(url + "/changes", json=new, headers=headers).json()["changes"][-1]
    follow = {"op": "move_site", "site_id": site["site_id"], "lon": 2.1940, "lat": 48.8240}
    assert client.post(url + "/changes", json=follow, headers=headers).status_code == 201
    refused = client.delete(f"{url}/changes/{site['id']}", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "« Antenne test » : un changement suivant en dépend (n° 4, déplacement) ; retirez d'abord celui-là"
    )
    assert len(client.get(url).json()["changes"]) == 4
    with Session(context.db) as session:
        assert session.scalars(select(WriteLog).where(WriteLog.action == "scenario_remove_change")).first()
    # the results, per inhabited cell, as CSV and GeoJSON
    csv_text = client.get("/planner/api/results.csv", params={"scenario_id": sid})
    assert csv_text.status_code == 200 and "attachment" in csv_text.headers["content-disposition"]
    lines = csv_text.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("code_commune,commune,longitude,latitude,population,minutes_pole")
    inhabited = int((context.cells.population > 0).sum())
    assert len(lines) == inhabited + 1 and any(",Boulogne-Billancourt," in line for line in lines)
    geo = client.get("/planner/api/results.geojson", params={"scenario_id": sid}).json()
    assert len(geo["features"]) == inhabited and geo["features"][0]["properties"]["dans_la_norme"] in ("oui", "non")
    # a site's isochrone: every cell within 20 min, its own nearest
    iso = client.get("/planner/api/isochrone", params={"site_id": "pg-pole-vanves", "scenario_id": sid}).json()
    assert iso["site"]["name"].startswith("Pôle social") and iso["features"]
    assert all(f["properties"]["minutes"] <= 20 for f in iso["features"])
    assert {f["properties"]["band"] for f in iso["features"]} == {15, 20}
    assert client.get("/planner/api/isochrone", params={"site_id": "nope"}).status_code == 404
    # another mode: the same scenario audited by bike reaches more people than on foot
    walk = client.get("/planner/api/audit", params={"scenario_id": sid}).json()["share_within"]
    bike = client.get("/planner/api/audit", params={"scenario_id": sid, "mode": "bike"}).json()["share_within"]
    assert bike > walk
    assert client.get("/planner/api/audit", params={"mode": "velo"}).status_code == 422


@pytest.mark.parametrize(
    "change",
    [
        {"op": "move_site", "site_id": "pg-pole-vanves", "lon": 2.24, "lat": 95},
        {"op": "move_site", "site_id": "pg-pole-vanves"},
        {"op": "demolish", "site_id": "pg-pole-vanves"},
        {"op": "close_site", "site_id": "x" * 500},
        {"op": "add_site", "name": "", "kind": "antenne", "lon": 2.2, "lat": 48.8},
        {"op": "add_site", "name": "A", "kind": "palace", "lon": 2.2, "lat": 48.8},
        {"op": "close_site", "site_id": "does-not-exist"},
    ],
)
def test_invalid_changes_are_refused(client: TestClient, change: dict) -> None:
    headers = {"X-CSRF-Token": login(client, *PLANNER)}
    sid = client.post("/planner/api/scenarios", json={"name": "Invalide"}, headers=headers).json()["id"]
    assert client.post(f"/planner/api/scenarios/{sid}/changes", json=change, headers=headers).status_code == 422
    assert client.get(f"/planner/api/scenarios/{sid}").json()["changes"] == []


def test_write_log_is_for_admins(client: TestClient) -> None:
    login(client, *PLANNER)
    assert client.get("/planner/api/writelog").status_code == 403
    client.cookies.clear()
    login(client, *ADMIN)
    entries = client.get("/planner/api/writelog").json()
    assert any(e["action"] == "login" and e["actor"] == "root" for e in entries)


def test_proposals_name_where_the_next_antenne_goes(client: TestClient) -> None:
    assert client.get("/planner/api/proposals").status_code == 401
    login(client, *PLANNER)
    body = client.get("/planner/api/proposals").json()
    assert body["available"] and len(body["proposals"]) == 3
    best = body["proposals"][0]
    # crow-fly walk on the 92: Boulogne-Billancourt (6 % within the standard) gains the most
    assert best["new_sites"][0]["commune"] == "Boulogne-Billancourt" and best["population_gain"] > 40_000
    gains = [p["population_gain"] for p in body["proposals"]]
    assert gains == sorted(gains, reverse=True)
    # whole persons, rounded once by the library: the CLI prints the very number the web shows
    assert all(isinstance(g, int) for g in gains)
    assert fr_int(gains[0]) in summary_lines(body)[0]


# ---- steering -----------------------------------------------------------------------------------


def test_steering_pages_need_login_and_show_the_seed_figures(client: TestClient) -> None:
    assert client.get("/planner/steering", follow_redirects=False).status_code == 303
    assert client.get("/planner/api/steering").status_code == 401
    login(client, *PLANNER)
    page = client.get("/planner/steering", params={"today": "2026-11-25"})
    assert page.status_code == 200
    text = unescape(page.text)
    # the four charts as SVG data images (inline <svg> would need a CSP exception)
    assert text.count('src="data:image/svg+xml') == 4 and "Effet ciseaux" in text
    for commune in ("Sceaux", "Bagneux", "Gennevilliers"):
        assert commune in text
    body = client.get("/planner/api/steering", params={"today": "2026-11-25", "horizon": 12}).json()
    renewals = {row["convention_id"]: row["next_renewal"] for row in body["conventions_follow_up"]}
    # three-year conventions signed in May 2025 (seed 004) come up for renewal in May 2028
    assert renewals == {
        "conv-sceaux-2025": "2028-05-12",
        "conv-bagneux-2025": "2028-05-15",
        "conv-gennevilliers-2025": "2028-05-22",
    }
    assert client.get("/planner/api/steering", params={"horizon": 0}).status_code == 422


# ---- basemap ------------------------------------------------------------------------------------


def test_a_basemap_is_served_only_when_the_user_supplies_one(
    data_copy: Path, registry_template: Path, tmp_path: Path, client: TestClient
) -> None:
    assert "data-basemap" not in client.get("/").text  # none in the shared data folder: no tiles at all
    tiles = data_copy / "basemap" / "11" / "1036"
    tiles.mkdir(parents=True)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16  # served as stored, never decoded
    (tiles / "704.png").write_bytes(png)
    (data_copy / "basemap" / "ATTRIBUTION.txt").write_text("© contributeurs OpenStreetMap\n", encoding="utf-8")
    db = tmp_path / "basemap.sqlite"
    shutil.copy(registry_template, db)
    app = create_app(context=build_context(f"sqlite:///{db}", data_copy), secret_key=SECRET)
    with TestClient(app) as own:
        page = own.get("/").text
        assert 'data-basemap="/basemap/{z}/{x}/{y}.png"' in page
        assert 'data-basemap-attribution="© contributeurs OpenStreetMap"' in page
        tile = own.get("/basemap/11/1036/704.png")
        assert tile.status_code == 200 and tile.content == png
        assert own.get("/basemap/../registry.sqlite").status_code == 404


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"op": "move_site", "site_id": "pg-pole-vanves", "lon": 2.24, "lat": 95},
         "La latitude doit valoir au plus 51,5 (saisi : « 95 »)"),
        ({"op": "move_site", "site_id": "pg-pole-vanves"}, "La longitude manque : renseignez ce champ."),
        ({"op": "add_site", "name": "", "kind": "antenne", "lon": 2.2, "lat": 48.8}, "Le nom est vide"),
        ({"op": "add_site", "name": "A", "kind": "palace", "lon": 2.2, "lat": 48.8},
         "Le type de site n'accepte pas cette valeur (saisi : « palace »)"),
        ({"op": "demolish", "site_id": "pg-pole-vanves"}, "Type de changement inconnu (saisi : « demolish »)"),
    ],
)  # fmt: skip
def test_refused_changes_are_explained_in_french(client: TestClient, change: dict, sentence: str) -> None:
    """The workspace shows ``detail``: a French sentence naming the field, not pydantic's JSON list."""
    headers = {"X-CSRF-Token": login(client, *PLANNER)}
    sid = client.post("/planner/api/scenarios", json={"name": "Phrases"}, headers=headers).json()["id"]
    response = client.post(f"/planner/api/scenarios/{sid}/changes", json=change, headers=headers)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and sentence in detail, detail
    assert not detail.startswith("[") and "'loc'" not in detail and " or " not in detail  # no pydantic JSON, no English
    assert response.json()["errors"][0]["loc"][0] == "body"  # the raw list stays there for programs


def test_the_workspace_places_a_site_from_words_as_the_cli_does(client: TestClient, context: WebContext) -> None:
    from maillage.planning.placing import locate

    assert client.get("/planner/api/place", params={"q": "Vanves"}).status_code == 401  # planners only
    login(client, *PLANNER)
    street = client.get("/planner/api/place", params={"q": "13 rue Jean-Pierre Timbaud, Issy-les-Moulineaux"})
    assert street.status_code == 200
    found = street.json()["place"]
    assert found["commune_code"] == "92040" and found["label"].startswith("13 rue Jean-Pierre Timbaud")
    same = locate(context.snapshot, context.finder, "13 rue Jean-Pierre Timbaud, Issy-les-Moulineaux")
    assert (found["lon"], found["lat"]) == (same.lon, same.lat)
    commune = client.get("/planner/api/place", params={"q": "nanterre"}).json()["place"]
    assert commune["commune_code"] == "92050" and commune["precision_fr"] == "commune"
    unknown = client.get("/planner/api/place", params={"q": "zzzz qqqq"})
    assert unknown.status_code == 200 and unknown.json()["place"] is None
    assert "aucune commune" in unknown.json()["message"]
    assert client.get("/planner/api/place", params={"q": "x" * 201}).status_code == 422
