"""Task completions per second through the JSON API with several clients at once, and proof that
nothing was lost on the way.

Builds a database with N loans waiting at the four loan steps (bench/portfolio.py, not the API),
starts gunicorn on it (``--workers`` processes, sync, or gthread with ``--threads``) and lets
``--clients`` threads complete the waiting tasks through ``POST /api/v1/tasks/<id>/complete``, each
with its own keep-alive connection and bearer tokens (``POST /api/v1/tokens``) and each on loans of
its own, so no two clients want the same task. A few completions per client warm the workers up
(the diagrams' parse) before the clock starts. Prints completions per second, median and p95
latency, the answers by status code, where the CPU went (machine, gunicorn workers, the clients),
and, after the run, the checks: every task answered 200 is completed once and its loan moved on
exactly once (no lost update), every other task is untouched, no audit event twice for one task,
and the audit chain verifies. ``--profile`` runs each worker under cProfile and times every SQL
statement it sends, then prints the top costs per completion.

The machine is shared: give the load average with every figure (the bench prints it).
Usage: .venv/bin/python bench/throughput.py [--loans 2000] [--clients 4] [--workers 2] [--threads 1] [--warmup 2]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_throughput] [--claim] [--open]
       [--profile]
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: bench/ and tests/ are not installed

import sqlalchemy as sa  # noqa: E402

from bench import portfolio  # noqa: E402
from bench.throughput_clients import Plan, Run, Task, drive_clients, load_average  # noqa: E402
from bench.throughput_profile import PROFILE_DIR, print_profile  # noqa: E402
from bench.web import exit_on_sigterm, listening_socket, serve, stop_server  # noqa: E402
from models import AuditEvent, HumanTask, Loan, db  # noqa: E402
from tests.factories import STEPS, build_world  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import accounts, audit, clock  # noqa: E402

NEXT_STEP = dict(zip(STEPS, STEPS[1:] + (None,)))
FINAL_STATUS = "active"  # the loan's status once disbursed


# ---------------------------------------------------------------- the database


def build_database(url: str, loans: int) -> Plan:
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        empty_schema()
        db.create_all()
        stages = getattr(portfolio, "APPLICATION_STAGES", None)  # None: an older generate() made only these
        portfolio.generate(build_world(), loans, **({"stages": stages} if stages else {}))
        if db.engine.dialect.name == "postgresql":
            advance_sequences()
        rows = db.session.execute(sa.select(HumanTask.id, HumanTask.loan_id, HumanTask.name).where(
            HumanTask.state == "ready", HumanTask.loan_id.is_not(None), HumanTask.name.in_(STEPS))
            .order_by(HumanTask.loan_id)).all()
        today = clock.today().isoformat()
        db.session.remove()
        db.engine.dispose()
    return Plan([Task(*row) for row in rows], today)


def empty_schema() -> None:
    """Drop every table of the database, also those of another revision of the models."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.drop_all()


def advance_sequences() -> None:
    """portfolio.generate inserts households, loans and instances with their ids: move PostgreSQL's
    sequences past them, or the first new instance (a disbursement's post-loan process) collides."""
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table.name}\"), false)"))
    db.session.commit()


# ---------------------------------------------------------------- the server


def start_server(url: str, sock, log: Path, workers: int, threads: int, profile_dir: str | None):
    options = ("-w", str(workers), "--keep-alive", "30") + (("-k", "gthread", "--threads", str(threads))
                                                            if threads > 1 else ())
    if profile_dir:
        return serve(url, sock, log, options, "bench.throughput_profile:profiled_app()", {PROFILE_DIR: profile_dir})
    return serve(url, sock, log, options)


# ---------------------------------------------------------------- the checks


@dataclass
class Checks:
    answered_ok: int = 0
    lost: list[str] = field(default_factory=list)  # answered 200, yet not (or not once) in the database
    phantom: list[str] = field(default_factory=list)  # refused, yet something was written
    duplicates: list[tuple] = field(default_factory=list)
    chain_ok: bool = False
    chain_checked: int = 0
    chain_reason: str | None = None


