"""The resident's page in a real browser: modes, suggestions, "Autour de moi", keyboard, phone, axe-core.

Same server and chromium as ``test_web_browser.py`` (``tests/browser_support.py``). axe-core is the
npm package vendored in ``tests/vendor/axe-core`` (never fetched): it is injected into the page by
the test (a context that bypasses the page's CSP for that one script) and must find 0 violations.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import (
    MOBILE,
    TIMEOUT_MS,
    Browser,
    OpenPage,
    Page,
    Server,
    Watch,
    assert_no_horizontal_scroll,
    expect,
    screenshot,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDE = {"width": 1400, "height": 900}
TIMBAUD = "13 rue Jean-Pierre Timbaud Issy-les-Moulineaux"
ISSY_POLE = "Pôle social départemental d'Issy-les-Moulineaux"
RESULTS_RSA = "/?q=13+rue+Jean-Pierre+Timbaud+Issy-les-Moulineaux&need=rsa_insertion#resultats"
MINUTES = re.compile(r"≈ (?:(\d+) h )?(\d+)(?: min)?")


def minutes_of(text: str) -> int:
    match = MINUTES.search(text)
    assert match, text
    return int(match.group(1) or 0) * 60 + int(match.group(2))


def card_minutes(page: Page) -> dict[str, int]:
    """Minutes shown on each card, by place name (the rank stripped)."""
    cards = page.locator("#resultats .result")
    out = {}
    for i in range(cards.count()):
        card = cards.nth(i)
        name = re.sub(r"^\d+\. ", "", card.locator("h3").last.inner_text())
        out[name] = minutes_of(card.locator(".time").inner_text())
    return out


def test_public_search_by_bike_says_the_mode_and_gives_shorter_times(open_page: OpenPage, all_modes: Server) -> None:
    server = all_modes
    page, watch = open_page()
    page.goto(server.url + "/")
    page.get_by_label(re.compile(r"Où habitez-vous")).fill(TIMBAUD)
    page.get_by_label("Votre besoin").select_option(label="RSA et insertion")
    expect(page.get_by_role("radio", name="À pied")).to_be_checked()  # the default
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#resultats-titre")).to_contain_text(", à pied")
    walking = card_minutes(page)
    page.get_by_role("radio", name="À vélo").check()
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"mode=bike"))
    expect(page.locator("#resultats-titre")).to_contain_text(", à vélo")
    expect(page.get_by_role("radio", name="À vélo")).to_be_checked()  # the choice is kept
    expect(page.get_by_label("Votre besoin")).to_have_value("rsa_insertion")
    for time in page.locator("#resultats .result .time").all_inner_texts():
        assert re.search(r"≈ .+ à vélo", time), time
    cycling = card_minutes(page)
    common = [n for n in cycling if n in walking and walking[n] >= 10]
    assert len(common) >= 3, (walking, cycling)
    for name in common:  # the same places, from the same street graph: faster on a bike
        assert cycling[name] < walking[name], (name, walking[name], cycling[name])
    watch.assert_clean()


def test_public_keyboard_reaches_the_search_button_in_5_tabs(open_page: OpenPage, server: Server) -> None:
    page, watch = open_page()
    page.goto(server.url + "/")
    page.wait_for_load_state("load")
    stops = []
    for _ in range(8):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
        if stops[-1] == "search-button":
            break
    assert stops[-1] == "search-button", stops
    assert len(stops) <= 5, stops
    print(f"Tab stops from the top to « Rechercher »: {len(stops)} ({stops})")
    # on the way: the search box, the need (one list) and the mode (one stop per radio group)
    assert stops.index("q") < stops.index("need") < stops.index("mode-walk"), stops
    watch.assert_clean()


def test_public_keyboard_from_the_search_box_to_the_first_result_in_5_tabs(open_page: OpenPage,
                                                                           server: Server) -> None:  # fmt: skip
    """Type the place, Tab to « Rechercher », Enter; the answer's first card is the next Tab stops away."""
    page, watch = open_page(MOBILE)
    page.goto(server.url + "/")
    page.wait_for_load_state("load")
    page.locator("#q").fill(TIMBAUD)
    page.locator("#q").focus()
    stops = []
    for _ in range(6):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.id"))
        if stops[-1] == "search-button":
            break
    assert stops[-1] == "search-button", stops
    page.keyboard.press("Enter")
    expect(page.locator("#resultats-titre")).to_be_focused()  # the answer announced
    in_result = "() => !!document.activeElement.closest('.own-pole, .result, .urgent')"
    while not page.evaluate(in_result) and len(stops) < 8:
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.textContent.trim().slice(0, 40)"))
    assert page.evaluate(in_result), stops
    print(f"Tab stops from the search box to the first result: {len(stops)} ({stops})")
    assert len(stops) <= 5, stops
    watch.assert_clean()


