"""The web app in a real browser, as a resident and a planner use it.

``maillage serve`` runs in a subprocess on 127.0.0.1 (a free port) over a fresh registry of the real
Hauts-de-Seine data, with one planner account (``tests/browser_support.py``); Playwright drives
Debian's ``/usr/bin/chromium`` headless. Every page is checked for console errors and for requests
leaving 127.0.0.1; screenshots (desktop and mobile width) go to ``out/screenshots/``.
"""

from __future__ import annotations

import re

import pytest
from browser_support import (
    BOULOGNE_CENTRE,
    CHATILLON_POLE,
    MOBILE,
    PMI_BAGNEUX,
    VANVES_POLE,
    OpenPage,
    Page,
    Server,
    assert_no_horizontal_scroll,
    expect,
    log_in,
    screenshot,
    wait_map_shapes,
    wait_ready,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

# ---- resident -----------------------------------------------------------------------------------


def test_resident_finds_a_pmi_from_bagneux_with_the_keyboard(open_page: OpenPage, server: Server) -> None:
    page, watch = open_page()
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Où m'adresser ?")
    # the need, by its label, chosen with the keyboard (down to the second need, back up to the first)
    need = page.get_by_label("Votre besoin")
    need.focus()
    page.keyboard.press("ArrowDown")
    expect(need).to_have_value("sante_sexuelle")
    page.keyboard.press("ArrowUp")
    expect(need).to_have_value("pmi")
    expect(need.locator("option:checked")).to_have_text("Santé de l'enfant / PMI")
    # the commune typed in the search box, with a typo, then Enter
    box = page.get_by_label(re.compile(r"Où habitez-vous"))
    box.focus()
    page.keyboard.type("bagnex")
    page.get_by_role("button", name="Rechercher").press("Enter")

    expect(page).to_have_url(re.compile(r"/\?q=bagnex&need=pmi&mode=walk.*#resultats$"))
    heading = page.locator("#resultats-titre")
    expect(heading).to_contain_text("« Santé de l'enfant / PMI » depuis Bagneux")
    expect(heading).to_be_focused()  # the answer is announced, not left below the form
    results = page.locator("#resultats ol.result-list > li.result")
    count = results.count()
    assert 5 <= count <= 10
    names = [results.nth(i).locator("h3").inner_text() for i in range(count)]
    assert names[0] == f"1. {PMI_BAGNEUX}"
    # no pôle is said to serve Bagneux: the nearest one (Châtillon) is shown as "Votre pôle social", and why
    own = page.locator(".own-pole")
    expect(own.locator("h3").nth(1)).to_have_text(CHATILLON_POLE)
    expect(own.locator(".why")).to_contain_text("voici le plus proche")
    for i in range(count):
        item = results.nth(i)
        expect(item.locator(".time")).to_contain_text(re.compile(r"≈ \d+ min à pied"))
        status = re.compile(r"^(Ouvert maintenant|Fermé|Horaires non communiqués)$")
        expect(item.locator(".status")).to_have_text(status)
        expect(item.locator("details.sources")).not_to_have_attribute("open", "")
    expect(own.locator(".hours")).to_have_text("lun.-ven. 08:30-12:30, 13:30-17:30")
    expect(page.get_by_text("Temps estimés par les rues", exact=False)).to_be_visible()
    # the results map: one numbered marker per card, the same numbers as the list, ★ for the pôle
    markers = page.locator("#results-map .num-marker")
    expect(markers).to_have_count(count + 1)
    assert markers.all_inner_texts() == ["★", *[str(i) for i in range(1, count + 1)]]
    expect(page.locator("#results-map .start-marker")).to_have_count(1)
    assert not page.context.cookies(), "the public page must not set a cookie"
    screenshot(page, "resident-pmi-bagneux")
    watch.assert_clean()


def test_resident_picks_a_point_on_the_map_with_the_keyboard(open_page: OpenPage, server: Server) -> None:
    page, watch = open_page()
    page.goto(server.url + "/")
    wait_map_shapes(page, 36)
    page.get_by_label("Votre besoin").select_option(label="Démarches en ligne")
    page.get_by_text("Ou choisir un point sur la carte").click()
    page.locator("#pick-map").focus()
    page.keyboard.press("Enter")  # the map's centre becomes the starting point
    expect(page.locator("#point-status")).to_contain_text("Point choisi au centre de la carte")
    expect(page.locator("#origin")).to_have_value("point")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#resultats-titre")).to_contain_text("« Démarches en ligne » depuis")
    assert page.locator("#resultats ol.result-list > li.result").count() >= 3
    watch.assert_clean()


def test_public_page_at_mobile_width(open_page: OpenPage, server: Server) -> None:
    page, watch = open_page(MOBILE)
    page.goto(server.url + "/?need=pmi&origin=commune&commune=92007#resultats")
    expect(page.locator("#resultats-titre")).to_be_visible()
    assert_no_horizontal_scroll(page)
    wait_map_shapes(page, 36)
    screenshot(page, "resident-pmi-bagneux-mobile")
    watch.assert_clean()


# ---- planner ------------------------------------------------------------------------------------


def test_planner_moves_a_site_and_sees_the_coverage_change(open_page: OpenPage, server: Server) -> None:
    page, watch = open_page()
    log_in(page, server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace de planification")
    wait_ready(page)
    share = page.locator("#share")
    baseline = share.inner_text()
    assert re.fullmatch(r"\d+,\d %", baseline.replace("\u202f", " ").replace("\xa0", " ")), baseline
    expect(page.locator("#outside-table tbody tr").first).to_contain_text("Boulogne-Billancourt")
    expect(page.locator("#compare-summary")).to_have_text("")

    page.get_by_label("Nouveau scénario").fill("Pôle de Vanves à Boulogne (test navigateur)")
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_label("Scénario affiché")).to_have_value(re.compile(r"^\d+$"))
    expect(page.get_by_role("group", name="Modifier le scénario")).to_be_enabled()
    wait_ready(page)

    # move the Vanves pôle to the centre of Boulogne, with the form (keyboard-only path)
    expect(page.get_by_role("radio", name="Déplacer")).to_be_checked()
    page.get_by_label("Site", exact=True).select_option(label=f"{VANVES_POLE} — Pôle social départemental")
    page.get_by_label("Latitude").fill(BOULOGNE_CENTRE[0])
    page.get_by_label("Longitude").fill(BOULOGNE_CENTRE[1])
    page.get_by_role("button", name="Appliquer et recalculer").click()
    wait_ready(page)

    expect(page.locator("#changes li .change-text")).to_have_text([f"Déplacer {VANVES_POLE}"])
    summary = page.locator("#compare-summary").inner_text()
    gained = re.search(r"Scénario : \+([\d\s\u202f\xa0]+) habitants dans la norme", summary)
    assert gained, summary
    assert int(re.sub(r"\D", "", gained.group(1))) > 10_000, summary
    assert share.inner_text() != baseline
    delta = page.locator("#delta-panel")
    expect(delta).to_be_visible()
    boulogne = delta.locator("tr", has_text="Boulogne-Billancourt")
    expect(boulogne.locator("td.delta-plus")).to_have_text(re.compile(r"^\+"))
    screenshot(page, "planner-scenario-moved")

    # the baseline is untouched
    page.get_by_label("Scénario affiché").select_option(label="Existant (référence)")
    wait_ready(page)
    expect(share).to_have_text(baseline)
    expect(delta).to_be_hidden()
    watch.assert_clean()


ISSY_POLE_ID = "pg-pole-issy"


def test_planner_tools_popups_undo_proposal_difference_and_mode(open_page: OpenPage, server: Server) -> None:
    """Issue 14's workspace: fields reset after a change, popups, names, scale, legend, marked changes,
    undo, a proposal applied, the difference map, a site's isochrone, another mode, downloads."""
    page, watch = open_page(WIDE)
    log_in(page, server)
    wait_ready(page)
    footer = page.locator("footer").inner_text()
    assert "sans cookie" not in footer and "cookie de session" in footer
    # commune names on the map, a metric scale bar
    expect(page.locator(".commune-label", has_text="Boulogne-Billancourt")).to_have_count(1)
    expect(page.locator(".leaflet-control-scale-line")).to_have_text(re.compile(r"^\d+ k?m$"))
    # a site's popup: its name, kind in French, commune, address, hours
    popup = page.locator(".leaflet-popup-content")
    for _attempt in range(3):  # a map still settling (zoom animation under load) may hand the click to a cell
        page.wait_for_selector("#audit-map .leaflet-map-pane:not(.leaflet-zoom-anim)", state="attached")
        page.locator("path.site-pg-pole-chatillon").click()
        try:
            expect(popup).to_contain_text(CHATILLON_POLE, timeout=5_000)
            break
        except AssertionError:
            continue
    expect(popup).to_contain_text(CHATILLON_POLE)
    expect(popup).to_contain_text("Type : Pôle social départemental")
    expect(popup).to_contain_text("Commune : Châtillon")
    expect(popup).to_contain_text("Horaires : lun.-ven. 08:30-12:30, 13:30-17:30")
    expect(popup).to_contain_text("Adresse : ")
    # its isochrone, then hidden again
    popup.get_by_role("button", name="Zone à 15 et 20 min").click()
    expect(page.locator("#map-legend")).to_contain_text(f"Zone de « {CHATILLON_POLE} »")
    page.get_by_role("button", name="Masquer la zone du site").click()
    expect(page.locator("#map-legend")).not_to_contain_text("Zone de")
    # a cell's popup: population, minutes to pôle and antenne, verdict (a few clicks find an inhabited cell)
    themap = page.locator("#audit-map")
    box = themap.bounding_box()
    assert box is not None
    # from the centre outwards: a commune's label, a site or an empty cell may take a click
    points = sorted(((fx / 10, fy / 10) for fx in range(2, 9) for fy in range(2, 9)),
                    key=lambda p: (p[0] - 0.5) ** 2 + (p[1] - 0.5) ** 2)  # fmt: skip
    text = ""
    for fx, fy in points:
        themap.click(position={"x": box["width"] * fx, "y": box["height"] * fy}, force=True)  # a marker may be on top
        popup = page.locator(".leaflet-popup-content").last  # the one closing may still fade out
        try:
            popup.wait_for(state="visible", timeout=3_000)
            text = popup.inner_text(timeout=3_000)
        except PlaywrightTimeout:
            continue
        if "Verdict" in text:
            break
    assert "Verdict" in text, f"no click on the map opened a cell's popup; last popup: {text!r}"
    assert re.search(r"Population : [\d\s\u202f\xa0]+ habitants?", text), text
    assert re.search(r"Pôle social le plus proche : (\d+ min|hors d'atteinte)", text), text
    assert re.search(r"Verdict : (dans|hors de) la norme", text), text

    baseline = page.locator("#share").inner_text()
    page.get_by_label("Nouveau scénario").fill("Outils du poste (test navigateur)")
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_label("Scénario affiché")).to_have_value(re.compile(r"^\d+$"))
    expect(page.get_by_role("group", name="Modifier le scénario")).to_be_enabled()
    wait_ready(page)
    page.get_by_label("Site", exact=True).select_option(label=f"{VANVES_POLE} — Pôle social départemental")
    page.get_by_label("Latitude").fill(BOULOGNE_CENTRE[0])
    page.get_by_label("Longitude").fill(BOULOGNE_CENTRE[1])
    page.get_by_role("button", name="Appliquer et recalculer").click()
    wait_ready(page)
    expect(page.locator("#edit-status")).to_contain_text("Changement enregistré")  # else it shows the error
    expect(page.locator("#changes li")).to_have_count(1)
    # the fields are empty again: choosing "Déplacer" then another site cannot reuse the last point
    expect(page.get_by_label("Latitude")).to_have_value("")
    expect(page.get_by_label("Longitude")).to_have_value("")
    page.get_by_role("radio", name="Déplacer").check()
    page.get_by_label("Site", exact=True).select_option(ISSY_POLE_ID)
    page.get_by_role("button", name="Appliquer et recalculer").click()
    expect(page.locator("#edit-status")).to_contain_text("Choisissez d'abord un point")
    # a point found from words, as the CLI's --address finds it: the fields filled, the status says where
    page.get_by_label("Adresse ou commune").fill("Nanterre")
    page.get_by_role("button", name="Placer à cette adresse").click()
    expect(page.locator("#edit-status")).to_contain_text("Placé : Nanterre (centre de la commune)")
    expect(page.get_by_label("Latitude")).to_have_value(re.compile(r"^48\.8\d{4}$"))
    page.get_by_label("Adresse ou commune").fill("zzzz qqqq")
    page.get_by_role("button", name="Placer à cette adresse").click()
    expect(page.locator("#edit-status")).to_contain_text("aucune commune")
    page.get_by_role("radio", name="Fermer").check()  # changing the kind of change clears the point
    page.get_by_role("radio", name="Déplacer").check()
    expect(page.get_by_label("Latitude")).to_have_value("")
    expect(page.locator("#changes li")).to_have_count(1)
    # the moved site is marked, the legend says how
    expect(page.locator("path.site-moved.site-pg-pole-vanves")).to_have_count(1)
    expect(page.locator("#map-legend")).to_contain_text("site déplacé")
    # the difference map, with its legend
    page.get_by_label("Carte affichée").select_option(label="Gains et pertes du scénario")
    expect(page.locator("#map-legend")).to_contain_text("gagné : entre dans la norme")
    expect(page.locator("#time-legend")).to_be_hidden()
    page.get_by_label("Colorer les secteurs SST").check()
    expect(page.locator("#map-legend")).to_contain_text("Secteurs SST")
    screenshot(page, "planner-tools-difference-1400")
    # undo: the scenario is the baseline again
    page.locator("#changes li").get_by_role("button", name="Retirer").click()
    wait_ready(page)
    expect(page.locator("#changes li")).to_have_count(0)
    expect(page.locator("#share")).to_have_text(baseline)
    # a proposal of the optimiser added to the scenario, named as it was proposed
    apply = page.locator("#proposals").get_by_role("button", name="Ajouter au scénario").first
    expect(apply).to_be_enabled(timeout=120_000)
    proposed = page.locator("#proposals li .change-text").first.inner_text().split(" : +")[0]
    apply.click()
    wait_ready(page)
    expect(page.locator("#changes li .change-text")).to_have_text([f"Ajouter {proposed}"])
    expect(page.locator("#compare-summary")).to_contain_text("Scénario : +")
    expect(page.locator("path.site-added")).to_have_count(1)
    # another mode: by bike more people are within the standard; downloads follow the choice
    walk = page.locator("#share").inner_text()
    page.get_by_label("Mode de déplacement").select_option(label="À vélo")
    wait_ready(page)
    expect(page.locator("#share")).not_to_have_text(walk)
    href = page.locator("#export-csv").get_attribute("href") or ""
    assert href.startswith("/planner/api/results.csv?scenario_id=") and "mode=bike" in href, href
    response = page.request.get(server.url + href)
    assert response.ok and response.text().lstrip("\ufeff").startswith("code_commune,commune,")
    screenshot(page, "planner-tools-bike-1400")
    watch.assert_clean()


