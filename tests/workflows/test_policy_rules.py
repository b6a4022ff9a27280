"""Every rule of docs/policy.md up to disbursement, refused with its code at its exact boundary."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from models import LprRate, db
from workflows import accounts, clock, loans
from workflows.errors import FourEyesError, PolicyViolationError
from workflows.tasks import service

from ..factories import APPROVAL, drive, make_household, ready_task, register

# 2026-06-15 at noon in Shanghai
DAY = datetime(2026, 6, 15, 4, 0, tzinfo=timezone.utc)


def refused_codes(world, household, **overrides) -> tuple[str, ...] | None:
    try:
        register(world, household, **overrides)
    except PolicyViolationError as exc:
        return exc.codes
    return None


@pytest.mark.parametrize(("amount", "codes"), [("50000.00", None), ("50000.01", ("amount_over_cap",))])
def test_amount_cap(world, amount, codes):
    assert refused_codes(world, make_household(), amount=Decimal(amount)) == codes


@pytest.mark.parametrize(("term", "codes"), [(36, None), (37, ("term_over_cap",))])
def test_term_cap(world, term, codes):
    assert refused_codes(world, make_household(), term_months=term) == codes


@pytest.mark.parametrize(("born", "codes"), [
    (date(2008, 6, 16), ("age_out_of_range",)),  # the day before the 18th birthday
    (date(2008, 6, 15), None),  # the 18th birthday
    (date(1960, 6, 16), None),  # the day before the 66th birthday
    (date(1960, 6, 15), ("age_out_of_range",)),  # the 66th birthday
])
def test_age_from_resident_id(world, born, codes):
    household = make_household(born=born)
    with clock.frozen(DAY):
        assert refused_codes(world, household) == codes


@pytest.mark.parametrize(("additional", "codes"), [("30000.00", None), ("30000.01", ("total_over_cap",))])
def test_household_total_with_additional_loans(world, additional, codes):
    household = make_household()
    for amount in ("50000.00", "20000.00"):
        loan = register(world, household, amount=Decimal(amount), kind="additional")
        drive(world, loan.id, until="end", investigate_credit={"recommended_amount": Decimal(amount)},
              approve_loan={"approved_amount": Decimal(amount)})
    assert refused_codes(world, household, amount=Decimal(additional), kind="additional") == codes


def test_additional_loan_above_50000_is_neither_subsidised_nor_covered(world):
    household = make_household()
    first = register(world, household, amount=Decimal("40000.00"))
    drive(world, first.id, until="end", investigate_credit={"recommended_amount": Decimal("40000.00")},
          approve_loan={"approved_amount": Decimal("40000.00")})
    second = register(world, household, amount=Decimal("30000.00"), kind="additional")
    second = drive(world, second.id, until="end")
    assert second.subsidised_principal == second.covered_principal == Decimal("10000.00")


@pytest.mark.parametrize(("column", "value", "code"), [
    ("removed", True, "removed_from_list"), ("dishonest", True, "dishonest_debtor")])
def test_household_flags(world, column, value, code):
    assert refused_codes(world, make_household(**{column: value})) == (code,)


def test_unknown_household_is_not_registered(world):
    household = make_household()
    other = household.id_number[:-4] + "9990"
    from stdnum.cn import ric
    other = other[:-1] + ric.calc_check_digit(other)
    with pytest.raises(PolicyViolationError) as refused:
        loans.register_application(world.actor("clerk_hanfeng"), {**_app(household), "id_number": other})
    assert refused.value.codes == ("not_registered",)


def test_bad_checksum_is_refused(world):
    household = make_household()
    bad = household.id_number[:-1] + ("0" if household.id_number[-1] != "0" else "1")
    with pytest.raises(PolicyViolationError) as refused:
        loans.register_application(world.actor("clerk_hanfeng"), {**_app(household), "id_number": bad})
    assert refused.value.codes == ("invalid_id_number",)


@pytest.mark.parametrize("category", ["wedding", "housing", "wealth_management", "consumer", "enterprise"])
def test_purpose_not_productive(world, category):
    assert refused_codes(world, make_household(), purpose_category=category) == ("purpose_not_productive",)


def test_several_rules_at_once_give_every_code(world):
    codes = refused_codes(world, make_household(dishonest=True), amount=Decimal("60000"), term_months=48)
    assert codes == ("amount_over_cap", "dishonest_debtor", "term_over_cap")


def _app(household):
    from ..factories import application

    return application(household)


@pytest.mark.parametrize(("term", "rate", "ok"), [
    (12, "3.35", True), (12, "3.36", False), (13, "3.85", True), (13, "3.86", False), (36, "3.85", True)])
def test_rate_cap_follows_the_lpr_in_force(world, term, rate, ok):
    with clock.frozen(datetime(2024, 8, 1, 4, tzinfo=timezone.utc)):  # LPR of 2024-07-22: 3.35 / 3.85
        loan = register(world, make_household(), term_months=term)
        drive(world, loan.id, until="approve_loan", investigate_credit={"recommended_term_months": term})
        task = ready_task(loan.id, "approve_loan")
        data = {**APPROVAL, "approved_term_months": term, "annual_rate": Decimal(rate)}
        if ok:
            service.complete_task(world.actor("approver_rcb"), task.id, data)
            assert db.session.get(type(loan), loan.id).rate_cap == Decimal(rate)
        else:
            with pytest.raises(PolicyViolationError) as refused:
                service.complete_task(world.actor("approver_rcb"), task.id, data)
            assert refused.value.codes == ("rate_over_cap",)
            assert ready_task(loan.id, "approve_loan").id == task.id  # nothing moved


def test_a_new_lpr_publication_changes_the_cap_from_its_date(world):
    db.session.add(LprRate(effective_date=date(2026, 6, 22), lpr_1y=Decimal("2.90"), lpr_5y_plus=Decimal("3.40")))
    db.session.commit()
    for day, ok in [(datetime(2026, 6, 21, 4, tzinfo=timezone.utc), True), (datetime(2026, 6, 22, 4, tzinfo=timezone.utc), False)]:
        with clock.frozen(day):
            loan = register(world, make_household())
            drive(world, loan.id, until="approve_loan")
            call = lambda: service.complete_task(world.actor("approver_rcb"), ready_task(loan.id, "approve_loan").id,
                                               {**APPROVAL, "annual_rate": Decimal("3.00")})
            if ok:
                call()
            else:
                with pytest.raises(PolicyViolationError):
                    call()


def test_term_over_36_months_refused_at_approval(world):
    loan = register(world, make_household())
    drive(world, loan.id, until="approve_loan")
    with pytest.raises(PolicyViolationError) as refused:
        service.complete_task(world.actor("approver_rcb"), ready_task(loan.id, "approve_loan").id,
                            {**APPROVAL, "approved_term_months": 37})
    assert refused.value.codes == ("term_over_cap",)


@pytest.mark.parametrize(("grade", "amount", "code"), [("B", "10000.00", "not_rated"), ("A", "30000.01", "amount_over_cap")])
def test_credit_line_by_grade(world, grade, amount, code):
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    with pytest.raises(PolicyViolationError) as refused:
        service.complete_task(world.actor("officer_rcb"), ready_task(loan.id, "investigate_credit").id, {
            "grade": grade, "recommended_amount": Decimal(amount), "recommended_term_months": 12,
            "investigation_report": "x"})
    assert refused.value.codes == (code,)


def test_four_eyes_even_after_a_role_change(world):
    dual = accounts.create_user("dual_rcb", "Demo-2026!", ["bank_officer", "bank_approver"], bank="cqrcb")
    db.session.commit()
    world.users["dual_rcb"] = dual
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    service.complete_task(world.actor("dual_rcb"), ready_task(loan.id, "investigate_credit").id, {
        "grade": "AAA", "recommended_amount": Decimal("30000.00"), "recommended_term_months": 12,
        "investigation_report": "x"})
    task = ready_task(loan.id, "approve_loan")
    with pytest.raises(FourEyesError):
        service.complete_task(world.actor("dual_rcb"), task.id, APPROVAL)
    service.complete_task(world.actor("approver_rcb"), task.id, APPROVAL)