def check(url: str, plan: Plan, answers: dict[int, int]) -> Checks:
    """Compare every attempted task's answer with what the database holds."""
    result = Checks()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        states = dict(db.session.execute(sa.select(HumanTask.id, HumanTask.state)).all())
        tasks_of = defaultdict(Counter)  # loan id → Counter of (name, state)
        for loan_id, name, state in db.session.execute(sa.select(HumanTask.loan_id, HumanTask.name, HumanTask.state)
                                                       .where(HumanTask.loan_id.is_not(None))):
            tasks_of[loan_id][(name, state)] += 1
        completions = Counter(db.session.execute(sa.select(AuditEvent.loan_id, AuditEvent.task_name).where(
            AuditEvent.action == "task_completed", AuditEvent.loan_id.is_not(None))).all())
        statuses = dict(db.session.execute(sa.select(Loan.id, Loan.status)).all())
        for task in plan.tasks:
            if task.id not in answers:
                continue
            ok = answers[task.id] == 200
            result.answered_ok += ok
            problems = problems_of(task, tasks_of[task.loan_id], states[task.id],
                                   completions[(task.loan_id, task.name)], statuses[task.loan_id], ok)
            (result.lost if ok else result.phantom).extend(f"task {task.id} ({task.name}, loan {task.loan_id}): {p}"
                                                           for p in problems)
        result.duplicates = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.process_instance_id, AuditEvent.task_name, sa.func.count())
            .where(AuditEvent.action.in_(("task_completed", "task_claimed")))
            .group_by(AuditEvent.action, AuditEvent.process_instance_id, AuditEvent.task_name)
            .having(sa.func.count() > 1)).all()
        report = audit.verify()
        result.chain_ok, result.chain_checked, result.chain_reason = report.ok, report.checked, report.reason
        db.session.remove()
        db.engine.dispose()
    return result


def problems_of(task: Task, tasks: Counter, state: str, events: int, status: str, ok: bool) -> list[str]:
    """What is wrong with one attempted task: answered 200, it was done once and the loan moved on once;
    refused, nothing about it changed."""
    following = NEXT_STEP[task.name]
    following_rows = sum(n for (name, _), n in tasks.items() if name == following) if following else 0
    done = tasks[(task.name, "completed")]
    if not ok:
        wrong = [] if state == "ready" else [f"refused but {state}"]
        return wrong + ([f"refused but {events} task_completed event(s)"] if events else []) + (
            [f"refused but {following_rows} {following} row(s)"] if following_rows else [])
    wrong = [] if state == "completed" else [f"answered 200 but {state}"]
    if done != 1:
        wrong.append(f"{done} completed {task.name} rows")
    if events != 1:
        wrong.append(f"{events} task_completed events")
    if following and (tasks[(following, "ready")], following_rows) != (1, 1):
        wrong.append(f"{tasks[(following, 'ready')]} ready / {following_rows} {following} rows")
    if following is None and status != FINAL_STATUS:
        wrong.append(f"loan status {status} after disbursement")
    return wrong


# ---------------------------------------------------------------- the report


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] if ordered else 0.0


