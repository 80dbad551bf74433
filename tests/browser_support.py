"""What the browser tests share: the server, Debian's chromium, a page that records every request.

``maillage serve`` runs in a subprocess on 127.0.0.1 (a free port) over a fresh registry of the real
Hauts-de-Seine data, with one planner account; Playwright drives Debian's ``/usr/bin/chromium``
headless (an explicit executable path: no browser is ever downloaded). Every page is checked for
console errors and for requests leaving 127.0.0.1; screenshots (desktop and mobile width) go to
``out/screenshots/``. ``scripts/test.sh`` installs chromium (``scripts/browser.sh``), so these tests
never skip in CI; elsewhere they skip, loudly, only when chromium is missing.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO, missing_test_data
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    expect,
    sync_playwright,
)

from maillage import api
from maillage.web.auth import create_account

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "out" / "screenshots"
PLANNER = ("claire.planif", "mot-de-passe-de-test-92")
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000
MODES_S = 600
STARTUP_S = 600  # the street graph, the index and the baseline audit, on a shared and loaded 2-core machine
PMI_BAGNEUX = "Centre de protection maternelle et infantile (PMI) - Bagneux - Gabriel-Péri"
CHATILLON_POLE = "Pôle social départemental de Châtillon (PMI de Châtillon incluse)"
VANVES_POLE = "Pôle social Mary-Besseyre, Vanves (EDAS + PMI)"
BOULOGNE_CENTRE = ("48.83520", "2.23990")  # lat, lon


@dataclass
class Server:
    url: str
    log: Path


@dataclass
class Watch:
    """What a page did: every request URL, console errors, uncaught exceptions."""

    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("request", lambda r: self._request(r))
        page.on("console", lambda m: self._console(m))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        # errors only: a loaded machine gets Chromium's "[Intervention] Slow network" warnings
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def assert_clean(self) -> None:
        """No console error, no request that leaves the local server (data: URLs stay in the page)."""
        assert not self.errors, self.errors
        foreign = [u for u in self.requests if not (u.startswith(self.origin + "/") or u.startswith("data:"))]
        assert not foreign, f"requests leaving {self.origin}: {foreign}"
        assert self.requests, "no request recorded"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        missing_test_data(
            f"!!! BROWSER TESTS NOT RUN: {CHROMIUM} is missing. Install Debian's chromium with "
            "`bash scripts/browser.sh` (scripts/test.sh does it) !!!"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def server(chromium_path: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``maillage serve`` on a free loopback port, over a fresh registry of the 92 with a planner account."""
    home = tmp_path_factory.mktemp("web-browser")
    db_url = f"sqlite:///{home / 'registry.sqlite'}"
    api.init_registry(shared_data, db_url)
    create_account(api.open_registry(db_url), *PLANNER, "planner", actor="test")
    port = _free_port()
    env = os.environ | {
        "MAILLAGE_HOME": str(home),
        "MAILLAGE_SECRET_KEY": "browser-test-secret-key-long-enough-0123456789",
        "MAILLAGE_RATE_PER_S": "1000",
        "MAILLAGE_RATE_BURST": "1000",
    }
    command = [str(Path(sys.executable).with_name("maillage")), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--db", db_url, "--data", str(shared_data)]  # fmt: skip
    log = home / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"maillage serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"maillage serve did not answer within {STARTUP_S} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Server(url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def all_modes(server: Server) -> Server:
    """The server once its other travel modes are built (in the background after start-up)."""
    deadline = time.monotonic() + MODES_S
    while time.monotonic() < deadline:
        with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
            if not json.load(response)["modes_building"]:
                return server
        time.sleep(1)
    pytest.fail(f"the other travel modes were not built within {MODES_S} s:\n{server.log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    expect.set_options(timeout=TIMEOUT_MS)  # a loaded CI machine is slower than the 5 s default
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_path: Path) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


OpenPage = Callable[..., tuple[Page, Watch]]


@pytest.fixture
def open_page(browser: Browser, server: Server) -> Iterator[OpenPage]:
    """A page in a fresh browser context (no cookie) and its Watch; contexts closed after the test."""
    contexts: list[BrowserContext] = []

    def open_(viewport: dict[str, int] = DESKTOP) -> tuple[Page, Watch]:
        context = browser.new_context(viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        watch = Watch(server.url)
        # nothing may leave the machine during a test: such a request is recorded (and fails the
        # test through Watch.assert_clean) but aborted here, never sent
        context.route(re.compile(r"^(?!" + re.escape(server.url) + r"/)[a-z]+://"), lambda route: route.abort())
        page = context.new_page()
        watch.attach(page)
        return page, watch

    yield open_
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def log_in(page: Page, server: Server) -> None:
    page.goto(server.url + "/planner")
    expect(page).to_have_url(server.url + "/planner/login")  # not logged in: sent to the login form
    page.get_by_label("Identifiant").fill(PLANNER[0])
    page.get_by_label("Mot de passe").fill(PLANNER[1])
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(server.url + "/planner")


def assert_no_horizontal_scroll(page: Page) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"horizontal scroll at {viewport} px: the page is {width} px wide"


def wait_map_shapes(page: Page, at_least: int) -> None:
    """Wait until the public map has drawn ``at_least`` shapes (36 communes, markers). A locator, not
    wait_for_function: that one evaluates a string, which the page's CSP (no unsafe-eval) refuses."""
    expect(page.locator("#pick-map path.leaflet-interactive").nth(at_least - 1)).to_be_attached()


def wait_ready(page: Page) -> None:
    """planner.js sets body[data-ready=1] once the map, figures and tables are drawn."""
    page.wait_for_selector("body[data-ready='1']", timeout=180_000)  # a scenario's audit on a loaded machine


