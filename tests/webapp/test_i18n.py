"""Chinese by default, English on request; template filters; a message for every rule code."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from models import ROLES
from models.loan import LOAN_STATUSES
from webapp.rule_messages import RULE_MESSAGES, field_messages, rule_message
from webapp.template_helpers import local_dt, money, role_name, status_name
from workflows.safe_xml import parse_xml

ROOT = Path(__file__).resolve().parents[2]
POLICY_NOTE = ROOT / "docs" / "policy.md"  # its section "Rule codes": one table row per rule code
LOAN_POLICY_DMN = ROOT / "workflows" / "bpmn" / "loan_policy.dmn"
POLICY_CODES = ("not_registered", "removed_from_list", "age_out_of_range", "bad_credit", "not_rated",
                "dishonest_debtor", "amount_over_cap", "total_over_cap", "term_over_cap", "rate_over_cap",
                "purpose_not_productive", "extension_limit", "extension_after_maturity", "extension_risk_class",
                "extension_too_long")
OTHER_CODES = ("four_eyes", "invalid_id_number", "unknown_bank", "before_approval", "already_completed", "stale",
               "forbidden", "invalid")


def test_chinese_by_default(client):
    page = client.get("/login").text
    assert '<html lang="zh-CN">' in page
    assert "登录" in page and "脱贫人口小额信贷" in page


def test_switch_to_english_and_back(client):
    response = client.post("/language", data={"lang": "en"}, headers={"Referer": "http://localhost/login?x=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/login?x=1"
    page = client.get("/login").text
    assert '<html lang="en">' in page and "Sign in" in page and "登录" not in page
    client.post("/language", data={"lang": "zh_CN"})
    assert '<html lang="zh-CN">' in client.get("/login").text


def test_unknown_language_and_foreign_referrer_are_ignored(client):
    response = client.post("/language", data={"lang": "fr"}, headers={"Referer": "https://evil.example/x"})
    assert "evil" not in response.headers["Location"]
    assert '<html lang="zh-CN">' in client.get("/login").text


def test_money_and_local_time(app):
    assert money(Decimal("30000")) == "30,000.00"
    assert money(Decimal("1234567.5")) == "1,234,567.50"
    assert money(None) == ""
    with app.test_request_context():
        assert local_dt(datetime(2026, 11, 27, 6, 5, tzinfo=timezone.utc)) == "2026-11-27 14:05"


@pytest.mark.parametrize("locale, role, status", [("zh_CN", "区乡村振兴局", "贷款发放"), ("en", "District rural", "Disbursed")])
def test_role_and_status_names(app, locale, role, status):
    with app.test_request_context(), force_locale(locale):
        assert role_name("rural_bureau").startswith(role)
        assert status_name("active") == status
        assert all(role_name(code) != code for code in ROLES)
        assert all(status_name(code) != code for code in LOAN_STATUSES)


def documented_rule_codes() -> set[str]:
    """The codes of the table in section "Rule codes" of docs/policy.md."""
    text = POLICY_NOTE.read_text(encoding="utf-8")
    section = re.search(r"^## Rule codes\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section, "docs/policy.md has no section 'Rule codes'"
    return set(re.findall(r"^\| `([a-z_]+)` \|", section.group(1), re.MULTILINE))


def dmn_rule_codes() -> set[str]:
    """The codes the rows of DMN ``loan_policy`` output (without the catch-all's "ok")."""
    cells = parse_xml(LOAN_POLICY_DMN.read_bytes()).iterfind(".//{*}rule/{*}outputEntry/{*}text")
    return {cell.text.strip().strip('"') for cell in cells} - {"ok"}


def test_the_rule_codes_agree_across_the_note_the_dmn_and_this_test():
    documented, decided = documented_rule_codes(), dmn_rule_codes()
    assert documented == set(POLICY_CODES)
    assert len(decided) >= 8 and decided <= documented  # every code the DMN gives is a documented rule


def test_every_policy_code_has_a_chinese_message(app):
    assert documented_rule_codes() | dmn_rule_codes() | set(POLICY_CODES) | set(OTHER_CODES) <= set(RULE_MESSAGES)
    with app.test_request_context():
        for code in RULE_MESSAGES:
            message = str(rule_message(code))
            assert message.endswith(f"（{code}）"), message
            assert re.search(r"[\u4e00-\u9fff]", message), message


def test_field_messages_replace_codes_only(app):
    with app.test_request_context():
        assert field_messages({"amount": ["amount_over_cap", "must be a number"]}) == {
            "amount": ["贷款金额超过单户5万元上限（amount_over_cap）", "must be a number"]}
        assert str(rule_message("no_such_code")) == "no_such_code"
