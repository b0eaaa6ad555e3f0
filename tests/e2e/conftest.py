"""End-to-end: moto, the demo data, the API and the SQS poller each in a real process, driven by
Debian's Chromium. Emails are files in the outbox folder (the `outbox` fixture).

Nothing here changes this process's environment: the integration tests of the same run use their
own moto through AWS_ENDPOINT_URL, so the stack below gets its endpoint only through `env=`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from devtools.local_stack import LOCAL_ENV, free_port, start_moto, stop, wait_for_http

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
    "from devtools.bootstrap import bootstrap; from devtools.demo_data import load_demo_data; "
    "bootstrap(); load_demo_data()"
)
DESKTOP = {"width": 1280, "height": 900}


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


@pytest.fixture(scope="session")
def e2e_stack(e2e_work: Path, outbox: Path) -> Iterator[str]:
    """moto server + bootstrap and demo data + `devtools.serve` + the SQS poller; yields the app's base URL."""
    work = e2e_work
    moto_port = free_port()
    moto = start_moto(moto_port, str(work / "moto.log"))
    server: subprocess.Popen[bytes] | None = None
    poller: subprocess.Popen[bytes] | None = None
    server_log_path = work / "api.log"
    poller_log_path = work / "poller.log"
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

        with server_log_path.open("ab") as server_log:
            server = subprocess.Popen(
                [sys.executable, "-m", "devtools.serve", "--port", str(app_port)],
                cwd=ROOT,
                env=env,
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
        # `chalice local` runs no SQS consumer: the poller feeds the annulment queue to the notifier.
        with poller_log_path.open("ab") as poller_log:
            poller = subprocess.Popen(
                [sys.executable, "-m", "devtools.sqs_poller"],
                cwd=ROOT,
                env=env,
                stdout=poller_log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_http(f"{base_url}/api/health", 60)
        except TimeoutError as error:
            pytest.fail(f"{error}\n--- api.log ---\n{_tail(server_log_path)}", pytrace=False)
        if poller.poll() is not None:
            pytest.fail(f"the SQS poller stopped:\n{_tail(poller_log_path)}", pytrace=False)
        yield base_url
    finally:
        for process in (poller, server):
            if process is not None:
                stop(process)
        stop(moto)


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


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh browser context per test (empty sessionStorage); fails on script errors and CSP violations."""
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
    assert not problems, "the page reported problems:\n" + "\n".join(problems)
