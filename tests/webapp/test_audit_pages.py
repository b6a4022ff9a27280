"""The audit review pages: search, user activity, loan timeline, findings, exports and the chain check."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from workflows.audit_search import EXPORT_FIELDS

from ..factories_audit import build
from ..workflows.test_audit_chain import tamper


@pytest.fixture
def portfolio(world):
    return build(world)


def test_search_shows_who_role_time_address_and_masked_data(login, portfolio):
    loan = portfolio.loans["A"]
    page = login("supervisor").get(f"/audit?loan={loan.id}&action=loan_registered")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('data-event-id="') == 1
    assert "clerk_hanfeng" in html and "2026-03-02 08:00" in html and "10.0.0.9" not in html
    assert loan.applicant_id_number not in html and loan.applicant_id_number[:6] + "********" in html
    assert f'/audit/loans/{loan.id}"' in html


def test_user_activity_and_filters_in_the_export_links(login, portfolio, world):
    html = login("supervisor").get("/audit?user=officer_psbc&from=2026-03-01").get_data(as_text=True)
    assert 'id="user-activity"' in html and html.count('data-event-id="') == 2
    assert "/audit/export.xlsx?" in html and "user=officer_psbc" in html and "from=2026-03-01" in html


def test_a_bad_filter_answers_422(login, portfolio):
    assert login("supervisor").get("/audit?from=2026-03-05&to=2026-03-01").status_code == 422


def test_csv_export_is_the_search(login, portfolio):
    answer = login("supervisor").get("/audit/export.csv?bank=psbc")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert len(rows[0]) == len(EXPORT_FIELDS) and len(rows) == 1 + 4
    assert {row[EXPORT_FIELDS.index("bank")] for row in rows[1:]} == {"psbc"}


def test_xlsx_export_opens_in_openpyxl(login, portfolio):
    answer = login("supervisor").get("/audit/export.xlsx?task=approve_loan")
    sheet = load_workbook(io.BytesIO(answer.get_data())).active
    assert sheet.max_row == 1 + 4 and sheet["E1"].value in ("Username", "用户名")
    assert [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "approver_rcb", "approver_psbc", "dual", "approver2_rcb"]


def test_admin_sees_only_admin_events(login, portfolio):
    client = login("admin")
    html = client.get("/audit").get_data(as_text=True)
    assert 'id="admin-scope"' in html and 'data-action="task_completed"' not in html
    assert 'data-action="user_created"' in html
    assert client.get(f"/audit/loans/{portfolio.loans['A'].id}").status_code == 403
    assert 'id="no-findings"' in client.get("/audit/findings").get_data(as_text=True)


def test_loan_timeline_flags_findings_and_links_the_loan_page(login, portfolio):
    loan = portfolio.loans["A"]
    html = login("supervisor").get(f"/audit/loans/{loan.id}").get_data(as_text=True)
    assert f'href="/loans/{loan.id}"' in html
    assert html.count('class="small text-danger audit-finding"') == 3  # extension four eyes, two outside scope
    assert 'data-rule="four_eyes"' in html and 'data-rule="outside_scope"' in html
    assert login("supervisor").get("/audit/loans/99999").status_code == 404


def test_findings_page_lists_each_rule(login, portfolio):
    client = login("supervisor")
    html = client.get("/audit/findings").get_data(as_text=True)
    for rule, ids in portfolio.flagged.items():
        for event_id in ids:
            assert f'data-rule="{rule}" data-event-id="{event_id}"' in html
    only = client.get("/audit/findings?rule=too_fast").get_data(as_text=True)
    assert only.count("<tr data-rule=") == 1


def test_the_chain_check_locates_a_tampered_row(login, portfolio):
    client = login("supervisor")
    assert 'id="chain-ok"' in client.get("/audit/verify").get_data(as_text=True)
    target = portfolio.flagged["too_fast"][0]
    tamper("UPDATE audit_events SET comment = 'nothing to see' WHERE id = :id", id=target)
    html = client.get("/audit/verify").get_data(as_text=True)
    assert f'id="chain-broken" data-event-id="{target}"' in html
    assert f'<tr data-event-id="{target}"' in html and "nothing to see" in html


@pytest.mark.parametrize("query", ["loan=9223372036854775808", "household=9223372036854775808", "loan=2147483648",
                                   "loan=-3", "household=x", "from=0001-01-01", "to=9999-12-31", "user=a%00b"])
def test_a_filter_out_of_range_answers_422_with_the_form(login, portfolio, query):
    page = login("supervisor").get(f"/audit?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="audit-filters"' in html and 'data-event-id="' not in html
    assert "alert-danger" in html


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_with_an_id_out_of_range_answers_422(login, portfolio, kind):
    answer = login("supervisor").get(f"/audit/export.{kind}?loan=9223372036854775808&household=99999999999999")
    assert answer.status_code == 422 and answer.mimetype == "text/html"


def test_a_user_that_cannot_be_an_id_is_searched_as_a_name(login, portfolio):
    assert login("supervisor").get("/audit?user=99999999999999999999999").status_code == 200


def test_a_method_the_page_does_not_take_names_those_it_does(login, portfolio):
    answer = login("supervisor").open("/audit", method="TRACE")
    assert answer.status_code == 405 and set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_a_loan_id_beyond_any_database_integer_is_404(login, portfolio):
    assert login("supervisor").get("/audit/loans/99999999999999999999").status_code == 404