def test_public_search_box_is_in_the_first_phone_screen(open_page: OpenPage, server: Server) -> None:
    """At 390 × 844, unscrolled: the address box, the need and « Rechercher » all above the fold."""
    page, watch = open_page(MOBILE)
    page.goto(server.url + "/")
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.scrollY") == 0
    for selector in ("#q", "#need", "#search-button"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= MOBILE["height"], (selector, box)
    assert page.locator("#need option").count() == 12  # every need, in one list
    assert_no_horizontal_scroll(page)
    page.get_by_text("Quel besoin choisir ?").click()  # each need explained, as before
    expect(page.locator(".needs-list dt")).to_have_count(12)
    expect(page.locator(".needs-list")).to_contain_text("colis, épicerie sociale, aide d'urgence")
    assert_no_horizontal_scroll(page)
    screenshot(page, "public-home-390")
    watch.assert_clean()


def test_public_suggestions_while_typing_then_the_chosen_address(open_page: OpenPage, server: Server) -> None:
    page, watch = open_page()
    page.goto(server.url + "/")
    page.locator("#q").press_sequentially("13 rue jean pierre timb", delay=20)
    wanted = page.locator('#places-list option[value="13 Rue Jean-Pierre Timbaud, Issy-les-Moulineaux"]')
    expect(wanted).to_be_attached()
    page.locator("#q").fill("13 Rue Jean-Pierre Timbaud, Issy-les-Moulineaux")
    page.get_by_label("Votre besoin").select_option(label="Aide alimentaire")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#resultats-titre")).to_contain_text("depuis 13 Rue Jean-Pierre Timbaud, Issy-les-Moulineaux")
    expect(page.locator(".own-pole h3").nth(1)).to_have_text(ISSY_POLE)
    watch.assert_clean()


def test_public_page_works_without_javascript(browser: Browser, all_modes: Server) -> None:
    server = all_modes
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        expect(page.locator("#near-me")).to_be_hidden()  # geolocation needs JavaScript: no dead button
        page.locator("#q").fill("92130")
        page.get_by_role("radio", name="En voiture").check()
        page.get_by_label("Votre besoin").select_option(label="Démarches en ligne")
        page.get_by_role("button", name="Rechercher").click()
        expect(page.locator("#resultats-titre")).to_contain_text("Issy-les-Moulineaux")
        expect(page.locator("#resultats-titre")).to_contain_text("en voiture")
        assert page.locator("#resultats .result").count() >= 2
        page.goto(server.url + "/?q=chat&need=pmi")  # two communes begin so: "vouliez-vous dire"
        expect(page.locator(".suggestions a")).to_have_count(2)
    finally:
        context.close()


def _origin_of_timbaud(open_page: OpenPage, server: Server) -> tuple[float, float]:
    """The point the search box finds for the address (OSM address point), as lat, lon."""
    page, _ = open_page()
    page.goto(server.url + RESULTS_RSA)
    box = page.locator("#results-map")
    return float(box.get_attribute("data-lat") or "nan"), float(box.get_attribute("data-lon") or "nan")


def test_public_near_me_with_the_position_granted(browser: Browser, open_page: OpenPage, server: Server) -> None:
    lat, lon = _origin_of_timbaud(open_page, server)
    context = browser.new_context(locale="fr-FR", geolocation={"latitude": lat, "longitude": lon},
                                  permissions=["geolocation"])  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        watch = Watch(server.url)
        watch.attach(page)
        page.goto(server.url + "/")
        page.get_by_label("Votre besoin").select_option(label="RSA et insertion")
        page.get_by_role("button", name="Autour de moi").click()
        expect(page.locator("#resultats-titre")).to_contain_text("depuis votre position")
        expect(page.locator(".own-pole h3").nth(1)).to_have_text(ISSY_POLE)
        watch.assert_clean()
    finally:
        context.close()


def test_public_near_me_refused_says_so_in_french(open_page: OpenPage, server: Server) -> None:
    page, watch = open_page()  # no permission granted: chromium refuses the position
    page.goto(server.url + "/")
    page.get_by_role("button", name="Autour de moi").click()
    expect(page.locator("#geo-status")).to_have_text(re.compile(r"^Vous n'avez pas autorisé la localisation"))
    expect(page).to_have_url(server.url + "/")
    watch.assert_clean()


def test_public_position_outside_the_territory(open_page: OpenPage, server: Server) -> None:
    page, _ = open_page()
    page.goto(server.url + "/?need=pmi&origin=point&lon=5.0&lat=45.0&near=1")
    expect(page.get_by_role("alert")).to_contain_text("hors des Hauts-de-Seine")
    page.goto(server.url + "/?need=pmi&origin=point&lon=nan&lat=48.8")
    expect(page.get_by_role("alert")).to_contain_text("Position illisible")


@pytest.mark.parametrize("path", ["/", RESULTS_RSA])
def test_public_pages_show_no_planner_link(open_page: OpenPage, server: Server, path: str) -> None:
    page, _ = open_page()
    page.goto(server.url + path)
    body = page.locator("body").inner_text()
    assert "Espace de planification" not in body and not re.search(r"\bAPI\b", body)
    expect(page.locator('a[href^="/planner"], a[href^="/docs"]')).to_have_count(0)


@pytest.mark.parametrize("viewport", [MOBILE, WIDE], ids=["390px", "1400px"])
@pytest.mark.parametrize("state", ["home", "results", "results-nojs"])
def test_public_axe_finds_no_violation(browser: Browser, server: Server, state: str, viewport: dict[str, int]) -> None:
    """axe-core on each state of the page. "nojs": the page's own scripts refused (the DOM a browser
    without JavaScript shows), while the test's axe still runs: a context with JavaScript disabled
    would not run it either."""
    context = browser.new_context(viewport=viewport, locale="fr-FR", bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    scripts = state != "results-nojs"
    if not scripts:
        context.route(re.compile(r"\.js(\?.*)?$"), lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(server.url + ("/" if state == "home" else RESULTS_RSA))
        page.wait_for_load_state("load")
        if scripts:
            expect(page.locator("#pick-map path.leaflet-interactive").nth(35)).to_be_attached()
        if state == "results":
            expect(page.locator("#results-map .num-marker").first).to_be_attached()
        if not scripts:
            expect(page.locator("#near-me")).to_be_hidden()
            expect(page.locator("#pick-map .leaflet-pane")).to_have_count(0)
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        version = result["testEngine"]["version"]
        print(f"axe-core {version} {state} {viewport['width']} px: {len(violations)} violations")
        assert violations == []
        screenshot(page, f"public-{state}-{viewport['width']}")
    finally:
        context.close()


ENGLISH_OR_FILES = re.compile(
    r"\b(?:the|not|no|of|and|with|from|number|excerpt|year|undated|seed|street|unknown|announced|temporary|none|"
    r"nan)\b|\.(?:csv|txt|pbf|zip|geojson)\b|\b(?:pg|mob|mama|clic|fs)-[\w-]+|github|_",
    re.IGNORECASE,
)


@pytest.mark.parametrize("place", ["13 rue jean pierre timbaud issy", "92130", "bagneux"])
def test_public_each_answer_on_a_phone_has_a_card_to_use(open_page: OpenPage, server: Server, place: str) -> None:
    """What a resident typing on a phone gets, for three needs: a card with a time, a mode, hours and a
    phone to call; French words only (no English remark, no file name, no record id)."""
    page, watch = open_page(MOBILE)
    for need in ("Aide alimentaire", "Accès aux droits, action sociale", "Santé de l'enfant / PMI"):
        page.goto(server.url + "/")
        page.locator("#q").fill(place)
        page.get_by_label("Votre besoin").select_option(label=need)
        page.get_by_role("button", name="Rechercher").click()
        expect(page.locator("#resultats-titre")).to_contain_text(f"« {need} »")
        cards = page.locator("#resultats .own-pole, #resultats .result")
        usable = []
        for i in range(cards.count()):
            card = cards.nth(i)
            time = card.locator(".time").first.inner_text()
            hours = card.locator(".hours, .status.open, .status.closed").count()
            phone = card.locator('a[href^="tel:"]').count()
            if re.search(r"≈ .+ à pied", time) and hours and phone:
                usable.append(card.locator("h3").last.inner_text())
        assert usable, (place, need)
        text = page.locator("#resultats").inner_text() + " ".join(
            page.locator("#resultats details").evaluate_all("els => els.map(e => e.textContent)"))
        assert not ENGLISH_OR_FILES.findall(text), (place, need, ENGLISH_OR_FILES.findall(text))
        assert_no_horizontal_scroll(page)
    screenshot(page, f"public-{place.split()[0]}-390")
    watch.assert_clean()
