"""Two officers saving the same rows at once (PostgreSQL): one rating per household, no error."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import User, db
from models.credit import CreditRating
from workflows.audit import Actor
from workflows.credit_rating import ratings

from ..test_two_workers import in_two_threads
from . import factories as f

pytestmark = pytest.mark.postgres


def test_two_officers_saving_the_same_households_at_once_leave_one_rating_each(world, is_postgres):
    if not is_postgres:
        pytest.skip("two sessions on one database: PostgreSQL (TEST_DATABASE_URL)")
    households = f.households_in(f.village(), 40)
    campaign = f.confirmed(world, f.opened(world))
    rows, campaign_id = f.rows_for(households), campaign.id
    ids = [world.users[name].id for name in ("officer_rcb", "officer2_rcb")]
    turn = iter(ids)

    def save():
        user = db.session.get(User, next(turn))
        outcome = ratings.save(Actor(user, None, "127.0.0.1"), campaign_id, rows)
        assert not outcome.refused

    assert in_two_threads(save) == []
    db.session.expire_all()
    counts = db.session.execute(sa.select(CreditRating.household_id, sa.func.count()).group_by(
        CreditRating.household_id)).all()
    assert len(counts) == 40 and {n for _, n in counts} == {1}
