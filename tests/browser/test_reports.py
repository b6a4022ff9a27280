"""A report page in Chromium: Chart.js draws the chart from the JSON block (no inline script), the table shows."""
from __future__ import annotations

from tests.factories_reports import Q1_FROM, Q1_TO, build_portfolio

from .conftest import login, screenshot


def test_the_balance_report_draws_its_chart(world, live_server, browser):
    build_portfolio()
    page = login(browser, live_server, "supervisor")
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server}/reports/balance_by_township?from={Q1_FROM}&to={Q1_TO}")
    page.wait_for_function("() => typeof Chart !== 'undefined' && Chart.getChart(document.getElementById('report-chart'))")
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('report-chart'));
        return {type: chart.config.type, labels: chart.data.labels, sets: chart.data.datasets.length,
                width: chart.width};
    }""")
    assert drawn["type"] == "bar" and drawn["labels"] == ["大德镇", "汉丰街道", "赵家街道"]
    assert drawn["sets"] == 2 and drawn["width"] > 100
    assert page.locator("#report-table tbody tr").count() == 4
    assert "75,000.00" in page.locator("#report-table").inner_text()
    assert errors == []
    screenshot(page, "report_balance_by_township")

    page.goto(f"{live_server}/reports/overdue?from={Q1_FROM}&to={Q1_TO}")
    page.wait_for_function("() => Chart.getChart(document.getElementById('report-chart')) !== undefined")
    assert page.evaluate("() => Chart.getChart(document.getElementById('report-chart')).config.type") == "doughnut"
    screenshot(page, "report_overdue")


def test_a_clerk_filters_and_downloads_the_export(world, live_server, browser, tmp_path):
    """The filter form keeps the clerk's choice; the export button downloads the same figures as a workbook."""
    from openpyxl import load_workbook

    build_portfolio()
    page = login(browser, live_server, "clerk_hanfeng")
    page.goto(f"{live_server}/reports")
    page.click('[data-report="balance_by_bank"]')
    page.fill("#from", str(Q1_FROM))
    page.fill("#to", str(Q1_TO))
    page.click("#report-filters button")
    page.wait_for_url("**/reports/balance_by_bank?*")
    page.wait_for_function("() => Chart.getChart(document.getElementById('report-chart')) !== undefined")
    assert page.locator("#report-table tbody tr").count() == 3  # two banks and the totals
    with page.expect_download() as download:
        page.click("#export-xlsx")
    download.value.save_as(tmp_path / "report.xlsx")
    sheet = load_workbook(tmp_path / "report.xlsx").worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == [["重庆农村商业银行开州支行", 1, 30000, 1, 30000], ["中国邮政储蓄银行开州区支行", 0, 0, 1, 45000],
                    ["合计", 1, 30000, 2, 75000]]
