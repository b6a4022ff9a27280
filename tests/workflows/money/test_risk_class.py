"""Five-category loan classification (五级分类) at its exact boundaries."""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest

from workflows.money import PolicyParameters
from workflows.money.repayment import days_past_due
from workflows.money.risk_class import CHINESE_NAMES, RISK_CLASSES, risk_class
from workflows.money.schedule import build_schedule


@pytest.mark.parametrize(("days", "code"), [
    (0, "normal"),
    (1, "special_mention"),
    (90, "special_mention"),
    (91, "substandard"),
    (270, "substandard"),
    (271, "doubtful"),
    (360, "doubtful"),
    (361, "loss"),
    (5000, "loss"),
])
def test_boundaries(days, code):
    assert risk_class(days) == code
    assert risk_class(days, PolicyParameters().risk_class_thresholds) == code


def test_thresholds_come_from_policy():
    assert risk_class(31, (0, 30, 90, 180)) == "substandard"
    assert risk_class(181, (0, 30, 90, 180)) == "loss"


def test_every_class_has_its_chinese_name():
    assert [CHINESE_NAMES[code] for code in RISK_CLASSES] == ["正常", "关注", "次级", "可疑", "损失"]


@pytest.mark.parametrize(("days", "thresholds"), [(-1, (0, 90, 270, 360)), (1, (0, 270, 90, 360)),
                                                  (1, (0, 90, 270))])
def test_bad_inputs_are_refused(days, thresholds):
    with pytest.raises(ValueError):
        risk_class(days, thresholds)


def test_policy_parameters_are_frozen():
    parameters = PolicyParameters()
    with pytest.raises(FrozenInstanceError):
        parameters.day_count_basis = 365  # type: ignore[misc]
    assert parameters.risk_class_thresholds == (0, 90, 270, 360)


def test_classifies_a_schedule_in_arrears():
    # quarterly interest of 201.25 due 2024-03-20, never paid: 03-20 → 06-21 is 93 days → 次级
    schedule = build_schedule(date(2024, 1, 10), date(2025, 1, 10), Decimal("30000"), Decimal("3.45"))
    assert risk_class(days_past_due(schedule, [], date(2024, 6, 21))) == "substandard"
    assert risk_class(days_past_due(schedule, [], date(2024, 6, 18))) == "special_mention"
