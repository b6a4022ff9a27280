"""展期 preconditions (General Rules for Loans art. 12; the district notice): when, for whom, how long.

- ``extension_after_maturity``: asked for from the maturity reminder up to and including the
  maturity date, never after;
- ``extension_risk_class``: not for a loan in the doubtful or loss class (可疑、损失) or of a household
  flagged malicious (失信);
- ``extension_too_long``: up to the original term for a loan of up to one year, half the original
  term for one of one to five years (an odd number of months rounds down), three years beyond that,
  and never past ``max_extension_months``: the lesser applies;
- ``extension_limit``: once per loan (``max_extensions``; imported extensions and renewals count).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import NOT_LENT_STATUSES, Loan, db

from .. import policy
from ..errors import PolicyViolationError

REFUSED_CLASSES = frozenset({"doubtful", "loss"})


@dataclass(frozen=True)
class ExtensionLimits:
    """The longest extension of one loan: its latest maturity date and the rule that sets it."""

    maturity: date
    term_months: int
    months: int
    latest: date
    bound_by: str  # "term" (up to one year), "half_term" (one to five years), "long_term", "max_extension_months"


def refuse(code: str, field: str) -> PolicyViolationError:
    return PolicyViolationError([code], {field: [code]})


def original_term(loan: Loan) -> int:
    """The term the loan was granted for, in months (an imported loan: from its dates)."""
    if loan.approved_term_months:
        return int(loan.approved_term_months)
    delta = relativedelta(loan.maturity_date, loan.disbursed_on)
    return delta.years * 12 + delta.months


def limits(loan: Loan, day: date) -> ExtensionLimits:
    term, cap = original_term(loan), int(policy.setting("max_extension_months", day))
    by_term, kind = (term, "term") if term <= 12 else (term // 2, "half_term") if term <= 60 else (36, "long_term")
    months, bound_by = (by_term, kind) if by_term <= cap else (cap, "max_extension_months")
    return ExtensionLimits(loan.maturity_date, term, months, loan.maturity_date + relativedelta(months=months), bound_by)


def extension_allowed(loan: Loan, day: date) -> bool:
    """Once (``max_extensions``): earlier extensions, imported ones included, and renewals count."""
    limit = int(policy.setting("max_extensions", day))
    renewed = db.session.scalar(sa.select(sa.func.count()).select_from(Loan).where(
        Loan.previous_loan_id == loan.id, Loan.status.not_in(NOT_LENT_STATUSES)))
    return loan.extension_count < limit and not renewed


def check_request(loan: Loan, day: date, field: str) -> None:
    """May an extension of ``loan`` be asked for on ``day``? Refuses with the first rule broken."""
    if not extension_allowed(loan, day):
        raise refuse("extension_limit", field)
    if day > loan.maturity_date:
        raise refuse("extension_after_maturity", field)
    if loan.risk_class in REFUSED_CLASSES or loan.household.dishonest:
        raise refuse("extension_risk_class", field)


def check_new_maturity(loan: Loan, new: date, day: date, field: str = "new_maturity_date") -> ExtensionLimits:
    """The requested maturity lies after the current one and on or before the latest allowed."""
    bounds = limits(loan, day)
    if not loan.maturity_date < new <= bounds.latest:
        raise refuse("extension_too_long", field)
    return bounds
