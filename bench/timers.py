"""The timer worker at scale: one sweep over 100,000 waiting loans of which 1,000 are due.

Rows are bulk-inserted (SQLAlchemy Core, in batches) as clones of the real serialized state of a
loan waiting in ``post_loan`` (each due clone gets fresh task ids, since inbox rows key on them),
with ``next_timer_at`` set: due ones an hour ago, the rest in 30 days. Prints, per run, the due and
waiting counts, the seconds of one sweep, ms and SQL statements per fired timer, and the peak
Python memory (tracemalloc) of a sweep at waiting/10 and at waiting (it must not grow with the
waiting count); then whether the cost follows the due count (2x due, same waiting).

``--workers 2`` runs that many worker processes released together on the same due set (each leases
its batches, ``timers._claim_due``, so they take disjoint work on either database) and prints each
one's share and whether any timer fired twice. ``--database-url`` measures on PostgreSQL (the database must
exist; its tables are dropped and made anew): without it, a temporary SQLite file.
Targets: 1,000 due among 100,000 waiting <= 2 s on SQLite; <= 3 s with two workers on PostgreSQL.
Usage: .venv/bin/python bench/timers.py [--waiting 100000] [--due 1000] [--workers 1]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/<db>] [--runs time,memory]
"""
from __future__ import annotations

import argparse
import multiprocessing
import re
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402

from models import AuditEvent, ProcessInstance, db  # noqa: E402
from tests.factories import build_world  # noqa: E402
from tests.factories_postloan import at, disbursed  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import accounts, state_codec, timers  # noqa: E402

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BATCH = 5_000
NOW = at(date(2025, 4, 10))
RUNS = ("time", "time_2x", "memory_small", "memory")


@dataclass
class Run:
    """One sweep by one worker: seconds, timers fired, errors, SQL statements, peak traced MiB, wall clock span."""

    seconds: float
    fired: int
    errors: int
    statements: int
    peak: float
    began: float
    ended: float


def fresh_ids(state: bytes) -> bytes:
    """The same state with every task id replaced consistently by a new one (as the engine makes them)."""
    mapping: dict[bytes, bytes] = {}
    text = UUID.sub(lambda m: mapping.setdefault(m.group(0), str(state_codec.new_task_id()).encode()),
                    state_codec.decompress(state))
    return state_codec.compress(text)


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


def make_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})


def measure(url: str | None, waiting: int, due: int, workers: int = 1,
            trace: bool = False) -> tuple[list[Run], float, int, int]:
    """A fresh database with one real loan and the clones; (runs, insert s, state bytes, timers fired twice)."""
    with tempfile.TemporaryDirectory(prefix="bench_timers_") as folder:
        url = url or f"sqlite:///{folder}/bench.db"
        app = make_app(url)
        with app.app_context():
            db.drop_all()
            db.create_all()
            loan = disbursed(build_world(), on=date(2025, 1, 10))
            template = db.session.scalars(sa.select(ProcessInstance).filter_by(loan_id=loan.id)).one()
            began = time.perf_counter()
            populate(template, waiting, due)
            setup = time.perf_counter() - began
            size = len(template.state)
            db.session.remove()
            runs = [timed_sweep(trace)] if workers == 1 else in_processes(url, workers)
            twice = fired_twice()
            db.session.remove()
            db.engine.dispose()
    return runs, setup, size, twice


def timed_sweep(trace: bool) -> Run:
    """One sweep in this process; the memory is traced only if ``trace`` (it slows the sweep)."""
    statements = [0]

    def count(*_args, **_kwargs):
        statements[0] += 1

    sa.event.listen(db.engine, "before_cursor_execute", count)
    if trace:
        tracemalloc.start()
    wall, began = time.time(), time.perf_counter()
    try:
        report = timers.sweep(NOW)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    return Run(seconds, report.fired, report.errors, statements[0], peak, wall, wall + seconds)


