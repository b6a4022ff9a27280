"""A live server on a free port and Debian's Chromium driven by Playwright.

Without a browser the tests skip with a message; with REQUIRE_BROWSER=1 (CI) they fail instead.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ..factories import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage"]


def _browser_path() -> str | None:
    return os.environ.get("BROWSER_EXECUTABLE") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    path = _browser_path()
    if not path:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium)")
        pytest.skip("no Chromium on this machine: apt-get install chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    app.config["WTF_CSRF_ENABLED"] = True  # the real pages, CSRF and all
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(browser, base: str, username: str, **context_options):
    """A fresh browser context signed in through the real login page (``context_options``: e.g. a viewport)."""
    options = {"locale": "zh-CN", "viewport": {"width": 1400, "height": 900}, **context_options}
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) [type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def add_task_before_disbursement(name: str) -> str:
    """JavaScript for ``page.evaluate``: the modeler's API (the test's "mouse") draws a user task
    ``compliance_review`` named ``name`` in the supervisors' lane between approval and disbursement."""
    return """() => {
  const m = window.adminModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
  const lane = reg.get('lane_supervisor');
  const bo = m.get('bpmnFactory').create('bpmn:UserTask', {id: 'compliance_review', name: '%s'});
  const shape = m.get('elementFactory').createShape({type: 'bpmn:UserTask', businessObject: bo});
  modeling.createShape(shape, {x: reg.get('disburse_loan').x + 50, y: lane.y + lane.height / 2}, lane);
  modeling.reconnectEnd(reg.get('flow_to_disburse_loan'), shape, {x: shape.x + shape.width / 2, y: shape.y});
  modeling.connect(shape, reg.get('disburse_loan'));
  m.get('canvas').zoom(1.0);
  m.get('canvas').scrollToElement(shape);
}""" % name
