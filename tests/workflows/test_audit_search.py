"""Each audit search filter returns exactly the expected events of the fixture portfolio."""
from __future__ import annotations

from datetime import date

import pytest

from workflows import audit_search
from workflows.audit_search import AuditFilters
from workflows.errors import FormInvalidError, ForbiddenError

from ..factories_audit import build


@pytest.fixture
def portfolio(world):
    return build(world)


def found(world, username="supervisor", **filters) -> list[tuple]:
    events = audit_search.export_events(world.users[username], AuditFilters(**filters))
    return [(e.action, e.task_name, e.actor_name) for e in events]


def ids(world, **filters) -> list[int]:
    return [e.id for e in audit_search.export_events(world.users["supervisor"], AuditFilters(**filters))]


def test_loan_and_household_filters(world, portfolio):
    b = portfolio.loans["B"]
    expected = [("loan_registered", "register_application", "clerk_zhaojia"),
                ("task_completed", "confirm_eligibility", "bureau"),
                ("task_completed", "investigate_credit", "officer_psbc"),
                ("task_completed", "approve_loan", "approver_psbc")]
    assert found(world, loan=b.id) == expected
    assert found(world, household=b.household_id) == expected


def test_user_filter_by_username_and_by_id(world, portfolio):
    expected = [("task_completed", "investigate_credit", "officer_psbc"), ("task_claimed", "post_loan_visit", "officer_psbc")]
    assert found(world, user="officer_psbc") == expected
    assert found(world, user=str(world.users["officer_psbc"].id)) == expected
    assert found(world, user="nobody") == []


def test_role_action_and_task_filters(world, portfolio):
    assert [a[2] for a in found(world, role="bank_approver")] == ["approver_rcb", "approver_psbc", "officer_rcb", "dual",
                                                                    "approver2_rcb"]
    assert [a[2] for a in found(world, action="loan_registered")] == ["clerk_hanfeng", "clerk_zhaojia", "clerk_dade",
                                                                       "clerk_hanfeng"]
    loans = {name: loan.id for name, loan in portfolio.loans.items()}
    events = audit_search.export_events(world.users["supervisor"], AuditFilters(task="approve_loan"))
    assert [e.loan_id for e in events] == [loans["A"], loans["B"], loans["C"], loans["D"]]


def test_bank_and_township_filters(world, portfolio):
    b = portfolio.loans["B"]
    assert ids(world, bank="psbc") == ids(world, loan=b.id) == ids(world, township="zhaojia")
    cqrcb = ids(world, bank="cqrcb")
    assert len(cqrcb) == len(ids(world, loan=portfolio.loans["A"].id)) + 4 + 4  # A, C (2 + 2 inserted), D (3 + 1)
    assert ids(world, township="dade") == ids(world, loan=portfolio.loans["C"].id)


def test_date_range_is_local_days_with_the_last_day_included(world, portfolio):
    b, c = portfolio.loans["B"], portfolio.loans["C"]
    day = date(2026, 3, 3)
    assert ids(world, date_from=day, date_to=day) == ids(world, loan=b.id)  # 00:00 … 23:59:59 in Beijing
    c_first = ids(world, loan=c.id)[:2]  # registered and confirmed at 2026-03-04 00:00:00
    assert ids(world, date_from=date(2026, 3, 4), date_to=date(2026, 3, 4))[:2] == c_first
    assert ids(world, date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)) == []


def test_filters_combine(world, portfolio):
    assert found(world, bank="cqrcb", task="approve_loan", user="dual") == [("task_completed", "approve_loan", "dual")]


def test_admin_sees_only_admin_events_and_others_are_refused(world, portfolio):
    admin_actions = {a[0] for a in found(world, "admin")}
    assert admin_actions == {"user_created", "process_deployed"}
    assert found(world, "admin", loan=portfolio.loans["A"].id) == []
    for username in ("officer_rcb", "clerk_hanfeng", "finance", "bureau"):
        with pytest.raises(ForbiddenError):
            audit_search.search(world.users[username], AuditFilters())


def test_paging_newest_first(world, portfolio):
    page = audit_search.search(world.users["supervisor"], AuditFilters(page=2, per_page=5))
    everything = ids(world)
    assert page.total == len(everything)
    assert [e.id for e in page.items] == list(reversed(everything))[5:10]


@pytest.mark.parametrize("args, field", [
    ({"loan": "x"}, "loan"), ({"loan": "0"}, "loan"), ({"from": "2026-13-01"}, "from"),
    ({"from": "2026-03-05", "to": "2026-03-04"}, "to"), ({"role": "king"}, "role"), ({"per_page": "101"}, "per_page"),
])
def test_bad_filters_are_refused(args, field):
    with pytest.raises(FormInvalidError) as raised:
        AuditFilters.from_args(args)
    assert field in raised.value.field_errors


def test_export_rows_mask_id_numbers(world, portfolio):
    events = audit_search.export_events(world.users["supervisor"], AuditFilters(action="loan_registered"))
    rows = audit_search.export_rows(events)
    after = rows[0][audit_search.EXPORT_FIELDS.index("after")]
    number = portfolio.loans["A"].applicant_id_number
    assert number not in after and f"{number[:6]}********{number[-4:]}" in after
    assert rows[0][audit_search.EXPORT_FIELDS.index("township")] == "hanfeng"
    assert AuditFilters.from_args({"from": "2026-03-01", "user": "dual"}).args() == {"from": "2026-03-01", "user": "dual"}
