"""The business clock: frozen or held beat the stored business date, which beats the wall clock;
without an application context (or before the table exists) the stored date counts as not set."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from models import BusinessClock, db
from workflows import clock

AHEAD = date(2028, 6, 1)
FROZEN = datetime(2026, 3, 2, 4, 30, tzinfo=timezone.utc)  # 12:30 in Shanghai


def store(day: date | None) -> None:
    db.session.merge(BusinessClock(id=1, business_date=day, settable=True))
    db.session.commit()
    clock.forget()


def test_without_an_app_context_the_wall_clock_answers():
    wall = datetime.now(timezone.utc)
    assert abs(clock.now() - wall) < timedelta(seconds=5) and clock.stored_date() is None
    assert clock.today() == clock.local(clock.now()).date()


def test_the_stored_date_moves_today_and_now_with_the_walls_time_of_day(app):
    store(AHEAD)
    now, wall = clock.now(), clock.wall_now()
    assert clock.today() == AHEAD and clock.local(now).date() == AHEAD
    assert abs(clock.at_time_of_day(AHEAD, wall) - now) < timedelta(seconds=5)  # the wall's time of day
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(wall - datetime.now(timezone.utc)) < timedelta(seconds=5)  # the wall never moves


def test_frozen_beats_the_stored_date_and_moves_the_wall_too(app):
    store(AHEAD)
    with clock.frozen(FROZEN):
        assert (clock.now(), clock.wall_now(), clock.today()) == (FROZEN, FROZEN, date(2026, 3, 2))
    assert clock.today() == AHEAD


def test_held_moves_business_time_only_and_the_innermost_block_wins(app):
    store(AHEAD)
    held_at = FROZEN + timedelta(days=400)
    with clock.frozen(FROZEN):
        with clock.held(held_at):
            assert (clock.now(), clock.wall_now()) == (held_at, FROZEN)
        assert clock.now() == FROZEN
    with clock.held(held_at):
        assert clock.now() == held_at and abs(clock.wall_now() - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_no_stored_date_is_the_wall_clock(app):
    store(None)
    assert clock.today() == clock.local(datetime.now(timezone.utc)).date()


def test_the_stored_date_is_read_once_per_session_until_forgotten(app):
    store(AHEAD)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for _ in range(5):
            clock.today()
            clock.now()
        clock.forget()
        clock.today()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "business_clock" in s]) == 1 + 1


def test_without_the_table_the_stored_date_counts_as_not_set(tmp_path):
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})
    with app.app_context():
        assert clock.stored_date() is None and clock.today() == clock.local(clock.wall_now()).date()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("naive", [datetime(2026, 1, 1)])
def test_the_clock_takes_aware_instants_only(naive):
    with pytest.raises(ValueError), clock.held(naive):
        pass


def test_an_events_business_instant_is_its_business_day_at_its_wall_time_of_day():
    occurred = datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)  # 01:00 on 12-01 in Shanghai
    assert clock.business_instant(None, occurred) == occurred
    assert clock.business_instant(date(2026, 12, 1), occurred) == occurred
    assert clock.business_instant(date(2027, 12, 1), occurred) == datetime(2027, 11, 30, 17, 0, tzinfo=timezone.utc)