def test_planner_workspace_at_mobile_width(open_page: OpenPage, server: Server) -> None:
    page, watch = open_page(MOBILE)
    log_in(page, server)
    wait_ready(page)
    expect(page.locator("#audit-map")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "planner-mobile")
    watch.assert_clean()


# ---- every page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/planner/login", "/planner", "/docs"])
def test_each_page_opens_with_a_visible_title(open_page: OpenPage, server: Server, path: str) -> None:
    page, watch = open_page()
    if path == "/planner":
        log_in(page, server)
    response = page.goto(server.url + path)
    assert response is not None and response.status == 200, path
    assert response.url == server.url + path  # no redirection
    h1 = page.locator("h1")
    expect(h1).to_have_count(1)  # on /docs, Swagger UI renders the document's title as the h1
    expect(h1).to_be_visible()
    assert h1.inner_text().strip()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    if path == "/docs":
        expect(page.get_by_text("/api/search").first).to_be_visible()  # Swagger UI rendered our document
    if path == "/planner":
        wait_ready(page)
    screenshot(page, "page" + (path.replace("/", "-") if path != "/" else "-public"))
    watch.assert_clean()


WORKSPACE_PAGES = ["/planner/login", "/planner", "/planner/steering", "/docs"]
WIDE = {"width": 1400, "height": 900}


