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
import atexit
import cProfile
import http.client
import json
import os
import pstats
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: bench/ and tests/ are not installed

import sqlalchemy as sa  # noqa: E402

from bench import portfolio  # noqa: E402
from bench.web import exit_on_sigterm, listening_socket, serve, stop_server  # noqa: E402
from models import AuditEvent, HumanTask, Loan, db  # noqa: E402
from tests.factories import PASSWORD, STEPS, build_world  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import accounts, audit, clock  # noqa: E402

PROFILE_DIR = "THROUGHPUT_PROFILE_DIR"  # set for the workers by --profile (see ``profiled_app``)
NEXT_STEP = dict(zip(STEPS, STEPS[1:] + (None,)))
FINAL_STATUS = "active"  # the loan's status once disbursed


def payloads(today: str) -> dict[str, tuple[str, dict]]:
    """Who completes each step and the JSON body they send."""
    return {
        "confirm_eligibility": ("bureau", {"eligible": True, "eligibility_note": "bench"}),
        "investigate_credit": ("officer_rcb", {"grade": "AAA", "recommended_amount": "30000.00",
                                               "recommended_term_months": 12, "investigation_report": "bench"}),
        "approve_loan": ("approver_rcb", {"decision": "approve", "approved_amount": "30000.00",
                                          "approved_term_months": 12, "annual_rate": "3.00",
                                          "approval_comment": "bench"}),
        "disburse_loan": ("officer_rcb", {"contract_number": "KZ-BENCH", "disbursed_on": today,
                                          "account_number": "6228480000001"}),
    }


@dataclass(frozen=True)
class Task:
    id: int
    loan_id: int
    name: str


@dataclass
class Plan:
    """The tasks to complete, and the business date the server will run on."""

    tasks: list[Task]
    today: str


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
        return serve(url, sock, log, options, "bench.throughput:profiled_app()", {PROFILE_DIR: profile_dir})
    return serve(url, sock, log, options)


