"""The money formulas after disbursement (贷后资金计算): interest, schedules, repayments, subsidy, risk fund.

Pure functions on ``Decimal`` and ``datetime.date``: no database, no Flask, no clock. Every policy
number arrives as a parameter; :class:`PolicyParameters` documents the defaults the district notice
(开州府办发〔2021〕62号) implies, and callers fill it from the dated policy settings / DMN tables.

Rounding: amounts are rounded to the fen (0.01, ROUND_HALF_UP) only when they become due or are
paid; daily accruals keep full precision and only a period's total is rounded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class PolicyParameters:
    """Policy figures the money formulas take (政策参数). These defaults are documentation only.

    - ``day_count_basis``: days per year for interest (计息基准), actual/360 by default, 365 allowed.
    - ``penalty_markup``: overdue (penalty) interest rate = contract rate × markup (罚息上浮).
    - ``interest_day`` / ``interest_months``: quarterly interest date (结息日), the 20th of Mar/Jun/Sep/Dec.
    - ``subsidised_principal_cap``: principal per household that gets interest subsidy (贴息本金上限).
    - ``covered_principal_cap``: principal per household covered by the risk fund (风险补偿本金上限).
    - ``full_subsidy_until``: loans disbursed on or before this day (and their extensions) get 100 % (全额贴息).
    - ``later_subsidy_shares``: ``(effective_from, share)`` for loans disbursed after it, sorted by date.
    - ``risk_class_thresholds``: days past due bounding the five categories (五级分类).
    - ``fund_ratio``: covered balance may be at most ratio × fund balance (风险补偿金 1:10).
    - ``compensation_share``: share of covered principal lost the fund pays (代偿比例).
    """

    day_count_basis: int = 360
    penalty_markup: Decimal = Decimal("1.5")
    interest_day: int = 20
    interest_months: tuple[int, ...] = (3, 6, 9, 12)
    subsidised_principal_cap: Decimal = Decimal("50000")
    covered_principal_cap: Decimal = Decimal("50000")
    full_subsidy_until: date = date(2022, 12, 31)
    later_subsidy_shares: tuple[tuple[date, Decimal], ...] = ((date(2023, 1, 1), Decimal("1")),)
    risk_class_thresholds: tuple[int, int, int, int] = (0, 90, 270, 360)
    fund_ratio: Decimal = Decimal("10")
    compensation_share: Decimal = Decimal("0.80")
