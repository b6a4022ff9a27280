"""What a simulated district looks like (模拟参数): its size, its period and how its people behave.

Rates are shares between 0 and 1 drawn by the seeded ``random.Random`` of ``decisions.Decisions``;
the repayment behaviours (on time, late, default) are weights, normalised when a loan is disbursed.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta


@dataclass(frozen=True)
class Settings:
    """模拟参数: households, first day, length in days, seed and the behaviour rates."""

    households: int = 100
    start: date = date(2025, 1, 1)
    days: int = 365
    seed: int = 1
    on_time_rate: float = 0.80  # pays every instalment on its due date
    late_rate: float = 0.14  # pays each instalment 5 to 60 days late (penalty interest)
    default_rate: float = 0.06  # stops paying: the maturity review sends the loan to recovery
    refused_rate: float = 0.08  # applications the policy refuses (too old, too much, wrong purpose...)
    ineligible_rate: float = 0.02  # the bureau finds the household not eligible
    decline_rate: float = 0.02  # the bank officer declines the application at investigation (不予受理)
    return_rate: float = 0.08  # the approver returns the loan for more investigation
    reject_rate: float = 0.05  # the approver rejects the loan
    late_visit_rate: float = 0.15  # a quarterly visit done weeks late
    prepay_rate: float = 0.10  # an on-time payer repays part of the principal early
    extend_rate: float = 0.12  # at maturity the household asks for an extension (展期)
    renew_rate: float = 0.12  # at maturity the household renews (续贷)
    reapply_rate: float = 0.50  # a household that repaid applies again later
    malicious_rate: float = 0.25  # share of recoveries ending as malicious default (失信)
    loss_rate: float = 0.35  # share of recoveries ending as a loss compensated by the fund
    rated_village_share: float = 0.8  # share of a township's villages its bank rates each year (评级授信)

    @property
    def end(self) -> date:
        """The last simulated day."""
        return self.start + timedelta(days=self.days - 1)

    def rates(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name.endswith("_rate")}