def worker(url: str, start, results) -> None:
    """A worker process: its own app and connections; sweeps once when every worker is ready."""
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    app = make_app(url)
    with app.app_context():
        db.session.execute(sa.select(1))  # connect before the start line
        db.session.rollback()
        start.wait()
        results.put(timed_sweep(False))
        db.session.remove()
        db.engine.dispose()


def in_processes(url: str, workers: int) -> list[Run]:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(workers), context.Queue()
    processes = [context.Process(target=worker, args=(url, start, results)) for _ in range(workers)]
    for process in processes:
        process.start()
    runs = [results.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join()
    return runs


def fired_twice() -> int:
    """Timers recorded as fired by more than one ``timers_fired`` event (two workers doing one job twice)."""
    seen = Counter(key for after in db.session.scalars(sa.select(AuditEvent.after).where(
        AuditEvent.action == "timers_fired")) for key in (after or {}).get("instances", {}))
    return sum(1 for n in seen.values() if n > 1)


def report(waiting: int, due: int, runs: list[Run], setup: float, size: int, twice: int) -> float:
    """Print one measurement; returns its wall-clock seconds (first start to last end over the workers)."""
    fired, statements = sum(r.fired for r in runs), sum(r.statements for r in runs)
    seconds = max(r.ended for r in runs) - min(r.began for r in runs) if len(runs) > 1 else runs[0].seconds
    memory = f", peak Python memory {runs[0].peak:6.1f} MiB (tracemalloc on)" if runs[0].peak else ""
    print(f"{waiting:>7} waiting, {due:>5} due: sweep {seconds:6.2f} s, fired {fired:>5}, "
          f"{1000 * seconds / max(fired, 1):5.2f} ms per timer, {statements / max(fired, 1):5.2f} SQL statements "
          f"per timer{memory} (insert {setup:.1f} s; state {size} bytes)")
    if len(runs) > 1:
        shares = ", ".join(f"{r.fired} in {r.seconds:.2f} s" for r in runs)
        print(f"  {len(runs)} workers: {shares}; errors {sum(r.errors for r in runs)}; "
              f"fired twice {twice}; disjoint: {'yes' if twice == 0 and fired == due else 'NO'}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"some of {', '.join(RUNS)} (default: all)")
    args = parser.parse_args()
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    url, workers = args.database_url, args.workers
    print(f"database {'SQLite (temporary file)' if url is None else url.rsplit('@', 1)[-1]}, {workers} worker(s)")
    runs = {"time": (args.waiting, args.due, workers, False), "time_2x": (args.waiting, 2 * args.due, workers, False),
            "memory_small": (max(args.waiting // 10, args.due), args.due, 1, True),
            "memory": (args.waiting, args.due, 1, True)}
    seconds, peaks, chosen = {}, {}, args.runs.split(",")
    for name, (waiting, due, count, trace) in runs.items():
        if name not in chosen:
            continue
        measured, setup, size, twice = measure(url, waiting, due, count, trace)
        seconds[name] = report(waiting, due, measured, setup, size, twice)
        peaks[name] = measured[0].peak
    if {"time", "time_2x"} <= seconds.keys():
        print(f"cost follows the due count: 2x due -> {seconds['time_2x'] / seconds['time']:.2f}x time")
    if {"memory_small", "memory"} <= peaks.keys():
        print(f"peak memory vs waiting: {runs['memory_small'][0]} waiting {peaks['memory_small']:.1f} MiB, "
              f"{args.waiting} waiting {peaks['memory']:.1f} MiB")
    if "time" not in seconds:
        return
    limit, where = (2, "SQLite") if url is None else (3, "PostgreSQL")
    print(f"target {args.due:,} due <= {limit} s on {where} with {workers} worker(s): "
          f"{'met' if seconds['time'] <= limit else 'MISSED'} ({seconds['time']:.2f} s)")


if __name__ == "__main__":
    main()
