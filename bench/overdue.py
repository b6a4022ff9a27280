"""The daily recompute of days past due and risk classes (逾期天数, 五级分类): per-loan Python vs one SQL UPDATE.

Clones one real loan (disbursed 2024-01-15, 30,000 at 3 %, quarterly interest) with its schedule into
``--loans`` outstanding loans (SQLAlchemy Core, in batches); a third pay their first quarter's interest,
a third pay half of it, the rest nothing. Then times, on 2024-06-21, the per-loan loop the worker ran
before (``repayments.owed`` per loan, in batches of 500) and ``overdue.recompute`` (set-based), each on
a fresh copy of the figures, and prints ms per 1,000 loans for both. Prints the load average too.
Usage: .venv/bin/python bench/overdue.py [--loans 2000 10000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402

from models import OUTSTANDING_STATUSES, Loan, db  # noqa: E402
from models.repayment import Repayment, RepaymentScheduleLine  # noqa: E402
from tests.factories import build_world  # noqa: E402
from tests.factories_repayments import active_loan  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import overdue, repayments  # noqa: E402
from workflows.money.risk_class import risk_class  # noqa: E402

DAY = date(2024, 6, 21)
BATCH = 2_000


def populate(template: Loan, count: int) -> None:
    loan_row = dict(db.session.execute(sa.select(Loan.__table__).where(Loan.id == template.id)).mappings().one())
    lines = [dict(r) for r in db.session.execute(sa.select(RepaymentScheduleLine.__table__).where(
        RepaymentScheduleLine.loan_id == template.id)).mappings()]
    next_id = db.session.scalar(sa.select(sa.func.max(Loan.id))) + 1
    for start in range(0, count - 1, BATCH):
        ids = range(next_id + start, next_id + min(count - 1, start + BATCH))
        db.session.execute(sa.insert(Loan), [{**loan_row, "id": i} for i in ids])
        db.session.execute(sa.insert(RepaymentScheduleLine),
                           [{**line, "id": None, "loan_id": i} for i in ids for line in lines])
        paid = [{"loan_id": i, "paid_on": date(2024, 3, 20), "principal": Decimal("0"), "principal_early": Decimal("0"),
                 "interest": Decimal("162.50") if i % 3 == 0 else Decimal("81.25"), "penalty_interest": Decimal("0"),
                 "principal_outstanding_after": Decimal("30000"), "loan_status_after": "active"}
                for i in ids if i % 3 != 2]
        if paid:
            db.session.execute(sa.insert(Repayment), paid)
    db.session.commit()


def per_loan_python(day: date) -> int:
    """The loop the worker ran before: each loan's book read and matched in Python."""
    bounds, last_id, changed = overdue.thresholds(day), 0, 0
    while True:
        batch = db.session.scalars(sa.select(Loan).where(Loan.status.in_(OUTSTANDING_STATUSES),
                                   Loan.principal_outstanding > 0, Loan.id > last_id).order_by(Loan.id).limit(500)).all()
        if not batch:
            return changed
        for loan in batch:
            days = repayments.owed(loan, day).days_past_due
            status = "overdue" if days and loan.status in ("active", "extended") else loan.status
            values = (days, risk_class(days, bounds), status)
            if values != (loan.days_past_due, loan.risk_class, loan.status):
                loan.days_past_due, loan.risk_class, loan.status = values
                changed += 1
        last_id = batch[-1].id
        db.session.flush()


def reset() -> None:
    db.session.execute(sa.update(Loan).values(days_past_due=0, risk_class="normal", status="active"))
    db.session.commit()


def timed(run) -> tuple[float, int]:
    reset()
    began = time.perf_counter()
    changed = run()
    db.session.commit()
    return time.perf_counter() - began, changed


def measure(url: str, count: int) -> tuple[float, float, int, int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        populate(active_loan(build_world(), date(2024, 1, 15)), count)
        before, changed_before = timed(lambda: per_loan_python(DAY))
        after, changed_after = timed(lambda: overdue.recompute(DAY).changed)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return before, after, changed_before, changed_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for count in args.loans:
        with tempfile.TemporaryDirectory(prefix="bench_overdue_") as folder:
            url = args.database_url or f"sqlite:///{folder}/bench.db"
            before, after, changed_before, changed_after = measure(url, count)
        assert changed_before == changed_after, (changed_before, changed_after)
        print(f"{count:>7} loans ({sa.engine.make_url(url).get_backend_name()}): per-loan Python "
              f"{before * 1e6 / count:8.1f} ms per 1,000 | set-based SQL {after * 1e6 / count:7.1f} ms per 1,000 "
              f"| {changed_after} changed")


if __name__ == "__main__":
    main()
