"""Report pages and their Excel exports: the export matches the report cell by cell, scope and roles hold."""
from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories_reports import Q1_FROM, Q1_TO, build_portfolio
from workflows import reports
from workflows.reports import ReportFilters

Q1_ARGS = f"from={Q1_FROM}&to={Q1_TO}"


@pytest.fixture
def loans(world):
    return build_portfolio()


def workbook(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data))


def cells(value):
    return float(value) if isinstance(value, Decimal) else value


@pytest.mark.parametrize("name", ["balance_by_township", "overdue", "risk_fund", "subsidy", "household_rate"])
def test_the_export_matches_the_report_cell_by_cell(login, world, loans, name):
    client = login("supervisor")
    book = workbook(client.get(f"/reports/{name}.xlsx?{Q1_ARGS}"))
    result = reports.run(world.users["supervisor"], name, ReportFilters(Q1_FROM, Q1_TO))
    sheet = book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == len(result.rows) + 1
    for got, expected in zip(rows, result.rows):
        numbers = [(g, cells(e)) for g, e, c in zip(got, expected, result.columns) if c.kind != "text"]
        assert all(g == e for g, e in numbers), (got, expected)
    assert rows[-1][0] == "合计"
    assert [cells(v) for v in result.totals[1:]] == rows[-1][1:]
    assert len(list(sheet.iter_rows(max_row=1, values_only=True))[0]) == len(result.columns)


def test_balance_export_by_hand(login, loans):
    client = login("clerk_hanfeng")
    sheet = workbook(client.get(f"/reports/balance_by_township.xlsx?{Q1_ARGS}")).worksheets[0]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["名称", "发放笔数", "发放金额（元）", "在贷笔数", "贷款余额（元）"],
        ["汉丰街道", 1, 30000, 2, 75000], ["合计", 1, 30000, 2, 75000]]


def test_the_page_shows_filters_table_and_chart_data(login, loans):
    page = login("supervisor").get(f"/reports/overdue?{Q1_ARGS}&bank=psbc")
    assert page.status_code == 200
    html = page.text
    assert 'id="report-chart"' in html and "chart.umd.min.js" in html and "js/reports.js" in html
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
                      .group(1))
    assert data["kind"] == "doughnut" and data["labels"][0] == "正常"
    assert data["datasets"][0]["data"] == [0.0, 40000.0, 45000.0, 0.0, 0.0]  # as of 2026-03-31: L2 owed 45000
    assert "85,000.00" in html and "100.00%" in html
    assert '<option value="psbc" selected>' in html
    assert "reports/overdue.xlsx?" in html


def test_index_lists_every_report(login):
    html = login("clerk_hanfeng").get("/reports").text
    assert all(f'data-report="{name}"' in html for name in reports.REPORTS)


@pytest.mark.parametrize("username, status", [("admin", 403), ("supervisor", 200), ("finance", 200),
                                              ("bureau", 200), ("clerk_dade", 200), ("officer_psbc", 200),
                                              ("approver_rcb", 200)])
def test_who_may_open_reports(login, username, status):
    from tests.factories_reports import install_settings
    install_settings()
    client = login(username)
    for name in reports.REPORTS:
        assert client.get(f"/reports/{name}").status_code == status, name
    assert client.get("/reports/weekly_tasks.xlsx").status_code == status
    assert client.get("/reports").status_code == status


def test_anonymous_bad_filters_and_unknown_reports(client, login):
    assert client.get("/reports/overdue").status_code == 302
    supervisor = login("supervisor")
    assert supervisor.get("/reports/overdue?from=2026-02-30").status_code == 422
    assert supervisor.get("/reports/overdue?from=2026-03-01&to=2026-02-01").status_code == 422
    assert supervisor.get("/reports/nothing").status_code == 404
    assert supervisor.get("/reports/nothing.xlsx").status_code == 404


def test_every_string_has_a_chinese_translation():
    from pathlib import Path

    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None}
    sources = [("python", root / "webapp/reports.py"),
               *[("jinja2.ext:babel_extract", p) for p in sorted((root / "webapp/templates/reports").glob("*.html"))]]
    found = {m if isinstance(m, str) else m[0] for method, path in sources
             for _line, m, _c, _x in extract_from_file(method, str(path), keywords=keywords)}
    with (root / "webapp/translations/reports/zh_CN/LC_MESSAGES/messages.po").open("rb") as handle:
        translated = {m.id for m in read_po(handle, locale="zh_CN") if m.id and m.string}
    assert sorted(found - translated) == []
