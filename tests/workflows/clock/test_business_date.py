"""Setting and resetting the business date: who may, the refusal, the audit event with its business date."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from models import AuditEvent, BusinessClock, db
from workflows import audit, business_date, clock
from workflows.errors import PolicyViolationError

AHEAD = date(2028, 6, 1)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_database_not_marked_settable_refuses_with_a_rule_code(world):
    with pytest.raises(PolicyViolationError) as refused:
        business_date.set_date(world.actor("admin"), AHEAD)
    assert refused.value.codes == ("business_date_not_settable",)
    assert refused.value.field_errors == {"business_date": ["business_date_not_settable"]}
    assert clock.stored_date() is None and events("business_date_set") == []


def test_the_setting_allows_it_on_any_database(world):
    change = business_date.set_date(world.actor("admin"), AHEAD, allowed_by_config=True)
    assert (change.before, change.after, change.backwards) == (None, AHEAD, False)
    assert clock.today() == AHEAD


def test_a_seeded_database_is_marked_settable(world):
    business_date.mark_settable()
    assert business_date.is_settable() and db.session.get(BusinessClock, 1).business_date is None
    business_date.set_date(world.actor("admin"), AHEAD)
    assert clock.today() == AHEAD


def test_the_date_stays_until_changed_and_reset_goes_back_to_the_wall(world):
    business_date.mark_settable()
    business_date.set_date(world.actor("admin"), AHEAD)
    db.session.remove()  # a later request, a new session
    assert clock.today() == AHEAD
    change = business_date.reset(world.actor("admin"))
    assert (change.before, change.after) == (AHEAD, None)
    assert clock.today() == clock.local(clock.wall_now()).date()


def test_reset_is_allowed_where_setting_is_not(world):
    db.session.add(BusinessClock(id=1, business_date=AHEAD, settable=False))
    db.session.commit()
    business_date.reset(world.actor("admin"))
    assert clock.stored_date() is None


def test_moving_backwards_is_allowed_and_reported(world):
    business_date.mark_settable()
    business_date.set_date(world.actor("admin"), AHEAD)
    change = business_date.set_date(world.actor("admin"), AHEAD - timedelta(days=1))
    assert change.backwards and clock.today() == AHEAD - timedelta(days=1)
    assert events("business_date_set")[-1].after == {"business_date": "2028-05-31", "backwards": True}


@pytest.mark.parametrize("day, refused", [(date(1999, 12, 31), True), (date(2000, 1, 1), False),
                                          (date(2999, 12, 31), False)])
def test_the_range_of_days_at_its_bounds(world, day, refused):
    business_date.mark_settable()
    if refused:
        with pytest.raises(PolicyViolationError) as error:
            business_date.set_date(world.actor("admin"), day)
        assert error.value.codes == ("date_out_of_range",)
    else:
        assert business_date.set_date(world.actor("admin"), day).after == day


def test_every_change_is_audited_with_the_wall_time_and_the_business_date(world):
    business_date.mark_settable()
    business_date.set_date(world.actor("admin"), AHEAD)
    business_date.reset(world.actor("admin"))
    done, undone = events("business_date_set")[0], events("business_date_reset")[0]
    wall = datetime.now(timezone.utc)
    assert done.actor_name == "admin" and done.before == {"business_date": None}
    assert done.business_date == AHEAD and abs(done.occurred_at - wall) < timedelta(minutes=1)
    assert undone.before == {"business_date": "2028-06-01"} and undone.business_date == clock.today()
    assert audit.verify().ok


def test_the_state_shows_who_changed_it_and_both_clocks(world):
    business_date.mark_settable()
    business_date.set_date(world.actor("admin"), AHEAD)
    shown = business_date.state()
    assert (shown.business_date, shown.settable, shown.today, shown.changed_by) == (AHEAD, True, AHEAD, "admin")
    assert shown.wall_today == clock.local(clock.wall_now()).date() != AHEAD
