"""E2E fixtures: a real `union-ledger serve --demo` process on a free port and headless Chromium
(Debian's /usr/bin/chromium). A missing browser is installed or the tests fail, never skip."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
DEMO_MEMBERS = 500


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/ready", timeout=2) as resp:
            body = json.load(resp)
    except OSError:
        return False
    return bool(body.get("read_side_position")) and \
        body["read_side_position"] >= body["ledger_position"]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a demo server with DEMO_MEMBERS workers, once its read side has caught up."""
    port = _free_port()
    data = tmp_path_factory.mktemp("e2e-data")
    log = (data / "serve.log").open("w")
    exe = Path(sys.executable).with_name("union-ledger")
    proc = subprocess.Popen(
        [str(exe), "serve", "--demo", "--demo-members", str(DEMO_MEMBERS), "--port", str(port),
         "--data-dir", str(data)], stdout=log, stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if k != "UNION_LEDGER_DATABASE_URL"}, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not _ready(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("demo server did not start:\n"
                                   + (data / "serve.log").read_text()[-3000:])
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # installs Chromium (Debian package) if missing; a failure here fails the e2e tests
    subprocess.run([str(ROOT / "scripts" / "ensure-chromium")], check=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, locale="zh-CN", accept_downloads=True,
                                  viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def shot(page: Page, name: str) -> None:
    """Keeps a full-page screenshot as a test artifact (artifacts/ is gitignored)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
