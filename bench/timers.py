"""The timer worker at scale: one sweep over 100,000 waiting loans of which 1,000 are due.

Rows are bulk-inserted (SQLAlchemy Core, in batches) as clones of the real serialized state of a
loan waiting in ``post_loan`` (each due clone gets fresh task ids, since inbox rows key on them),
with ``next_timer_at`` set: due ones an hour ago, the rest in 30 days. Prints the time of one
sweep, the cost per due timer at 1,000 and 2,000 due (same total), and the peak Python memory of a
sweep at 10,000 and 100,000 waiting (it must not grow with the waiting count).
Target: 1,000 due timers <= 5 s on SQLite.
Usage: .venv/bin/python bench/timers.py [--waiting 100000] [--due 1000]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import tracemalloc
import uuid
import zlib
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402

from models import ProcessInstance, db  # noqa: E402
from tests.factories import build_world  # noqa: E402
from tests.factories_postloan import at, disbursed  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import accounts, timers  # noqa: E402

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BATCH = 5_000
NOW = at(date(2025, 4, 10))


def fresh_ids(state: bytes) -> bytes:
    """The same state with every task id replaced consistently by a new one."""
    mapping: dict[bytes, bytes] = {}
    text = UUID.sub(lambda m: mapping.setdefault(m.group(0), str(uuid.uuid4()).encode()), zlib.decompress(state))
    return zlib.compress(text, 6)


def populate(template: ProcessInstance, waiting: int, due: int) -> None:
    """Add ``waiting`` clones of the template's state, ``due`` of them due now; the template waits on."""
    db.session.execute(sa.update(ProcessInstance).values(next_timer_at=NOW + timedelta(days=30)))
    base = {"process_version_id": template.process_version_id, "loan_id": None, "status": "running",
            "version": 1, "created_at": NOW, "updated_at": NOW}
    for start in range(0, waiting, BATCH):
        rows = []
        for n in range(start, min(waiting, start + BATCH)):
            is_due = n < due
            rows.append({**base, "state": fresh_ids(template.state) if is_due else template.state,
                         "next_timer_at": NOW - timedelta(hours=1) if is_due else NOW + timedelta(days=30)})
        db.session.execute(sa.insert(ProcessInstance), rows)
    db.session.commit()


def measure(waiting: int, due: int, trace: bool = False) -> tuple[float, int, float, float, int]:
    """A fresh database with one real loan and the clones; (sweep s, fired, peak MiB, insert s, state bytes)."""
    with tempfile.TemporaryDirectory(prefix="bench_timers_") as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "WTF_CSRF_ENABLED": False})
        with app.app_context():
            db.create_all()
            loan = disbursed(build_world(), on=date(2025, 1, 10))
            template = db.session.scalars(sa.select(ProcessInstance).filter_by(loan_id=loan.id)).one()
            began = time.perf_counter()
            populate(template, waiting, due)
            setup = time.perf_counter() - began
            seconds, fired, peak = timed_sweep(trace)
            size = len(template.state)
            db.session.remove()
            db.engine.dispose()
    return seconds, fired, peak, setup, size


def timed_sweep(trace: bool) -> tuple[float, int, float]:
    """One sweep: seconds, timers fired, peak traced Python memory in MiB (``trace`` only: it slows the sweep)."""
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    report = timers.sweep(NOW)
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    return seconds, report.fired, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    runs = {"time": (args.waiting, args.due, False), "time_2x": (args.waiting, 2 * args.due, False),
            "memory_small": (args.waiting // 10, args.due, True), "memory": (args.waiting, args.due, True)}
    results = {}
    for name, (waiting, due, trace) in runs.items():
        seconds, fired, peak, setup, size = measure(waiting, due, trace)
        results[name] = (seconds, fired, peak)
        memory = f", peak Python memory {peak:6.1f} MiB (tracemalloc on)" if trace else ""
        print(f"{waiting:>7} waiting, {due:>5} due: sweep {seconds:6.2f} s, fired {fired:>5}, "
              f"{1000 * seconds / max(fired, 1):5.2f} ms per timer{memory} (insert {setup:.1f} s; state {size} bytes)")
    one, two = results["time"], results["time_2x"]
    print(f"cost follows the due count: 2x due -> {two[0] / one[0]:.2f}x time")
    print(f"peak memory vs waiting: {args.waiting // 10} waiting {results['memory_small'][2]:.1f} MiB, "
          f"{args.waiting} waiting {results['memory'][2]:.1f} MiB")
    print(f"target 1,000 due <= 5 s on SQLite: {'met' if one[0] <= 5 else 'MISSED'} ({one[0]:.2f} s)")


if __name__ == "__main__":
    main()
