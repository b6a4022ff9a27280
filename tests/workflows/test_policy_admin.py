"""Dated policy settings and LPR publications added by an administrator: past values stay, audited."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import AuditEvent, LprRate, PolicySetting
from workflows import policy, policy_admin
from workflows.errors import PolicyViolationError

from ..conftest import count, one


def test_a_new_setting_value_is_in_force_from_its_date_and_the_old_one_stays(world):
    admin = world.actor("admin")
    policy_admin.add_setting(admin, "subsidy_share", date(2030, 1, 1), "0.3", "新政策")
    assert policy.setting("subsidy_share", date(2029, 12, 31)) == Decimal("0.5")
    assert policy.setting("subsidy_share", date(2030, 1, 1)) == Decimal("0.3")
    assert count(PolicySetting, key="subsidy_share") == 3
    event = one(AuditEvent, action="policy_setting_added")
    assert event.before == {"key": "subsidy_share", "effective_from": "2023-01-01", "value": "0.5",
                            "comment": event.before["comment"]}
    assert event.after["value"] == "0.3" and event.after["effective_from"] == "2030-01-01"
    assert event.actor_id == world.users["admin"].id and event.comment == "新政策"


@pytest.mark.parametrize(("key", "value", "code"), [
    ("subsidy_share", "abc", "not_a_number"),
    ("subsidy_share", "-0.1", "not_a_number"),
    ("subsidy_share", "NaN", "not_a_number"),
    ("subsidy_share", "1.01", "share_over_one"),
    ("subsidised_principal_cap", "5万", "not_a_number"),
    ("no_such_key", "1", "unknown_setting"),
])
def test_a_value_the_key_cannot_hold_is_refused(world, key, value, code):
    with pytest.raises(PolicyViolationError) as refused:
        policy_admin.add_setting(world.actor("admin"), key, date(2030, 1, 1), value)
    assert refused.value.codes == (code,)
    assert count(AuditEvent, action="policy_setting_added") == 0


@pytest.mark.parametrize(("value", "stored"), [("1", "1"), ("0", "0"), ("60000.00", "60000.00")])
def test_boundary_values_are_accepted(world, value, stored):
    row = policy_admin.add_setting(world.actor("admin"), "subsidised_principal_cap", date(2030, 1, 1), value)
    assert row.value == stored


@pytest.mark.parametrize(("day", "code"), [(date(2023, 1, 1), "date_exists"), (date(2022, 6, 1), "date_before_newest")])
def test_past_values_cannot_be_overwritten_or_back_dated(world, day, code):
    with pytest.raises(PolicyViolationError) as refused:
        policy_admin.add_setting(world.actor("admin"), "subsidy_share", day, "0.4")
    assert refused.value.codes == (code,)
    assert count(PolicySetting, key="subsidy_share") == 2


def test_histories_list_every_known_key_newest_first(world):
    histories = {h.key: h for h in policy_admin.setting_histories()}
    assert set(policy.SETTING_KEYS) <= set(histories)
    assert [r.effective_from for r in histories["subsidy_share"].values] == [date(2023, 1, 1), date(2021, 1, 1)]
    assert histories["subsidy_share"].newest.value == "0.5"


def test_an_lpr_publication_is_in_force_from_its_date_and_audited(world):
    newest = policy_admin.lpr_publications()[0]
    day = date(2031, 1, 20)
    policy_admin.publish_lpr(world.actor("admin"), day, Decimal("2.9"), Decimal("3.4"))
    assert policy.rate_cap("1y", day) == Decimal("2.9000")
    assert policy.rate_cap("5y_plus", date(2031, 1, 19)) == newest.lpr_5y_plus
    event = one(AuditEvent, action="lpr_published")
    assert event.before["effective_date"] == newest.effective_date.isoformat()
    assert event.after == {"effective_date": "2031-01-20", "lpr_1y": "2.9000", "lpr_5y_plus": "3.4000"}


def test_an_lpr_date_that_exists_is_refused(world):
    newest = policy_admin.lpr_publications()[0]
    total = count(LprRate)
    with pytest.raises(PolicyViolationError) as refused:
        policy_admin.publish_lpr(world.actor("admin"), newest.effective_date, Decimal("3"), Decimal("3.5"))
    assert refused.value.codes == ("date_exists",)
    assert count(LprRate) == total and count(AuditEvent, action="lpr_published") == 0


@pytest.mark.parametrize("rate", [Decimal("0"), Decimal("-1"), Decimal("100")])
def test_an_lpr_rate_out_of_range_is_refused(world, rate):
    with pytest.raises(PolicyViolationError) as refused:
        policy_admin.publish_lpr(world.actor("admin"), date(2031, 1, 20), Decimal("3"), rate)
    assert refused.value.field_errors == {"lpr_5y_plus": ["rate_out_of_range"]}
