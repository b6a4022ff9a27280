"""日监测: the daily monitoring page, scoped like the loan list, each list filterable."""
from __future__ import annotations

from datetime import date

import pytest

import sqlalchemy as sa

from models import HumanTask, Loan, db
from workflows import clock, overdue

from ..factories import make_household
from ..factories_postloan import at, complete, disbursed, install, sweep

TODAY = date(2025, 12, 20)


@pytest.fixture
def board(world):
    """A hanfeng loan due within 30 days and overdue on interest, a zhaojia loan with misuse, a late visit."""
    due = disbursed(world, term=12)  # matures 2026-01-10
    misused = disbursed(world, household=make_household("zhaojia"), term=24, clerk="clerk_zhaojia")
    sweep(date(2025, 4, 10))
    complete(world, misused.id, "post_loan_visit", "clerk_zhaojia", date(2025, 4, 11),
             used_for_production=False, visit_note="买车")
    overdue.recompute(TODAY)
    db.session.commit()
    return due, misused


def page(login, username, **args):
    client = login(username)
    with clock.frozen(at(TODAY)):
        return client.get("/monitoring", query_string=args)


def test_supervisor_sees_every_list(login, board):
    due, misused = board
    html = page(login, "supervisor").text
    assert f"#{due.id}</a>" in html.split('id="due-soon"')[1].split("</table>")[0]
    assert f"#{due.id}</a>" in html.split('id="overdue"')[1].split("</table>")[0]
    assert "买车" in html.split('id="misuse-alerts"')[1]
    assert f"#{due.id}</a>" in html.split('id="visits-late"')[1].split("</table>")[0]  # visit of 2025-04-10 undone
    assert 'id="fund-ratio"' in html and 'id="subsidy-owed"' in html


def test_a_clerk_sees_only_their_township(login, board):
    due, misused = board
    html = page(login, "clerk_zhaojia").text
    assert "买车" in html and f"#{due.id}</a>" not in html


def test_lists_filter_by_risk_class_and_bank(login, board):
    due, _ = board
    risk = db.session.get(Loan, due.id).risk_class
    assert risk in ("special_mention", "substandard", "doubtful")
    other = "loss" if risk != "loss" else "doubtful"
    overdue_table = page(login, "supervisor", risk_class=other).text.split('id="overdue"')[1].split("</table>")[0]
    assert f"#{due.id}</a>" not in overdue_table
    assert f"#{due.id}</a>" not in page(login, "supervisor", bank="psbc").text


@pytest.mark.parametrize("username, status", [("officer_rcb", 200), ("approver_rcb", 200), ("finance", 403),
                                              ("bureau", 403), ("admin", 403)])
def test_who_may_see_it(login, username, status):
    install()
    assert login(username).get("/monitoring").status_code == status


def test_anonymous_goes_to_sign_in(client, world):
    response = client.get("/monitoring")
    assert response.status_code == 302 and "/login" in response.headers["Location"]




def test_a_post_loan_visit_through_its_task_page(login, world):
    loan = disbursed(world)
    sweep(date(2025, 4, 10))
    task = db.session.scalars(sa.select(HumanTask).filter_by(loan_id=loan.id, name="post_loan_visit")).one()
    client = login("clerk_hanfeng")
    with clock.frozen(at(date(2025, 4, 11))):
        assert client.get(f"/tasks/{task.id}").status_code == 200
        refused = client.post(f"/tasks/{task.id}", data={"used_for_production": "no"})
        assert refused.status_code == 422  # a misuse needs a note
        done = client.post(f"/tasks/{task.id}", data={"used_for_production": "yes", "visit_note": "正常"})
    assert done.status_code == 302 and db.session.get(HumanTask, task.id).state == "completed"
