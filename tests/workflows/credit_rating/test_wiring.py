"""Where the credit designations hook into the rest: the timer worker's sweep proposes the year's
designations and runs the daily revocation check; a malicious default confirmed in post-loan
recovery puts the household on the dishonest list and so revokes its ratings."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditEvent, HumanTask, PolicySetting, db
from models.credit import CreditDesignation, CreditRating
from workflows import clock, timers
from workflows.credit_rating import designations

from ...factories_postloan import at_maturity_review, complete, to_recovery
from . import drivers
from . import factories as f
from .test_designations import book_loan, rated_village

DAY = date(2025, 3, 1)


def test_the_timer_sweep_proposes_the_years_designations_to_the_bureau(world):
    rated_village(world, 5, 0)
    township_id = f.village().township_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.role == "rural_bureau", HumanTask.state == "ready")) == 0
    report = timers.sweep(clock.now())
    assert report.errors == 0
    assert drivers._review_task(township_id).role == "rural_bureau"


def test_a_confirmed_malicious_default_revokes_the_households_ratings(world):
    household = f.households_in(f.village(), 1)[0]
    f.valid_campaign(world, [household])
    assert db.session.scalars(sa.select(CreditRating.status).filter_by(household_id=household.id)).one() == "approved"
    loan = at_maturity_review(world, household=household)
    to_recovery(world, loan)
    complete(world, loan.id, "recover_loan", "officer_rcb", DAY, recovery_outcome="malicious", recovery_note="恶意逃废债")
    complete(world, loan.id, "confirm_recovery", "clerk_hanfeng", DAY, recovery_confirmed=True)
    rating = db.session.scalars(sa.select(CreditRating).filter_by(household_id=household.id)).one()
    assert (rating.status, rating.revocation_reason) == ("revoked", "dishonest_debtor")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "credit_rating_revoked", AuditEvent.household_id == household.id)) == 1


def _live_town_of_two_villages(world, settings_share: str):
    """A township whose two villages are both credit villages, and so a credit town, all proposed."""
    db.session.add(PolicySetting(key="credit_town_village_share", effective_from=date(2022, 1, 1),
                                 value=settings_share))
    db.session.commit()
    for code in ("hanfeng_1", "hanfeng_2"):
        rated_village(world, 5, 0, f.village(code))
    township_id = f.village().township_id
    rows = designations.propose(world.actor("bureau"), township_id)
    assert sorted(r.kind for r in rows if r.kind != "household") == ["town", "village", "village"]
    return township_id


@pytest.mark.parametrize("share, revoked", [("0.5", False), ("0.51", True)])
def test_a_credit_town_goes_when_its_share_of_credit_villages_falls_below_the_threshold(world, share, revoked):
    township_id = _live_town_of_two_villages(world, share)
    failing = f.households_in(f.village("hanfeng_1"), 1)[0]
    book_loan(failing, "1000.00", status="overdue", days_past_due=5)  # hanfeng_1's overdue rate: 100 %
    gone = designations.revoke_failing(clock.today())
    assert [(r.kind, r.reason) for r in gone] == [("village", "overdue_rate_over_limit")] + (
        [("town", "credit_village_share_below")] if revoked else [])
    town = db.session.scalars(sa.select(CreditDesignation).filter_by(kind="town", township_id=township_id)).one()
    assert town.status == ("revoked" if revoked else "proposed")


def test_the_daily_check_reads_nothing_more_while_nothing_is_designated(world):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert designations.revoke_failing(clock.today()) == []
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert [s for s in statements if s.lstrip().upper().startswith("SELECT")] == [statements[0]]
    assert "credit_designations" in statements[0]