def image_is_drawn(page: Page, selector: str) -> bool:
    """An <img> loaded (naturalWidth > 0): a CSP-blocked or broken image has none."""
    return bool(page.locator(selector).evaluate("img => img.complete && img.naturalWidth > 0"))


@pytest.mark.parametrize("viewport", [WIDE, MOBILE], ids=["1400px", "390px"])
@pytest.mark.parametrize("path", WORKSPACE_PAGES)
def test_workspace_pages_obey_the_csp_and_fit_the_width(
    open_page: OpenPage, server: Server, path: str, viewport: dict[str, int]
) -> None:
    """Every workspace page at desktop and phone width: no console error (a CSP refusal of an inline
    style or script is one), no horizontal scroll; the steering page styled and its four charts drawn."""
    page, watch = open_page(viewport)
    if path != "/planner/login":
        log_in(page, server)
    response = page.goto(server.url + path)
    assert response is not None and response.status == 200, path
    if path == "/planner":
        wait_ready(page)
    page.wait_for_load_state("load")
    if path == "/planner/steering":
        charts = page.locator("figure img")
        expect(charts).to_have_count(4)
        for i in range(4):
            assert image_is_drawn(page, f"figure >> nth={i} >> img"), f"chart {i} not drawn"
        # the linked stylesheet applied: h2 gets its blue rule (unstyled, it has none)
        border = page.locator("h2").first.evaluate("h => getComputedStyle(h).borderBottomStyle")
        assert border == "solid"
    assert_no_horizontal_scroll(page)
    screenshot(page, "workspace" + path.replace("/", "-") + f"-{viewport['width']}")
    csp = [e for e in watch.errors if "Content Security Policy" in e or "Refused to" in e]
    assert not csp, csp
    watch.assert_clean()
