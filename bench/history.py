"""The loan history (贷款历史): the daily recompute with its history write, and a report "as of" a past day.

Clones one real loan (bench/overdue.py: disbursed 2024-01-15, 30,000, quarterly interest; a third pay
their first quarter's interest, a third half of it, the rest nothing) into ``--loans`` lent loans,
writes their first history rows, then runs the daily recompute (``overdue.recompute``: days past due,
risk classes and the history rows, set-based) on 30 consecutive business days up to 2024-06-21 and
prints ms per day, the history rows per loan, and the time of the overdue and balance reports asked
"as of" the middle of those days. Prints the load average too (the machine may be shared).
Usage: .venv/bin/python bench/history.py [--loans 2000 10000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402

from bench.overdue import DAY, populate  # noqa: E402
from models import LoanHistory, db  # noqa: E402
from tests.factories import build_world  # noqa: E402
from tests.factories_repayments import active_loan  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import loan_history, overdue, reports  # noqa: E402
from workflows.reports import ReportFilters  # noqa: E402

DAYS = 30


def measure(url: str, count: int) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = build_world()
        populate(active_loan(world, date(2024, 1, 15)), count)
        began = time.perf_counter()
        loan_history.record_changes(day=date(2024, 1, 15))  # the clones were inserted in SQL: their first rows
        db.session.commit()
        figures = {"first rows": time.perf_counter() - began, "days": []}
        first = DAY - timedelta(days=DAYS - 1)
        for offset in range(DAYS):
            began = time.perf_counter()
            overdue.recompute(first + timedelta(days=offset))
            db.session.commit()
            figures["days"].append(time.perf_counter() - began)
        figures["rows"] = db.session.scalar(sa.select(sa.func.count()).select_from(LoanHistory))
        supervisor, middle = world.users["supervisor"], first + timedelta(days=DAYS // 2)
        for name in ("overdue", "balance_by_township"):
            began = time.perf_counter()
            reports.run(supervisor, name, ReportFilters(date(2024, 1, 1), middle))
            figures[name] = time.perf_counter() - began
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for count in args.loans:
        with tempfile.TemporaryDirectory(prefix="bench_history_") as folder:
            url = args.database_url or f"sqlite:///{folder}/bench.db"
            figures = measure(url, count)
        days = figures["days"]
        print(f"{count:>7} loans ({sa.engine.make_url(url).get_backend_name()}): first rows "
              f"{figures['first rows'] * 1e3:.1f} ms | daily recompute with history "
              f"{sum(days) * 1e3 / len(days):.1f} ms per day (slowest {max(days) * 1e3:.1f} ms) | {figures['rows'] / count:.2f} history rows per loan | "
              f"as-of reports: overdue {figures['overdue'] * 1e3:.1f} ms, balance "
              f"{figures['balance_by_township'] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
