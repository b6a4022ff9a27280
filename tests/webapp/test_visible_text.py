"""Every page of the Chinese UI, as every role, shows no raw code and no untranslated English (可见文字检查).

One world holds one of every kind of thing (a loan at every user task of every diagram, post-loan,
top-up, settlement and rating tasks, audit findings, an imported loan, a draft); each role walks every
GET page of the app's url_map with each id of the world, and the visible text (scripts, styles and
attributes stripped) must hold no ``snake_case`` key and no English word outside the short allow-list
below. A rule code in brackets after its Chinese message is what it is for; the designer's pages may
show element ids and variable names. The JSON API's error ``message`` fields are checked the same way.
"""
from __future__ import annotations

import re
from collections import defaultdict

import pytest
import sqlalchemy as sa
from lxml import html as lxml_html

from models import HumanTask, Household, Loan, Township, User, db
from models.credit import CreditCampaign
from models.subsidy import SubsidySettlement
from webapp import labels
from workflows import demo_data, deployment, drafts, reports

from ..factories_tasks import DRIVERS

ROLES = ("admin", "clerk_hanfeng", "bureau", "officer_rcb", "approver_rcb", "finance", "supervisor")
SKIPPED_SUFFIXES = (".csv", ".xlsx", ".json")  # downloads and data, not pages
SKIPPED_PREFIXES = ("/attachments/", "/api/", "/static/")  # files, and the API (its errors are checked below)
DESIGNER_ENDPOINTS = {"admin.draft", "admin.decisions", "admin.versions", "admin.migration"}
# ASCII boundaries: Python's \b sees Chinese characters as word characters ("规则loan_policy一致")
SNAKE = re.compile(r"(?<![A-Za-z0-9_])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")
# (amount_over_cap) after its message; (task_completed · approve_loan) after an audit event's name
RULE_CODE = re.compile(r"[（(][a-z][a-z0-9]*(?:_[a-z0-9]+)*(?: · [a-z][a-z0-9]*(?:_[a-z0-9]+)*)?[）)]")
ENGLISH = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")
DESIGNER_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_])[a-z][a-z0-9_]*(?:\.(?:bpmn|dmn))?(?![A-Za-z0-9_])")
HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{12,}(?![0-9a-f])")  # audit hash values (or their first 12): data
MONEY_WITHOUT_SEPARATORS = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}\b")
# English words a Chinese page may show, each with its reason.
ALLOWED_WORDS = {
    "LPR": "the loan prime rate's own name in Chinese banking",
    "API": "the programming interface's usual name",
    "JPEG": "file type", "PNG": "file type", "PDF": "file type", "CSV": "file type", "Excel": "file type",
    "xlsx": "file type", "csv": "file extension in a file name",
    "SHA": "the hash's name (SHA-256)",
    "AAA": "credit grade", "BPMN": "diagram standard's name", "DMN": "decision table standard's name",
    "English": "the language switch names the other language in that language",
    "GBK": "the Chinese file encoding's name", "JSON": "data format's name (designer)",
    "Python": "the expression language the designer's cells are written in",
    "UTC": "time zone of a stored instant", "ISO": "the duration standard's name (ISO 8601) in the designer", "UTF": "the file encoding's name (UTF-8)",
}


# Identifiers a page may show because its user types them: the settings page's keys and coded values
# (the administrator enters a key, and the documents in the settings' comments name them).
PAGE_IDENTIFIERS = {"admin.settings": set(labels.SETTINGS) | set(labels.SETTING_VALUES) | {"loan_policy"}}


def build_everything(world) -> None:
    """A loan at every user task (and so every stage), post-loan, finance and rating tasks, findings."""
    for name, driver in DRIVERS.items():
        try:
            driver.reach(world)
        except Exception as exc:  # noqa: BLE001 - two drivers may clash in one database; the rest still count
            db.session.rollback()
            print(f"driver {name} not reached here: {exc!r}")
    drafts.create_draft(world.actor("admin"), "microcredit_loan")
    db.session.commit()


def ids() -> dict[str, list]:
    first = lambda model, n=3: list(db.session.scalars(sa.select(model.id).order_by(model.id).limit(n)))  # noqa: E731
    return {
        "loan_id": list(db.session.scalars(sa.select(Loan.id))),
        "task_id": list(db.session.scalars(sa.select(HumanTask.id).where(HumanTask.state == "ready"))),
        "draft_id": list(db.session.scalars(sa.text("select id from process_drafts"))),
        "process_key": list(deployment.BUNDLED_PROCESSES),
        "version": [1],
        "user_id": first(User, 2),
        "household_id": first(Household, 2),
        "township_id": first(Township, 1),
        "campaign_id": first(CreditCampaign, 2),
        "settlement_id": first(SubsidySettlement, 2),
        "name": list(reports.REPORTS),
    }


