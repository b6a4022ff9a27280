"""Five-category loan classification (贷款五级分类) by days past due.

With thresholds ``(0, 90, 270, 360)`` (the defaults, set by policy data):
normal (正常) at 0 days; special mention (关注) from 1 up to 90 days inclusive; substandard (次级)
over 90; doubtful (可疑) over 270; loss (损失) over 360.
"""
from __future__ import annotations

from collections.abc import Sequence

RISK_CLASSES = ("normal", "special_mention", "substandard", "doubtful", "loss")
CHINESE_NAMES = {
    "normal": "正常",
    "special_mention": "关注",
    "substandard": "次级",
    "doubtful": "可疑",
    "loss": "损失",
}


def risk_class(days_past_due: int, thresholds: Sequence[int] = (0, 90, 270, 360)) -> str:
    """The category code for ``days_past_due``: the first whose upper bound (inclusive) it does not pass."""
    if days_past_due < 0:
        raise ValueError("days past due cannot be negative")
    if len(thresholds) != len(RISK_CLASSES) - 1 or list(thresholds) != sorted(thresholds):
        raise ValueError("need four ascending thresholds")
    for code, bound in zip(RISK_CLASSES, thresholds):
        if days_past_due <= bound:
            return code
    return RISK_CLASSES[-1]
