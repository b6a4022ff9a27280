"""The supervisor searches the audit trail, opens a loan's audit timeline and exports to Excel."""
from __future__ import annotations

from openpyxl import load_workbook

from ..factories_audit import build
from .conftest import login, screenshot


def test_supervisor_reviews_the_audit_trail(world, live_server, browser, tmp_path):
    portfolio = build(world)
    page = login(browser, live_server, "supervisor")
    page.goto(f"{live_server}/audit")
    page.select_option("#f-bank", "psbc")
    page.fill("#f-from", "2026-03-03")
    page.fill("#f-to", "2026-03-03")
    page.click("#audit-search")
    page.wait_for_url("**/audit?*bank=psbc*")
    assert page.locator("#audit-table tbody tr").count() == 4
    screenshot(page, "audit_search")

    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    path = tmp_path / "audit.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path).active
    assert sheet.max_row == 1 + 4
    assert {row[10] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"zhaojia"}

    loan = portfolio.loans["A"]
    page.goto(f"{live_server}/audit?loan={loan.id}")
    page.locator(".audit-loan-link").first.click()
    page.wait_for_url(f"**/audit/loans/{loan.id}")
    assert page.locator("#audit-timeline .audit-finding").count() == 3
    screenshot(page, "audit_loan_timeline")
    page.click("#loan-page-link")
    page.wait_for_url(f"**/loans/{loan.id}")

    page.goto(f"{live_server}/audit/findings")
    assert page.locator("#findings-table tbody tr").count() == sum(len(v) for v in portfolio.flagged.values())
    screenshot(page, "audit_findings")
