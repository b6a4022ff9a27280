"""axe-core on every page as each role finds no serious or critical WCAG 2.1 AA violation (无障碍检查),
and the walk leaves a screenshot of every page at 1440×900 and 390×844 in ``screenshots/``.

The world is the text-scan test's (tests/webapp/test_visible_text.py): a loan at every user task,
post-loan, finance and rating tasks, findings, a draft. axe-core (npm, copied into the vendor folder
by ``make assets``) is injected into each page; the context bypasses the app's CSP for that one
script only in the test. The diagram canvases of bpmn-js and dmn-js are left out of the check: they
are third-party drawings (the page labels each figure, or shows a table beside it).
"""
from __future__ import annotations

import io
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest
from PIL import Image

from ..webapp.test_visible_text import ROLES, build_everything, ids, page_urls
from .conftest import SCREENSHOTS, login

AXE = Path(__file__).resolve().parents[2] / "webapp" / "static" / "vendor" / "axe-core" / "axe.min.js"
SIZES = {"wide": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
EXCLUDED = [".djs-container", ".dmn-decision-table-container"]  # third-party diagram canvases (see above)
PER_ENDPOINT = 2  # pages of one endpoint checked per role (the first ids: same template, other data)
RUN_AXE = """async (excluded) => {
  const result = await axe.run({exclude: excluded.map((s) => [s])}, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    resultTypes: ["violations"]});
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


def _signed_in(browser, base: str, username: str | None):
    """Signed in as ``username`` (or nobody, for the sign-in page); axe is injected, so CSP is bypassed."""
    if username:
        return login(browser, base, username, viewport=SIZES["wide"], bypass_csp=True)
    page = browser.new_context(locale="zh-CN", viewport=SIZES["wide"], bypass_csp=True).new_page()
    page.set_default_timeout(15000)
    return page


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, EXCLUDED)


def _shoot(page, name: str) -> None:
    """The page at both sizes, as 64-colour PNGs (a third of the size, still sharp: they are committed).

    Only with ``UPDATE_SCREENSHOTS=1`` (``UPDATE_SCREENSHOTS=1 make test``): an ordinary run leaves the
    committed pictures alone, so a test run never changes the checkout."""
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        path = SCREENSHOTS / f"page_{name}_{size}.png"
        Image.open(io.BytesIO(page.screenshot())).convert("RGB").quantize(
            colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    page.set_viewport_size(SIZES["wide"])


def _name(endpoint: str, username: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", f"{endpoint}_{username}".lower()).strip("_")


def test_every_page_passes_axe_for_every_role(app, world, login, browser, live_server):
    build_everything(world)
    urls = page_urls(app, ids())
    seen, app.config["WTF_CSRF_ENABLED"] = {}, False  # which pages each role gets, asked without a browser
    for username in ROLES:
        client = login(username)
        seen[username] = {url for _, url in urls if client.get(url).status_code == 200}
    app.config["WTF_CSRF_ENABLED"] = True
    found: dict[str, set[str]] = defaultdict(set)
    shot: set[str] = set()
    checked = 0
    for username in (None, *ROLES):
        page = _signed_in(browser, live_server, username)
        per_endpoint: dict[str, int] = defaultdict(int)
        for endpoint, url in ([("auth.login", "/login")] if username is None else urls):
            if per_endpoint[endpoint] >= PER_ENDPOINT or (username and url not in seen[username]):
                continue  # enough of this page, or not one this role may see (its answer is no page)
            answer = page.goto(f"{live_server}{url}")
            if answer is None or answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
                continue
            per_endpoint[endpoint] += 1
            checked += 1
            page.wait_for_load_state("networkidle")
            for violation in _violations(page):
                found[f"{violation['id']} ({violation['impact']}): {violation['help']}"].add(
                    f"{username or 'anonymous'} {url} {violation['nodes']}")
            if endpoint not in shot:
                shot.add(endpoint)
                _shoot(page, _name(endpoint, username or "anonymous"))
        page.context.close()
    assert checked > 100
    report = [f"{rule}\n    " + "\n    ".join(sorted(where)[:4]) for rule, where in sorted(found.items())]
    assert report == [], "\n".join(report)


@pytest.mark.parametrize("username", ["clerk_hanfeng"])
def test_a_keyboard_user_skips_to_the_content(world, browser, live_server, username):
    """The first Tab reaches the skip link, and following it puts the focus in <main>."""
    page = _signed_in(browser, live_server, username)
    page.goto(f"{live_server}/inbox")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert "skip-link" in focused
    assert page.evaluate("() => getComputedStyle(document.activeElement).position") == "absolute"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    assert page.locator("header nav").count() == 1 and page.locator("footer").count() == 1
    page.context.close()
