"""Read-side loan queries: scope per role, filters, sorting, paging, timeline and diagram state."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from models import db
from tests.factories import APPROVAL, drive, make_household, ready_task, register
from workflows import loan_queries as lq
from workflows import clock, resident_id
from workflows.errors import FormInvalidError, NotFoundError
from workflows.tasks import service


def household(township: str, name: str = "测试户"):
    row = make_household(township)
    row.name = name
    db.session.commit()
    return row


@pytest.fixture
def book(world):
    """a: 汉丰/农商行, disbursed; b: 大德/邮储, submitted, applied earlier; c: 汉丰/邮储, named 冉光荣."""
    a = drive(world, register(world, household("hanfeng")).id, "end")
    b = register(world, household("dade", "大德户"), clerk="clerk_dade", bank="psbc",
                 amount=Decimal("20000.00"))
    c = register(world, household("hanfeng", "冉光荣"), bank="psbc", amount=Decimal("45000.00"))
    b.applied_on = clock.today() - timedelta(days=30)
    db.session.commit()
    return {"a": a, "b": b, "c": c}


SCOPES = {
    "admin": "abc", "bureau": "abc", "finance": "abc", "supervisor": "abc",
    "clerk_hanfeng": "ac", "clerk_dade": "b", "clerk_zhaojia": "",
    "officer_rcb": "a", "officer2_rcb": "a", "approver_rcb": "a", "approver2_rcb": "a",
    "officer_psbc": "bc", "approver_psbc": "bc",
}


def names(book, loans_) -> str:
    by_id = {loan.id: key for key, loan in book.items()}
    return "".join(sorted(by_id[loan.id] for loan in loans_))


@pytest.mark.parametrize("username, visible", SCOPES.items())
def test_each_role_sees_its_scope_and_nothing_else(world, book, username, visible):
    user = world.users[username]
    assert names(book, db.session.scalars(lq.visible_loans(user))) == visible
    for key, loan in book.items():
        if key in visible:
            assert lq.loan_for(user, loan.id).id == loan.id
        else:
            with pytest.raises(NotFoundError):
                lq.loan_for(user, loan.id)


def test_deny_by_default(world, book):
    clerk = world.users["clerk_hanfeng"]
    clerk.is_active = False
    assert names(book, db.session.scalars(lq.visible_loans(clerk))) == ""
    assert names(book, db.session.scalars(lq.visible_loans(None))) == ""
    with pytest.raises(NotFoundError):
        lq.loan_for(world.users["supervisor"], 999_999)


def search(world, username="supervisor", **filters):
    return lq.search_loans(world.users[username], lq.LoanFilters(**filters))


@pytest.mark.parametrize("filters, expected", [
    ({"status": "active"}, "a"), ({"status": "submitted"}, "bc"), ({"township": "hanfeng"}, "ac"),
    ({"bank": "psbc"}, "bc"), ({"grade": "AAA"}, "a"), ({"q": "冉光"}, "c"), ({"q": "nobody"}, ""),
    ({"applied_from": clock.today() - timedelta(days=1)}, "ac"),
    ({"applied_to": clock.today() - timedelta(days=1)}, "b"),
    ({"township": "hanfeng", "bank": "psbc"}, "c"), ({"q": "100%"}, ""),
])
def test_each_filter(world, book, filters, expected):
    page = search(world, **filters)
    assert names(book, page.items) == expected and page.total == len(expected)


def test_search_by_id_number_needs_the_full_number(world, book):
    number = book["c"].applicant_id_number
    assert names(book, search(world, q=number).items) == "c"
    assert search(world, q=number[:10]).total == 0  # no probing of the masked digits


def test_filters_combine_with_scope(world, book):
    assert names(book, search(world, "clerk_hanfeng", bank="psbc").items) == "c"
    assert search(world, "clerk_zhaojia").total == 0


@pytest.mark.parametrize("sort, order", [
    ("id", "abc"), ("-id", "cba"), ("amount", "bac"), ("-amount", "cab"), ("status", "abc"),
    ("maturity_date", "abc"), ("-applied_on", "cab"),
])
def test_sorting(world, book, sort, order):
    by_id = {loan.id: key for key, loan in book.items()}
    assert "".join(by_id[loan.id] for loan in search(world, sort=sort).items) == order


def test_pagination(world, book):
    first, second = search(world, per_page=2), search(world, per_page=2, page=2)
    assert (first.total, first.pages, first.has_next, first.has_prev) == (3, 2, True, False)
    assert len(first.items) == 2 and len(second.items) == 1 and second.has_prev and not second.has_next
    assert search(world, page=5).items == []


def test_filters_from_query_arguments():
    filters = lq.LoanFilters.from_args({"status": "active", "applied_from": "2026-01-02", "page": "3", "q": " "})
    assert filters == lq.LoanFilters(status="active", applied_from=date(2026, 1, 2), page=3)
    assert lq.LoanFilters.from_args({}).sort == "-id"


@pytest.mark.parametrize("args, field", [
    ({"sort": "household"}, "sort"), ({"sort": "-drop"}, "sort"), ({"per_page": "101"}, "per_page"),
    ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"applied_from": "2026-13-01"}, "applied_from"),
    ({"status": "lost"}, "status"), ({"grade": "Z"}, "grade"),
    ({"applied_from": "2026-02-01", "applied_to": "2026-01-01"}, "applied_to"),
])
def test_bad_filters_are_refused_with_the_field(args, field):
    with pytest.raises(FormInvalidError) as caught:
        lq.LoanFilters.from_args(args)
    assert field in caught.value.field_errors


def test_diagram_state_follows_the_steps(world):
    loan = register(world, make_household())
    state = lq.diagram_state(loan.id)
    assert state["current"] == ["confirm_eligibility"] and state["process_key"] == "microcredit_loan"
    assert {"application_received", "register_application", "check_loan_policy"} <= set(state["completed"])
    assert 'id="microcredit_loan"' in state["bpmn_xml"] and state["version"] == 1
    drive(world, loan.id, "approve_loan")
    state = lq.diagram_state(loan.id)
    assert state["current"] == ["approve_loan"]
    assert {"confirm_eligibility", "investigate_credit"} <= set(state["completed"])
    assert "approve_loan" not in state["completed"] and "disburse_loan" not in state["completed"]


def test_a_returned_step_is_current_not_completed(world):
    loan = drive(world, register(world, make_household()).id, "approve_loan")
    service.complete_task(world.actor("approver_rcb"), ready_task(loan.id, "approve_loan").id,
                        {**APPROVAL, "decision": "return", "approval_comment": "补充材料"})
    state = lq.diagram_state(loan.id)
    assert state["current"] == ["investigate_credit"] and "investigate_credit" not in state["completed"]


def test_finished_loan_has_no_current_step(world):
    loan = drive(world, register(world, make_household()).id, "end")
    state = lq.diagram_state(loan.id)
    assert "post_loan" in state["current"] and "disburse_loan" in state["completed"]
    with pytest.raises(NotFoundError):
        lq.diagram_state(999_999)


def test_open_tasks_and_timeline(world):
    loan = drive(world, register(world, make_household()).id, "approve_loan")
    assert [t.name for t in lq.open_tasks(loan.id)] == ["approve_loan"]
    events = lq.loan_timeline(loan.id)
    assert [(e.action, e.task_name) for e in events] == [
        ("loan_registered", "register_application"), ("task_completed", "confirm_eligibility"),
        ("task_completed", "investigate_credit")]
    investigation = lq.event_changes(events[2])
    assert lq.Change("grade", None, "AAA") in investigation and all(c.key != "status" for c in investigation)
    assert lq.event_form(events[0])["id_number"] == resident_id.mask(loan.applicant_id_number)
    assert lq.event_form(events[0], reveal_id_number=True)["id_number"] == loan.applicant_id_number
    assert lq.display_names([events[0].actor_id]) == {events[0].actor_id: "汉丰街道 王丽"}


def test_changes_of_plain_values():
    claim = type("Event", (), {"before": None, "after": "officer_rcb"})()
    assert lq.event_changes(claim) == [lq.Change("", None, "officer_rcb")]
