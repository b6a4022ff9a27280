"""Risk compensation fund (风险补偿金): the 1:10 ratio, its top-up, and compensation of losses.

The fund balance must be at least the covered loan balance / ``ratio`` (1:10 by default); only
principal up to the per-household cap (50,000 by default) is covered (超过5万元部分不纳入风险补偿).
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal

from .interest import round_fen

ZERO = Decimal("0.00")
YUAN = Decimal("1")


def cap_per_household(
    loans_by_household: Mapping[Hashable, Sequence[tuple[Hashable, Decimal]]],
    cap: Decimal = Decimal("50000"),
) -> dict[Hashable, Decimal]:
    """Split each household's cap over its loans, in the order given (caller orders by disbursement).

    ``loans_by_household`` maps a household to ``[(loan_id, principal), ...]``; the result maps each
    loan to its capped principal (纳入贴息/补偿的本金). The subsidy uses the same split.
    """
    capped: dict[Hashable, Decimal] = {}
    for loans in loans_by_household.values():
        room = Decimal(cap)
        for loan_id, principal in loans:
            capped[loan_id] = min(Decimal(principal), room)
            room -= capped[loan_id]
    return capped


def needs_topup(covered_balance: Decimal, fund_balance: Decimal, ratio: Decimal = Decimal("10")) -> bool:
    """Whether the covered balance exceeds ``ratio`` × the fund balance (需补充风险补偿金)."""
    return covered_balance > Decimal(ratio) * fund_balance


def topup_amount(covered_balance: Decimal, fund_balance: Decimal, ratio: Decimal = Decimal("10")) -> Decimal:
    """The top-up (补充金额) restoring 1:``ratio``, rounded up to the yuan; zero when none is needed."""
    shortfall = covered_balance / Decimal(ratio) - fund_balance
    if shortfall <= 0:
        return ZERO
    return shortfall.quantize(YUAN, rounding=ROUND_CEILING).quantize(ZERO)


def compensation(covered_principal_lost: Decimal, share: Decimal, fund_balance: Decimal) -> Decimal:
    """The fund's compensation (代偿金额): ``share`` × covered principal lost, at most the fund balance."""
    if covered_principal_lost < 0 or not Decimal(0) <= share <= 1:
        raise ValueError("loss must be non-negative and share within [0, 1]")
    return round_fen(min(Decimal(share) * covered_principal_lost, Decimal(fund_balance)))
