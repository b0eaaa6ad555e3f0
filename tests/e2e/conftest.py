"""End-to-end: moto, the demo data, the API and the SQS poller each in a real process, driven by
Debian's Chromium. Emails are files in the outbox folder (the `outbox` fixture). A test may restart the
API server and the poller (`restart_services`, `local_services`) or run a `devtools` command with the
stack's environment (`stack_env`). The steps that several journeys take in the browser (log in, search a
course, read a fact, keep a download, take screenshots) are at the end of this file.

Nothing here changes this process's environment: the integration tests of the same run use their
own moto through AWS_ENDPOINT_URL, so the stack below gets its endpoint only through `env=`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Request, expect, sync_playwright

from devtools.local_stack import LOCAL_ENV, free_port, start_moto, stop, wait_for_http
from tests.e2e.api import PASSWORD

# Run after every other test, in this order (a stable sort keeps each file's own order).
LAST = ("test_api_fuzz.py", "test_log_privacy.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fuzz runs last but one: as an officer, schemathesis follows the inbox to real requests and decides
    them, and the journeys rely on the demo data as `make run` loads it. The log scan comes after
    everything: it reads what the whole run wrote."""
    items.sort(key=lambda item: LAST.index(item.path.name) + 1 if item.path.name in LAST else 0)


ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GCA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOAD_DEMO_DATA = (
    "from devtools.resources import create_resources; from devtools.demo_data import load_demo_data; "
    "create_resources(); load_demo_data()"
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("GCA_UI_SHOTS")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture(scope="session")
def e2e_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def outbox(e2e_work: Path) -> Path:
    """Where the local stack writes each email it sends: <stamp>.json ({to, subject, text, html_file}) + .html."""
    return e2e_work / "outbox"


class LocalServices:
    """The API server (`devtools.serve`) and the SQS poller of the e2e stack, which a test may restart.

    moto is not among them: it plays AWS, whose data outlives any deployment or restart of the app.
    Both processes start again with the same environment and port, so links and tokens stay valid.
    """

    def __init__(self, env: dict[str, str], port: int, work: Path) -> None:
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._server_log = work / "api.log"
        self._poller_log = work / "poller.log"
        self._server: subprocess.Popen[bytes] | None = None
        self._poller: subprocess.Popen[bytes] | None = None

    def _spawn(self, module: str, log_path: Path, *args: str) -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def start_server(self) -> None:
        if self._server is None or self._server.poll() is not None:
            self._server = self._spawn("devtools.serve", self._server_log, "--port", str(self.port))
        try:
            wait_for_http(f"{self.base_url}/api/health", 60)
        except TimeoutError as error:
            pytest.fail(f"{error}\n--- api.log ---\n{_tail(self._server_log)}", pytrace=False)

    def start_poller(self) -> None:
        # `chalice local` runs no SQS consumer: the poller feeds the annulment queue to the notifier.
        if self._poller is None or self._poller.poll() is not None:
            self._poller = self._spawn("devtools.sqs_poller", self._poller_log)

    def stop_server(self) -> None:
        if self._server is not None:
            stop(self._server)

    def stop_poller(self) -> None:
        """SIGTERM: the poller ends the round it is in (handler and deletes) before it exits."""
        if self._poller is not None:
            stop(self._poller)

    def start(self) -> None:
        """Starts whichever of the two is not running and waits until the API answers."""
        self.start_poller()
        self.start_server()
        if self._poller is not None and self._poller.poll() is not None:
            pytest.fail(f"the SQS poller stopped:\n{_tail(self._poller_log)}", pytrace=False)

    def stop(self) -> None:
        self.stop_poller()
        self.stop_server()

    @property
    def log_files(self) -> tuple[Path, ...]:
        """What the API server and the poller wrote (stdout and stderr), over every restart."""
        return (self._server_log, self._poller_log)

    def restart(self) -> None:
        """Both processes stopped, then started again on the same port with the same environment."""
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def local_services(e2e_work: Path, outbox: Path) -> Iterator[LocalServices]:
    """moto server + bootstrap and demo data + `devtools.serve` + the SQS poller; yields the app's processes."""
    work = e2e_work
    moto_port = free_port()
    moto = start_moto(moto_port, str(work / "moto.log"))
    services: LocalServices | None = None
    try:
        app_port = free_port()
        base_url = f"http://127.0.0.1:{app_port}"
        env = {
            **os.environ,
            **LOCAL_ENV,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
            "GCA_STAGE": "local",
            "GCA_PUBLIC_BASE_URL": base_url,
            "GCA_OUTBOX_DIR": str(outbox),
        }
        loaded = subprocess.run(
            [sys.executable, "-c", LOAD_DEMO_DATA],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        if loaded.returncode != 0:
            pytest.fail(f"bootstrap/demo data failed:\n{loaded.stdout}\n{loaded.stderr}", pytrace=False)

        services = LocalServices(env, app_port, work)
        services.start()
        yield services
    finally:
        if services is not None:
            services.stop()
        stop(moto)


@pytest.fixture(scope="session")
def e2e_stack(local_services: LocalServices) -> str:
    """The whole local stack, running; the app's base URL."""
    return local_services.base_url


@pytest.fixture(scope="session")
def stack_env(e2e_stack: str, local_services: LocalServices) -> dict[str, str]:
    """The environment the stack's processes run with (its moto endpoint, stage, outbox), for a
    `devtools` command run by a test, e.g. `python -m devtools.run_export`. A copy: changing it changes nothing."""
    return dict(local_services.env)


@pytest.fixture
def restart_services(local_services: LocalServices) -> Iterator[Callable[[], None]]:
    """Restarts the API server and the SQS poller (not moto). Whatever a test stopped runs again after it."""
    yield local_services.restart
    local_services.start()


@pytest.fixture(scope="session")
def base_url(e2e_stack: str) -> str:
    return e2e_stack


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set GCA_CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def _watched_page(browser: Browser, base_url: str, who: str) -> Iterator[Page]:
    """A page in a browser context of its own (empty sessionStorage); fails on script errors and CSP violations."""
    # Downloads (the Excel files) are accepted: Playwright's default, stated because the journeys rely on it.
    context = browser.new_context(base_url=base_url, locale="es-CL", viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    new_page.on("console", on_console)
    new_page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield new_page
    context.close()
    assert not problems, f"the {who} reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh browser context per test; fails on script errors and CSP violations."""
    with _watched_page(browser, base_url, "page") as new_page:
        yield new_page


@pytest.fixture
def second_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """Another person's browser (an email client, a colleague), with its own session."""
    with _watched_page(browser, base_url, "second page") as other:
        yield other


# ---------------------------------------------------------------------- steps shared by the journeys


def log_in(page: Page, rut: str, password: str = PASSWORD) -> None:
    """Fills "Autenticación de Usuarios." and presses Ingresar."""
    page.get_by_label("RUT", exact=True).fill(rut)
    page.get_by_label("Clave").fill(password)
    page.get_by_role("button", name="Ingresar").click()


def choose_profile(page: Page, profile: str | None = None, institution: str | None = None) -> None:
    """On "Selección de Perfil / Institución.", chooses (or keeps the only choice) and presses Seleccionar."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Selección de Perfil / Institución.")
    if profile:
        page.get_by_label("Perfiles").select_option(label=profile)
    if institution:
        page.get_by_label("Instituciones").select_option(label=institution)
    page.get_by_role("button", name="Seleccionar").click()


def enter(
    page: Page, rut: str, profile: str | None = None, institution: str | None = None, home: str = "Cursos."
) -> None:
    """Logs in and chooses the profile (a single-profile user keeps the only choice)."""
    page.goto("/")
    log_in(page, rut)
    choose_profile(page, profile, institution)
    expect(page.get_by_role("heading", level=1)).to_have_text(home)


def search_by_course_code(page: Page, code: str) -> None:
    page.get_by_role("combobox", name="Programa").select_option(label="Impulsa Personas")
    page.get_by_role("combobox", name="Criterio").select_option(label="Código Curso")
    page.get_by_role("textbox", name="Código Curso").fill(code)
    page.get_by_role("button", name="Buscar").click()


def value_of(container: Locator, term: str) -> Locator:
    """The <dd> of a <dt> in a description list."""
    term_cell = container.locator("dt").filter(has_text=re.compile(f"^{re.escape(term)}$"))
    return term_cell.locator("xpath=following-sibling::dd[1]")


def course_fact(page: Page, term: str) -> Locator:
    return value_of(page.get_by_role("region", name="Datos del Curso SENCE"), term)


def requests_seen(page: Page, wanted: Callable[[Request], bool]) -> list[str]:
    """The URLs of the requests that the page sends from now on and `wanted` picks."""
    seen: list[str] = []

    def on_request(request: Request) -> None:
        if wanted(request):
            seen.append(request.url)

    page.on("request", on_request)
    return seen


def save_download(page: Page, button: Locator, folder: Path) -> Path:
    """Clicks `button` and keeps the file it downloads in `folder`, under the name the server suggests."""
    with page.expect_download() as started:
        button.click()
    saved = folder / started.value.suggested_filename
    started.value.save_as(saved)
    return saved


def workbook_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """An Excel file as a user opens it: every sheet's rows by sheet name."""
    workbook = load_workbook(path, read_only=True)
    try:
        return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook}
    finally:
        workbook.close()


def shot(page: Page, name: str) -> None:
    """Desktop and phone screenshots of the whole page, when GCA_UI_SHOTS names a folder."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    desktop = page.viewport_size
    page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=folder / f"{name}-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} is wider than a phone"
    if desktop:
        page.set_viewport_size(desktop)
