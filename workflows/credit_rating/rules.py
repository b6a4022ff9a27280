"""The designation rules (评定条件) by dated settings: credit household, village and town.

- credit household (信用户): a valid rating of grade A or better, no loan overdue in the last
  ``credit_household_overdue_months`` months, not on the dishonest-debtor list, not removed;
- credit village (信用村): credit households / listed households ≥ ``credit_village_household_share``
  and overdue rate (overdue principal / outstanding principal of its households) strictly below
  ``credit_village_overdue_rate``;
- credit town (信用镇): credit villages / villages ≥ ``credit_town_village_share``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import GRADES, OUTSTANDING_STATUSES, Household, Loan, Village, db
from models.credit import CreditDesignation, CreditRating
from models.repayment import RepaymentScheduleLine

from .. import policy, repayments

GOOD_GRADES = GRADES[: GRADES.index("A") + 1]  # A or better
OVERDUE_NOW = ("overdue", "recovering", "written_off")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Settings:
    overdue_months: int
    village_share: Decimal
    village_overdue_rate: Decimal
    town_share: Decimal

    @classmethod
    def on(cls, day: date) -> Settings:
        return cls(int(policy.setting("credit_household_overdue_months", day)),
                   policy.setting("credit_village_household_share", day),
                   policy.setting("credit_village_overdue_rate", day), policy.setting("credit_town_village_share", day))


@dataclass
class VillageResult:
    village_id: int
    name: str
    listed: int
    credit_households: list[int]
    overdue_rate: Decimal
    share: Decimal = ZERO
    passes: bool = False


@dataclass
class TownResult:
    township_id: int
    villages: list[VillageResult] = field(default_factory=list)
    share: Decimal = ZERO
    passes: bool = False

    @property
    def credit_households(self) -> list[int]:
        return [h for v in self.villages for h in v.credit_households]


def overdue_households(household_ids: list[int], day: date, months: int) -> set[int]:
    """Households with a loan overdue now, or with an instalment due in the last ``months`` months
    that was not paid by its due date (the repayment book read at the end of that day)."""
    since = day - relativedelta(months=months)
    loans = db.session.scalars(sa.select(Loan).where(Loan.household_id.in_(household_ids))).all()
    found = {loan.household_id for loan in loans if loan.status in OVERDUE_NOW or (loan.days_past_due or 0) > 0}
    due = db.session.execute(sa.select(RepaymentScheduleLine.loan_id, RepaymentScheduleLine.due_on).where(
        RepaymentScheduleLine.loan_id.in_([loan.id for loan in loans if loan.household_id not in found]),
        RepaymentScheduleLine.due_on >= since, RepaymentScheduleLine.due_on < day)).all()
    by_id = {loan.id: loan for loan in loans}
    for loan_id, due_on in due:
        loan = by_id[loan_id]
        owed = repayments.owed(loan, due_on) if loan.household_id not in found else None
        if owed is not None and owed.principal + owed.interest > 0:  # unpaid at the end of its due day
            found.add(loan.household_id)
    return found


def credit_households(households: list[Household], day: date, settings: Settings) -> list[int]:
    """The ids among ``households`` that are credit households on ``day``."""
    candidates = [h.id for h in households if not h.dishonest and not h.removed]
    rated = set(db.session.scalars(sa.select(CreditRating.household_id).where(
        CreditRating.household_id.in_(candidates), CreditRating.status == "approved",
        CreditRating.valid_until >= day, CreditRating.grade.in_(GOOD_GRADES))))
    overdue = overdue_households(sorted(rated), day, settings.overdue_months)
    return sorted(rated - overdue)


def overdue_principal() -> sa.ColumnElement:
    """A loan's principal outstanding when it is overdue (or in recovery), else 0."""
    return sa.case((sa.or_(Loan.status.in_(("overdue", "recovering")), Loan.days_past_due > 0),
                    Loan.principal_outstanding), else_=0)


def overdue_rate(household_ids: list[int]) -> Decimal:
    """Overdue principal / outstanding principal of these households' loans (0 without a loan)."""
    overdue = overdue_principal()
    total, late = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(Loan.principal_outstanding), 0), sa.func.coalesce(sa.func.sum(overdue), 0))
        .where(Loan.household_id.in_(household_ids), Loan.status.in_(OUTSTANDING_STATUSES))).one()
    total, late = Decimal(str(total)), Decimal(str(late))
    return (late / total) if total else ZERO


def village_overdue_rates(village_ids: list[int]) -> dict[int, Decimal]:
    """Each village's overdue rate (as ``overdue_rate`` over its listed households), in one query."""
    overdue = overdue_principal()
    rows = db.session.execute(sa.select(
        Household.village_id, sa.func.coalesce(sa.func.sum(Loan.principal_outstanding), 0),
        sa.func.coalesce(sa.func.sum(overdue), 0))
        .join(Loan, Loan.household_id == Household.id)
        .where(Household.village_id.in_(village_ids), Household.removed.is_(False),
               Loan.status.in_(OUTSTANDING_STATUSES))
        .group_by(Household.village_id)).all()
    rates = {}
    for village_id, total, late in rows:
        total, late = Decimal(str(total)), Decimal(str(late))
        rates[village_id] = (late / total) if total else ZERO
    return rates


def live_village_share(township_id: int) -> Decimal:
    """The share of the township's villages holding a live (proposed or published) credit-village designation."""
    villages = db.session.scalar(sa.select(sa.func.count()).select_from(Village)
                                 .where(Village.township_id == township_id)) or 0
    credit = db.session.scalar(sa.select(sa.func.count()).select_from(CreditDesignation).where(
        CreditDesignation.kind == "village", CreditDesignation.township_id == township_id,
        CreditDesignation.status.in_(("proposed", "published")))) or 0
    return Decimal(credit) / Decimal(villages) if villages else ZERO


def village_result(village: Village, day: date, settings: Settings) -> VillageResult:
    listed = list(db.session.scalars(sa.select(Household).where(
        Household.village_id == village.id, Household.removed.is_(False))))
    ids = credit_households(listed, day, settings)
    result = VillageResult(village.id, village.name, len(listed), ids, overdue_rate([h.id for h in listed]))
    result.share = Decimal(len(ids)) / Decimal(len(listed)) if listed else ZERO
    result.passes = bool(listed) and result.share >= settings.village_share \
        and result.overdue_rate < settings.village_overdue_rate
    return result


def town_result(township_id: int, day: date, settings: Settings | None = None) -> TownResult:
    """Every village of the township and the township itself, on ``day``."""
    settings = settings or Settings.on(day)
    villages = db.session.scalars(sa.select(Village).where(Village.township_id == township_id).order_by(Village.code))
    result = TownResult(township_id, [village_result(v, day, settings) for v in villages])
    if result.villages:
        passing = sum(1 for v in result.villages if v.passes)
        result.share = Decimal(passing) / Decimal(len(result.villages))
        result.passes = result.share >= settings.town_share
    return result
