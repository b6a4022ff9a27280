"""Credit household, village and town: each rule at its boundary, the bureau's review, revocation."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import AuditEvent, Bank, Household, Loan, PolicySetting, Village, db
from models.credit import CreditDesignation
from models.repayment import Repayment, RepaymentScheduleLine
from workflows import clock
from workflows.credit_rating import designations, ratings, rules
from workflows.errors import PolicyViolationError
from workflows.tasks import service

from . import drivers
from . import factories as f


def book_loan(household: Household, principal: str, status: str = "active", days_past_due: int = 0) -> Loan:
    bank_id = db.session.scalars(sa.select(Bank.id).where(Bank.code == "cqrcb")).one()
    loan = Loan(household_id=household.id, township_id=household.township_id, bank_id=bank_id, status=status,
                applicant_id_number=household.id_number, amount=Decimal(principal), term_months=12,
                purpose_category="breeding", purpose="养殖", applied_on=date(2024, 1, 2),
                principal_outstanding=Decimal(principal), days_past_due=days_past_due)
    db.session.add(loan)
    db.session.commit()
    return loan


def rated_village(world, good: int, bad: int, place: Village | None = None) -> list[Household]:
    """A village of ``good + bad`` listed households: ``good`` rated AAA, the others rated B."""
    place = place or f.village()
    households = f.households_in(place, good + bad)
    campaign = f.confirmed(world, f.opened(world, place))
    ratings.save(world.actor("officer_rcb"), campaign.id, f.rows_for(households[:good]))
    ratings.save(world.actor("officer_rcb"), campaign.id, f.rows_for(households[good:], "B", "0"))
    f.published(world, f.approved(world, f.rated(world, campaign, [])))
    return households


def village_on(place: Village) -> rules.VillageResult:
    return rules.village_result(place, clock.today(), rules.Settings.on(clock.today()))


@pytest.mark.parametrize("good, passes", [(4, True), (3, False)])
def test_a_village_needs_the_share_of_credit_households_exactly_at_the_threshold(world, good, passes):
    rated_village(world, good, 5 - good)  # share 0.8 from 2021-01-01
    result = village_on(f.village())
    assert (result.share, result.passes) == (Decimal(good) / 5, passes)


def test_a_household_with_a_loan_overdue_or_on_the_dishonest_list_is_no_credit_household(world):
    households = rated_village(world, 5, 0)
    book_loan(households[0], "1000", "overdue", days_past_due=3)
    households[1].dishonest = True
    db.session.commit()
    assert village_on(f.village()).credit_households == sorted(h.id for h in households[2:])


@pytest.mark.parametrize("overdue, passes", [("1999.99", True), ("2000.00", False), ("2000.01", False)])
def test_a_villages_overdue_rate_must_stay_under_the_limit(world, overdue, passes):
    households = rated_village(world, 5, 0)
    book_loan(households[0], str(Decimal("100000.00") - Decimal(overdue)))
    book_loan(households[1], overdue, days_past_due=1)
    assert village_on(f.village()).passes is passes  # limit 0.02: at the limit fails


@pytest.mark.parametrize("credit_villages, passes", [(1, True), (0, False)])
def test_a_town_needs_the_share_of_credit_villages_exactly_at_the_threshold(world, credit_villages, passes):
    db.session.add(PolicySetting(key="credit_town_village_share", effective_from=date(2022, 1, 1), value="0.5"))
    db.session.commit()
    rated_village(world, 4 if credit_villages else 3, 1)
    f.households_in(f.village("hanfeng_2"), 1)  # the township's other village: no credit household
    town = rules.town_result(f.village().township_id, clock.today())
    assert (town.share, town.passes) == (Decimal(credit_villages) / 2, passes)


def test_the_bureau_publishes_the_proposal_with_its_decision_date(world):
    households = rated_village(world, 5, 0)
    township_id = f.village().township_id
    proposed = designations.propose(world.actor("bureau"), township_id)
    assert sorted((d.kind, d.status) for d in proposed) == [("household", "proposed")] * 5 + [("village", "proposed")]
    with pytest.raises(PolicyViolationError):
        designations.propose(world.actor("bureau"), township_id)
    task = drivers._review_task(township_id)
    service.complete_task(world.actor("bureau"), task.id, {"decided_on": date(2025, 1, 20), "comment": None})
    rows = db.session.scalars(sa.select(CreditDesignation)).all()
    assert {(d.status, d.decided_on) for d in rows} == {("published", date(2025, 1, 20))}
    assert {d.subject_id for d in rows if d.kind == "household"} == {h.id for h in households}


def test_the_yearly_run_proposes_each_township_once_a_year(world):
    rated_village(world, 5, 0)
    township_id = f.village().township_id
    assert designations.yearly() == [township_id]  # the only township with ratings
    service.complete_task(world.actor("bureau"), drivers._review_task(township_id).id, {"decided_on": clock.today()})
    assert designations.yearly() == []  # once a business year
    next_year = datetime(clock.today().year + 1, 1, 2, 2, 0, tzinfo=timezone.utc)
    with clock.frozen(next_year):
        assert designations.yearly() == [township_id]


def test_a_household_put_on_the_dishonest_list_loses_its_designation_with_an_audit_event(world):
    households = rated_village(world, 5, 0)
    designations.propose(world.actor("bureau"), f.village().township_id)
    service.complete_task(world.actor("bureau"), drivers._review_task(f.village().township_id).id,
                          {"decided_on": clock.today()})
    designations.on_dishonest(households[0])
    db.session.commit()
    row = db.session.scalars(sa.select(CreditDesignation).filter_by(kind="household", subject_id=households[0].id)).one()
    assert (row.status, row.reason) == ("revoked", "dishonest_debtor")
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="credit_designation_revoked")).one()
    assert event.household_id == households[0].id and event.codes == ["dishonest_debtor"]


@pytest.mark.parametrize("overdue, revoked", [("1999.99", False), ("2000.00", True)])
def test_the_daily_check_revokes_a_credit_village_whose_overdue_rate_reaches_the_limit(world, overdue, revoked):
    households = rated_village(world, 5, 0)
    designations.propose(world.actor("bureau"), f.village().township_id)
    book_loan(households[0], str(Decimal("100000.00") - Decimal(overdue)))
    book_loan(households[1], overdue, days_past_due=5)
    assert bool(designations.revoke_failing(clock.today())) is revoked
    village = db.session.scalars(sa.select(CreditDesignation).filter_by(kind="village")).one()
    assert village.status == ("revoked" if revoked else "proposed")


@pytest.mark.parametrize("paid_late_by, months_ago, credit", [(0, 3, True), (1, 3, False), (1, 13, True)])
def test_an_instalment_paid_late_in_the_last_twelve_months_loses_the_credit_household(
        world, paid_late_by, months_ago, credit):
    household = rated_village(world, 1, 0)[0]
    loan = book_loan(household, "0.00", "closed")
    due = clock.today() - relativedelta(months=months_ago)
    db.session.add(RepaymentScheduleLine(loan_id=loan.id, seq=1, due_on=due, principal=Decimal("1000.00"),
                                         interest=Decimal("10.00"), period_start=due - relativedelta(months=3),
                                         period_end=due, method="interest_quarterly_principal_at_maturity",
                                         day_count_basis=360))
    db.session.add(Repayment(loan_id=loan.id, paid_on=due + relativedelta(days=paid_late_by),
                             principal=Decimal("1000.00"), interest=Decimal("10.00"),
                             principal_outstanding_after=Decimal("0.00"), loan_status_after="closed"))
    db.session.commit()
    assert (village_on(f.village()).credit_households == [household.id]) is credit
