"""The timer worker reads the business clock at every sweep; ``--now`` still overrides it; what it
records keeps the wall time."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from models import AuditEvent, db
from models.subsidy import SubsidySettlement
from workflows import business_date, clock, timers


def quarters() -> set[tuple[int, int]]:
    return set(db.session.execute(sa.select(SubsidySettlement.year, SubsidySettlement.quarter).distinct()).all())


def test_each_sweep_reads_the_business_date_set_since_the_last(world):
    business_date.set_date(world.actor("admin"), date(2028, 5, 20), allowed_by_config=True)
    timers.sweep()
    assert (2028, 2) in quarters()
    db.session.execute(sa.text("UPDATE business_clock SET business_date = :d"), {"d": date(2028, 8, 20)})
    db.session.commit()  # as another process (the admin's page in a web worker) would
    timers.sweep()
    assert (2028, 3) in quarters()
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "subsidy_settlement_scheduled")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.business_date == date(2028, 8, 20)  # the business date beside…
    assert abs(event.occurred_at - datetime.now(timezone.utc)) < timedelta(minutes=5)  # …the wall time


def test_now_overrides_the_business_date(world, runner):
    business_date.set_date(world.actor("admin"), date(2028, 5, 20), allowed_by_config=True)
    result = runner.invoke(args=["timers", "run", "--now", "2029-01-05T02:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert (2029, 1) in quarters() and (2028, 2) not in quarters()
    assert clock.today() == date(2028, 5, 20)  # the business date stays as set