def page_urls(app, values: dict[str, list]) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET page, once per value of its one parameter (the first of the others)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.rule.startswith(SKIPPED_PREFIXES) or rule.rule.endswith(SKIPPED_SUFFIXES):
            continue
        names = sorted(rule.arguments)
        if any(not values.get(name) for name in names):
            continue
        if not names:
            urls.append((rule.endpoint, rule.rule))
            continue
        for value in values[names[0]]:
            args = {names[0]: value, **{name: values[name][0] for name in names[1:]}}
            urls.append((rule.endpoint, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(args[m.group(1)]), rule.rule)))
    return urls


def visible_text(body: str) -> str:
    tree = lxml_html.fromstring(body)
    # data-verbatim: the audit record's stored before/after data, shown as hashed (labelled beside it)
    for node in tree.xpath("//script|//style|//template|//noscript|//*[@data-verbatim]"):
        node.drop_tree()
    return " ".join(" ".join(tree.itertext()).split())


def problems(text: str, data_words: set[str], designer: bool = False) -> list[str]:
    text = HASH.sub(" ", RULE_CODE.sub(" ", text))
    for word in sorted(data_words, key=len, reverse=True):  # the data's own identifiers (usernames, contract numbers): not labels
        text = text.replace(word, " ")
    found = [f"money without separators: {m}" for m in MONEY_WITHOUT_SEPARATORS.findall(text)]
    if designer:  # element ids, variable names and values, file names: lowercase identifiers are the designer's
        text = DESIGNER_IDENTIFIER.sub(" ", text)
    found += [f"raw key: {m}" for m in SNAKE.findall(text)]
    text = SNAKE.sub(" ", text)
    found += [f"English: {m}" for m in ENGLISH.findall(text) if m not in ALLOWED_WORDS]
    return found


def data_words() -> set[str]:
    words = set(db.session.scalars(sa.select(User.username)))
    words |= {value for value in db.session.scalars(sa.select(Loan.contract_number)) if value}
    return {w for w in words if w}


def test_every_page_of_the_chinese_ui_shows_chinese_to_every_role(app, world, login):
    build_everything(world)
    values, words = ids(), data_words()
    urls = page_urls(app, values)
    assert len(urls) > 40, urls
    found: dict[str, set[str]] = defaultdict(set)
    walked = 0
    for username in ROLES:
        client = login(username)
        for endpoint, url in urls:
            answer = client.get(url)
            if answer.status_code != 200 or not answer.mimetype == "text/html":
                continue
            walked += 1
            for problem in problems(visible_text(answer.get_data(as_text=True)),
                                    words | PAGE_IDENTIFIERS.get(endpoint, set()),
                                    designer=endpoint in DESIGNER_ENDPOINTS):
                found[problem].add(f"{username} {url}")
    app.config["SHOW_DEMO_LOGINS"] = True  # as make run shows it: the demo logins and their password are data
    anonymous = app.test_client().get("/login")
    for problem in problems(visible_text(anonymous.get_data(as_text=True)), words | {demo_data.DEMO_PASSWORD}):
        found[problem].add("anonymous /login")
    assert walked > 150
    report = [f"{problem}  ← {', '.join(sorted(where)[:3])}" for problem, where in sorted(found.items())]
    assert report == [], "\n".join(report)


@pytest.mark.parametrize("method, url, body", [
    ("GET", "/api/v1/loans/999999", None),
    ("POST", "/api/v1/loans", {}),
    ("GET", "/api/v1/tasks/999999", None),
    ("POST", "/api/v1/households", {}),
])
def test_api_error_messages_are_chinese(app, login, method, url, body):
    headers = {**login.token("clerk_hanfeng"), "Accept-Language": "zh-CN"}
    answer = app.test_client().open(url, method=method, json=body, headers=headers)
    assert answer.status_code >= 400
    message = answer.get_json()["message"]
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert problems(message, set()) == []


def test_the_scan_finds_raw_keys_english_and_bare_money():
    """The checks can fail: a raw key, an English word and an unformatted amount are each found."""
    assert problems("完成环节: post_loan_visit", set()) == ["raw key: post_loan_visit"]
    assert problems("共 5 loans", set()) == ["English: loans"]
    assert problems("金额 105000.00 元", set()) == ["money without separators: 105000.00"]
    assert problems("贷款金额超过单户5万元上限（amount_over_cap） 105,000.00 LPR", set()) == []
    assert problems("办理人 clerk_hanfeng", {"clerk_hanfeng"}) == []
    assert problems("与DMN loan_policy一致，完成环节post_loan_visit", set()) == ["raw key: loan_policy", "raw key: post_loan_visit"]
