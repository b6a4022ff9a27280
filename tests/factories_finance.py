"""Factories for the finance tests: the finance processes, policy rows, disbursed loans, repayments."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import Bank, Household, Loan, PolicySetting, db
from models.repayment import Repayment, RepaymentScheduleLine
from workflows import deployment, policy, risk_fund

# The rows the lead adds to workflows/data/policy_settings.csv (tests insert them meanwhile).
SETTINGS = (("risk_fund_ratio", "10"), ("topup_due_days", "30"), ("compensation_share", "0.80"))
# A's thresholds (the timer sweep recomputes risk classes before the fund check): added if missing.
SWEEP_SETTINGS = (("risk_threshold_substandard", "90"), ("risk_threshold_doubtful", "270"),
                  ("risk_threshold_loss", "360"))
FINANCE_PROCESSES = ("risk_fund_topup", "interest_subsidy_settlement")


def install_finance() -> None:
    """Deploy the finance processes, add the finance settings if missing, create the district fund."""
    sources = deployment.bundled_sources()
    for key in FINANCE_PROCESSES:
        deployment.deploy(key, sources)
    for key, value in SETTINGS + SWEEP_SETTINGS:
        if db.session.scalars(PolicySetting.in_force_on(key, date(2021, 1, 1))).first() is None:
            db.session.add(PolicySetting(key=key, effective_from=date(2021, 1, 1), value=value))
    risk_fund.ensure_fund()
    db.session.commit()


def set_setting(key: str, value: str, since: date = date(2021, 1, 1)) -> None:
    row = db.session.scalars(sa.select(PolicySetting).filter_by(key=key, effective_from=since)).first()
    if row is None:
        db.session.add(PolicySetting(key=key, effective_from=since, value=value))
    else:
        row.value = value
    db.session.commit()


def disbursed_loan(household: Household, amount: str, disbursed_on: date, *, bank: str = "cqrcb",
                   rate: str = "3.60", months: int = 12, status: str = "active") -> Loan:
    """A loan as ``disburse_loan`` leaves it (caps per household as ``DisburseLoan.after`` sets them)."""
    amount_d = Decimal(amount)
    bank_row = db.session.scalars(sa.select(Bank).where(Bank.code == bank)).one()
    loan = Loan(household=household, township_id=household.township_id, bank=bank_row, status=status,
                kind="new", applicant_id_number=household.id_number, amount=amount_d, term_months=months,
                purpose_category="breeding", purpose="养殖", applied_on=disbursed_on, approved_amount=amount_d,
                approved_term_months=months, annual_rate=Decimal(rate), disbursed_on=disbursed_on,
                maturity_date=disbursed_on + relativedelta(months=months), principal_outstanding=amount_d)
    db.session.add(loan)
    db.session.flush()
    cap = Decimal("50000")
    loan.subsidised_principal = policy.capped_share(amount_d, household.id, loan.id, cap, Loan.subsidised_principal)
    loan.covered_principal = policy.capped_share(amount_d, household.id, loan.id, cap, Loan.covered_principal)
    db.session.commit()
    return loan


def schedule_line(loan: Loan, seq: int, start: date, end: date, interest: str, principal: str = "0") -> None:
    db.session.add(RepaymentScheduleLine(
        loan_id=loan.id, seq=seq, due_on=end, principal=Decimal(principal), interest=Decimal(interest),
        period_start=start, period_end=end, part="original", method="interest_quarterly_principal_at_maturity",
        day_count_basis=360))
    db.session.commit()


def repayment(loan: Loan, paid_on: date, interest: str, principal: str = "0", penalty: str = "0") -> Repayment:
    loan.principal_outstanding -= Decimal(principal)
    row = Repayment(loan_id=loan.id, paid_on=paid_on, principal=Decimal(principal), interest=Decimal(interest),
                    penalty_interest=Decimal(penalty), principal_outstanding_after=loan.principal_outstanding,
                    loan_status_after=loan.status)
    db.session.add(row)
    db.session.commit()
    return row