def report(run: Run, checks: Checks, args, url: str) -> bool:
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    worker = f"gthread x{args.threads}" if args.threads > 1 else "sync"
    mode = " + ".join(["complete"] + (["claim"] if args.claim else []) + (["open form"] if args.open else []))
    print(f"{kind}, gunicorn {args.workers} {worker} worker(s), {args.clients} client(s), {len(run.answers)} tasks "
          f"({mode}); load average {run.load}")
    print(f"{run.timed_ok} completions in {run.wall:.2f} s: {run.timed_ok / run.wall:.1f} completions/s "
          f"(up to {args.warmup} warm-up completions per client not counted)")
    every = [ms for _, ms in run.timings]
    print(f"latency per completion: median {statistics.median(every) if every else 0:.2f} ms, "
          f"p95 {percentile(every, 0.95):.2f} ms; median by step: " + ", ".join(
              f"{step} {statistics.median([ms for name, ms in run.timings if name == step]):.1f} ms"
              for step in STEPS if any(name == step for name, _ in run.timings)))
    errors = {status: n for status, n in sorted(run.statuses.items()) if status >= 300}
    print(f"answers by status: {dict(sorted(run.statuses.items()))}; errors: {errors or 'none'}")
    cpu, per = run.cpu, max(run.timed_ok, 1)
    ours = cpu["gunicorn workers"] + cpu["database"] + cpu["bench clients"]
    # the cores bound the whole; each worker runs its Python on one core at most (threads or not)
    ceiling = min(os.cpu_count() * per / ours if ours else 0.0,
                  min(args.workers, args.clients) * per / cpu["gunicorn workers"] if cpu["gunicorn workers"] else 0.0)
    others = max(cpu["machine busy seconds"] - ours, 0.0)
    print(f"CPU during the run: machine {cpu['machine busy'] * 100:.0f}% busy ({os.cpu_count()} cores), "
          f"gunicorn workers {cpu['gunicorn workers']:.2f} s, database {cpu['database']:.2f} s, "
          f"bench clients {cpu['bench clients']:.2f} s, other processes {others:.2f} s, of {run.wall:.2f} s wall")
    print(f"CPU per completion: gunicorn {cpu['gunicorn workers'] * 1000 / per:.2f} ms + database "
          f"{cpu['database'] * 1000 / per:.2f} ms + clients {cpu['bench clients'] * 1000 / per:.2f} ms = "
          f"{ours * 1000 / per:.2f} ms: at most {ceiling:.0f} completions/s on {os.cpu_count()} otherwise idle cores "
          f"with {min(args.workers, args.clients)} worker(s) busy")
    print(f"checks: {checks.answered_ok} answered 200, {len(checks.lost)} lost updates, "
          f"{len(checks.phantom)} half-written refusals, {len(checks.duplicates)} duplicate audit events, "
          f"audit chain {'ok' if checks.chain_ok else 'BROKEN: ' + str(checks.chain_reason)} "
          f"({checks.chain_checked} events)")
    for line in (checks.lost + checks.phantom)[:10]:
        print("  " + line)
    for row in checks.duplicates[:10]:
        print(f"  duplicate: {tuple(row)}")
    return not checks.lost and not checks.phantom and not checks.duplicates and checks.chain_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=2000, help="loans waiting, spread over the four steps")
    parser.add_argument("--clients", type=int, default=None, help="default: 4 on PostgreSQL, 1 on SQLite")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn worker processes; default: 2 on PostgreSQL, 1 on SQLite (one writer)")
    parser.add_argument("--threads", type=int, default=1, help="above 1: gthread workers with this many threads")
    parser.add_argument("--warmup", type=int, default=2,
                        help="completions per client before the clock starts (at most half its share)")
    parser.add_argument("--claim", action="store_true", help="claim each task before completing it")
    parser.add_argument("--open", action="store_true",
                        help="read each task's form first and send its instance_version")
    parser.add_argument("--profile", action="store_true", help="cProfile and SQL timings inside the workers")
    parser.add_argument("--database-url", default=None, help="Default: a SQLite file in a temporary folder. "
                        "Its tables are dropped and created again.")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    on_postgres = (args.database_url or "").startswith("postgresql")
    args.clients = args.clients or (4 if on_postgres else 1)
    args.workers = args.workers or (2 if on_postgres else 1)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/throughput.db"
        started = time.perf_counter()
        plan = build_database(url, args.loans)
        print(f"{args.loans} loans generated in {time.perf_counter() - started:.1f} s; "
              f"{len(plan.tasks)} tasks waiting; load average {load_average()}")
        profile_dir = Path(tmp) / "profile"
        if args.profile:
            profile_dir.mkdir()
        with listening_socket() as sock:
            server = start_server(url, sock, Path(tmp) / "gunicorn.log", args.workers, args.threads,
                                  str(profile_dir) if args.profile else None)
            try:
                run = drive_clients(sock.getsockname()[1], plan, args.clients, args.warmup, args.claim, args.open,
                                    server, url)
            finally:
                stop_server(server)
        checks = check(url, plan, run.answers)
        whole = report(run, checks, args, url)
        if args.profile:
            print_profile(profile_dir)
    return 0 if whole else 1


if __name__ == "__main__":
    sys.exit(main())
