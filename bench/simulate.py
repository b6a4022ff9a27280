"""The district simulator at scale: households × days through the real services, on SQLite or PostgreSQL.

Runs the simulation twice on fresh databases, for ``--short`` and ``--days`` days, and prints for
each: wall time, time per simulated day, SQL statements per day (a ``before_cursor_execute``
counter) and the peak Python memory (tracemalloc); the peak must stay flat in the number of days.
Then the rating campaigns of the longer run (评级授信: campaigns, approved ratings, short-path
investigations, designations) and its invariants.
Usage: .venv/bin/python bench/simulate.py [--households 2000] [--days 730] [--short 365]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_simulate]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402

from models import db  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.cli import TaskForms  # noqa: E402
from workflows import accounts, simulation  # noqa: E402

START = date(2025, 1, 1)


def run(url: str, households: int, days: int, seed: int) -> tuple[simulation.Result, dict]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        statements = [0]
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
        tracemalloc.start()
        started = time.perf_counter()
        result = simulation.simulate(simulation.Settings(households=households, start=START, days=days, seed=seed),
                                     TaskForms())
        wall = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.remove()
        db.engine.dispose()
    per_day = result.tally.timings["days"] / days  # the days alone, without building the district
    return result, {"wall": wall, "per_day": per_day, "statements": statements[0] / days, "peak": peak}


def report(households: int, days: int, figures: dict) -> None:
    print(f"{households} households x {days} days: wall {figures['wall']:.1f} s, "
          f"{figures['per_day'] * 1000:.1f} ms per simulated day, {figures['statements']:.0f} SQL statements per day, "
          f"peak Python memory {figures['peak'] / 2**20:.1f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--short", type=int, default=365, help="The shorter run, to show memory flat in days.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="Default: a SQLite file in a temporary folder.")
    args = parser.parse_args()
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/simulate.db"
        result = None
        for days in sorted({args.short, args.days}):
            result, figures = run(url, args.households, days, args.seed)
            report(args.households, days, figures)
    tally = result.tally
    print(f"rating campaigns {tally['campaigns_opened']}, ratings approved {tally['ratings_approved']}, "
          f"short-path investigations {tally['investigations.short_path']} of {tally.total('investigations')}, "
          f"credit designations {result.portfolio['credit designations']}")
    print("\n".join(f"{'OK  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in result.checks))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