def worker_pids(server: subprocess.Popen) -> list[int]:
    return [int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
            .stdout.split()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def database_backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the bench's database now (the workers' pooled connections)."""
    if not url.startswith("postgresql"):
        return []
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        pids = connection.scalars(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                          "AND pid <> pg_backend_pid()")).all()
    engine.dispose()
    return list(pids)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------- the clients


class Client(threading.Thread):
    """One API client: its own connection, its own loans, one token per user it acts as."""

    def __init__(self, port: int, tasks: list[Task], today: str, warmup: int, start: threading.Barrier,
                 claim: bool, open_form: bool):
        super().__init__(daemon=True)
        self.port, self.tasks, self.warmup, self.start_together = port, tasks, warmup, start
        self.bodies, self.claim, self.open_form = payloads(today), claim, open_form
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.tokens: dict[str, str] = {}
        self.answers: dict[int, int] = {}  # task id → status of its completion
        self.timings: list[tuple[str, float]] = []  # (step, ms) per timed completion (with claim and form read)
        self.statuses: Counter = Counter()  # every answer of the timed phase, by status
        self.failure: BaseException | None = None

    def request(self, method: str, path: str, username: str | None, body: dict | None = None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if username:
            headers["Authorization"] = "Bearer " + self.tokens[username]
        self.connection.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                                headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def sign_in(self) -> None:
        for username in {username for username, _ in self.bodies.values()}:
            status, body = self.request("POST", "/api/v1/tokens", None, {"username": username, "password": PASSWORD})
            if status != 201:
                raise RuntimeError(f"token for {username}: {status} {body[:200]!r}")
            self.tokens[username] = json.loads(body)["token"]
        status, body = self.request("GET", "/api/v1/tasks", "bureau")  # the list a client starts from
        if status != 200 or not json.loads(body)["items"]:
            raise RuntimeError(f"GET /api/v1/tasks: {status} {body[:200]!r}")

    def complete(self, task: Task, timed: bool) -> None:
        username, body = self.bodies[task.name]
        started = time.perf_counter()
        answers = []
        if self.claim:
            answers.append(self.request("POST", f"/api/v1/tasks/{task.id}/claim", username, {})[0])
        if self.open_form:
            status, form = self.request("GET", f"/api/v1/tasks/{task.id}", username)
            answers.append(status)
            if status == 200:
                body = {**body, "instance_version": json.loads(form)["instance_version"]}
        status = self.request("POST", f"/api/v1/tasks/{task.id}/complete", username, body)[0]
        answers.append(status)
        self.answers[task.id] = status
        if timed:
            self.timings.append((task.name, (time.perf_counter() - started) * 1000))
            self.statuses.update(answers)

    def run(self) -> None:
        try:
            self.sign_in()
            for task in self.tasks[:self.warmup]:
                self.complete(task, timed=False)
        except BaseException as exc:  # reported by the main thread
            self.failure = exc
            self.start_together.abort()
            return
        try:
            self.start_together.wait()
            for task in self.tasks[self.warmup:]:
                self.complete(task, timed=True)
        except BaseException as exc:
            self.failure = exc
        finally:
            self.connection.close()


def share_out(tasks: list[Task], clients: int) -> list[list[Task]]:
    """Each client its own loans (one ready task per loan), every step mixed in each share."""
    shares: list[list[Task]] = [[] for _ in range(clients)]
    for i, task in enumerate(tasks):
        shares[i % clients].append(task)
    return shares


@dataclass
class Run:
    wall: float
    timings: list[tuple[str, float]]
    statuses: Counter
    answers: dict[int, int]
    timed_ok: int
    cpu: dict[str, float] = field(default_factory=dict)
    load: str = ""


def drive_clients(port: int, plan: Plan, clients: int, warmup: int, claim: bool, open_form: bool,
                  server: subprocess.Popen, url: str) -> Run:
    start = threading.Barrier(clients + 1, timeout=600)
    threads = [Client(port, share, plan.today, min(warmup, len(share) // 2), start, claim, open_form)
               for share in share_out(plan.tasks, clients)]
    for thread in threads:
        thread.start()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        pass
    workers, backends = worker_pids(server), database_backends(url)
    before = ({pid: cpu_seconds(pid) for pid in workers + backends}, machine_ticks(),
              resource.getrusage(resource.RUSAGE_SELF))
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    load = load_average()
    busy, total = machine_ticks()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    failures = [t.failure for t in threads if t.failure is not None]
    if failures:
        raise RuntimeError(f"{len(failures)} client(s) failed; the first: {failures[0]!r}") from failures[0]
    cpu = {"machine busy": (busy - before[1][0]) / max(total - before[1][1], 1),
           "machine busy seconds": (busy - before[1][0]) / os.sysconf("SC_CLK_TCK"),
           "gunicorn workers": sum(cpu_seconds(pid) - before[0][pid] for pid in workers),
           "database": sum(cpu_seconds(pid) - before[0][pid] for pid in backends),
           "bench clients": (mine.ru_utime + mine.ru_stime) - (before[2].ru_utime + before[2].ru_stime)}
    answers = {k: v for t in threads for k, v in t.answers.items()}
    timed_ok = sum(1 for t in threads for task in t.tasks[t.warmup:] if t.answers.get(task.id) == 200)
    statuses = sum((t.statuses for t in threads), Counter())
    return Run(wall, [ms for t in threads for ms in t.timings], statuses, answers, timed_ok, cpu, load)


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


# ---------------------------------------------------------------- profiling inside a worker


SKIPPED = 2  # each worker's first completions (the diagrams' parse, first queries) are left out of the profile


def profiled_app():
    """The app for ``--profile``: the task completions after each worker's first ``SKIPPED`` under cProfile
    (CPU time), and their SQL statements counted and timed (wall time), written to
    ``$THROUGHPUT_PROFILE_DIR/<pid>.*`` when the worker exits (gunicorn's sync worker)."""
    app = create_app()
    out = Path(os.environ[PROFILE_DIR])
    profile = cProfile.Profile(time.process_time)  # CPU, not wall: waits for the database are SQL's
    sql: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])  # statement → [count, seconds]
    seen = Counter()  # requests by kind; "profiled": completions profiled
    watching = threading.local()
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _started(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _finished(conn, cursor, statement, parameters, context, executemany):
        if getattr(watching, "on", False):
            entry = sql[statement_key(statement)]
            entry[0] += 1
            entry[1] += time.perf_counter() - conn.info["bench_started"]

    inner = app.wsgi_app

    def wsgi(environ, start_response):
        kind = request_kind(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        seen[kind] += 1
        if not kind.endswith("/complete") or seen[kind] <= SKIPPED:
            return inner(environ, start_response)
        seen["profiled"] += 1
        watching.on = True
        profile.enable()
        try:
            return list(inner(environ, start_response))
        finally:
            profile.disable()
            watching.on = False

    def dump():
        profile.dump_stats(str(out / f"{os.getpid()}.prof"))
        (out / f"{os.getpid()}.json").write_text(json.dumps({"requests": seen, "sql": sql}))

    app.wsgi_app = wsgi
    atexit.register(dump)
    return app


def statement_key(statement: str) -> str:
    text = re.sub(r"\s+", " ", statement).strip()
    text = re.sub(r"\(__\[POSTCOMPILE_\w+\]\)|IN \([^)]*\)", "IN (…)", text)
    return text[:160]


def request_kind(method: str, path: str) -> str:
    return f"{method} {re.sub(r'/[0-9]+', '/<id>', path)}"


def print_profile(directory: Path, top: int = 20) -> None:
    """The SQL statements (wall time: PostgreSQL's work, waits for locks) and the functions (CPU time of
    the worker) per completion, summed over the workers; every request is counted, completions dominate."""
    files = sorted(directory.glob("*.prof"))
    if not files:
        print("profile: no worker wrote its profile")
        return
    stats = pstats.Stats(*(str(f) for f in files))
    requests, sql = Counter(), defaultdict(lambda: [0, 0.0])
    for part in directory.glob("*.json"):
        data = json.loads(part.read_text())
        requests.update(data["requests"])
        for key, (n, seconds) in data["sql"].items():
            sql[key][0] += n
            sql[key][1] += seconds
    per = max(requests.pop("profiled", 0), 1)
    cpu = sum(own for _, _, own, _, _ in stats.stats.values())
    print(f"profile of {per} completions over {len(files)} worker(s) (cProfile's overhead inflates CPU about "
          f"threefold: compare shares, not totals); requests: {dict(requests)}")
    print(f"worker CPU {cpu * 1000 / per:.2f} ms, SQL {sum(n for n, _ in sql.values()) / per:.1f} statements taking "
          f"{sum(s for _, s in sql.values()) * 1000 / per:.2f} ms (wall) per completion")
    for key, (n, seconds) in sorted(sql.items(), key=lambda kv: -kv[1][1])[:top]:
        print(f"  {n / per:5.2f} x {seconds * 1000 / per:6.2f} ms  {key}")
    ours = [(key, row) for key, row in stats.stats.items()
            if key[0].startswith(str(ROOT)) and "site-packages" not in key[0]]
    print("project functions by cumulative CPU, ms per completion:")
    for (filename, line, name), (_, calls, _, cumulative, _) in sorted(ours, key=lambda kv: -kv[1][3])[:2 * top]:
        print(f"  {cumulative * 1000 / per:7.2f} ms {calls / per:6.1f} calls  {short_path(filename)}:{line} {name}")
    print("all functions by own CPU, ms per completion:")
    for (filename, line, name), (_, calls, own, _, _) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]:
        print(f"  {own * 1000 / per:7.2f} ms {calls / per:8.1f} calls  {short_path(filename)}:{line} {name}")
    libraries: Counter = Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        libraries[library_of(filename)] += own
    print("own CPU by package, ms per completion: " + ", ".join(
        f"{name} {seconds * 1000 / per:.1f}" for name, seconds in libraries.most_common(12)))


def library_of(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(ROOT)):  # the project's packages (the venv's are site-packages above)
        return filename[len(str(ROOT)) + 1:].split("/", 1)[0]
    return "python" if filename.startswith(("/", "<")) else "builtins"


def short_path(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


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
