"""Query latency and memory on a province's database (bench/portfolio.py): the figures of docs/scale.md.

On the database at ``--database-url`` it times, ``--repeat`` times each, with the app's own functions:
the inbox's first page (``inbox.inbox_page``, counted) and the task-kind menu (``inbox.task_names``) of
every role, and the inbox page itself through the real view (Flask test client, signed in); a deep
inbox page (``--depth`` pages down by cursor); the loan search (``loan_queries.search_loans``) by a
two-character name, a resident ID's last four characters and a contract number; a loan's page
(``GET /loans/<id>``); every report (``reports.run``) for the district. It prints median and p95 in
ms against the targets (inbox and task list 20 ms, search and loan page 50 ms, report 1 s) and, for
a check over its target, the EXPLAIN ANALYZE of its slowest statement. Then, apart (tracing slows
Python), the tracemalloc peak of one round of everything, and the process's peak resident memory.
Without ``--database-url`` it first generates a small SQLite province (``--loans``) in a temporary folder.
Usage: .venv/bin/python bench/province.py --database-url postgresql+psycopg://…/province [--repeat 30]
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the repository: bench/ is not installed

import sqlalchemy as sa  # noqa: E402

from bench import portfolio  # noqa: E402
from models import Household, HumanTask, Loan, User, db  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import clock, keyset, loan_queries, reports  # noqa: E402
from workflows.demo_data import DEMO_PASSWORD  # noqa: E402
from workflows.tasks import delegations, inbox  # noqa: E402

ROLES = ("clerk_hanfeng", "bureau", "officer_rcb", "approver_rcb", "finance", "supervisor")
TARGET_MS = {"inbox": 20, "tasks": 20, "page": 20, "deep": 20, "search": 50, "loan": 50, "report": 1000}
PAGE_SIZE = 25  # webapp/inbox.py's


@dataclass
class Check:
    label: str
    kind: str  # a TARGET_MS key
    call: Callable[[], object]


class Statements:
    """The SQL each call sends, with its duration: the slowest one of a slow check is EXPLAINed."""

    def __init__(self, engine) -> None:
        self.seen: list[tuple[float, str, object]] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append((time.perf_counter() - conn.info.pop("bench_started"), statement, parameters))

    @contextmanager
    def recording(self):
        self.seen = []
        yield self


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def signed_in(app, username: str):
    client = app.test_client()
    answer = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"cannot sign in as {username}: {answer.status_code}")
    return client


def get(client, path: str) -> Callable[[], int]:
    def call() -> int:
        status = client.get(path).status_code
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        return status
    return call


def inbox_services(user: User, cursor: str | None = None):
    """What the inbox view asks (webapp/inbox.py ``index``) with the same arguments: today's stand-ins
    once, the capped counts per kind (which give the view's count), the kinds menu, the brief page."""
    view = "all" if inbox.may_view_all(user) else "available"
    stand_ins = delegations.stand_ins(user)
    counts = inbox.counts_by_task(user, view, up_to=keyset.CAP + 1, stand_ins=stand_ins)
    inbox.task_names(user, view)
    return inbox.inbox_page(user, view=view, cursor=cursor, limit=PAGE_SIZE, view_size=sum(counts.values()),
                            stand_ins=stand_ins, brief=True, count=False)


class TokenClient:
    """A test client that sends the API's bearer token of a user (``POST /api/v1/tokens``)."""

    def __init__(self, app, username: str) -> None:
        self.client = app.test_client()
        answer = self.client.post("/api/v1/tokens", json={"username": username, "password": DEMO_PASSWORD})
        if answer.status_code != 201:
            raise SystemExit(f"no API token for {username}: {answer.status_code}")
        self.headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}

    def get(self, path: str):
        return self.client.get(path, headers=self.headers)


def with_token(app, username: str) -> TokenClient:
    return TokenClient(app, username)


def deep_cursor(user: User, depth: int) -> str | None:
    """The cursor of the inbox page ``depth`` pages down (following next_cursor)."""
    cursor = None
    for _ in range(depth):
        page = inbox_services(user, cursor)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    db.session.rollback()
    return cursor


def checks(app, rng: random.Random, depth: int) -> list[Check]:
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(ROLES)))}
    found: list[Check] = []
    for username in ROLES:
        user = users[username]
        found.append(Check(f"inbox services    {username}", "inbox", lambda user=user: inbox_services(user)))
        found.append(Check(f"GET /inbox        {username}", "page", get(signed_in(app, username), "/inbox")))
        found.append(Check(f"GET /api/v1/tasks {username}", "tasks", get(with_token(app, username), "/api/v1/tasks")))
    bureau = users["bureau"]
    cursor = deep_cursor(bureau, depth)
    found.append(Check(f"inbox page {depth} down bureau", "deep", lambda: inbox_services(bureau, cursor)))
    sample = db.session.execute(sa.select(Loan.id, Household.name, Household.id_number, Loan.contract_number)
                                .join(Household).where(Loan.contract_number.is_not(None))
                                .order_by(sa.func.random()).limit(200)).all()
    db.session.rollback()
    search = lambda q: loan_queries.search_loans(bureau, loan_queries.LoanFilters(q=q))  # noqa: E731
    found.append(Check("loan search 2-char name", "search", lambda: search(rng.choice(sample).name[:2])))
    found.append(Check("loan search ID tail 4", "search", lambda: search(rng.choice(sample).id_number[-4:])))
    found.append(Check("loan search contract no.", "search", lambda: search(rng.choice(sample).contract_number)))
    found.append(Check("inbox search 2-char name", "search",
                       lambda: inbox.inbox_page(bureau, q=rng.choice(sample).name[:2], brief=True)))
    client = signed_in(app, "bureau")
    found.append(Check("GET /loans/<id>", "loan", lambda: get(client, f"/loans/{rng.choice(sample).id}")()))
    month_end = clock.today().replace(day=1) - timedelta(days=1)  # 月末: the history's rows, not the loans'
    for name in reports.REPORTS:
        filters = reports.filters_for(name, {})
        found.append(Check(f"report {name}", "report", lambda name=name, filters=filters:
                           reports.run(bureau, name, filters)))
    for name in (name for name, definition in reports.REPORTS.items() if definition.as_of):
        filters = reports.filters_for(name, {"to": month_end.isoformat()})
        found.append(Check(f"report {name} as of {month_end}", "report", lambda name=name, filters=filters:
                           reports.run(bureau, name, filters)))
    return found


def timed(check: Check, repeat: int, statements: Statements) -> tuple[list[float], tuple]:
    timings, slowest = [], (0.0, "", None)
    for _ in range(repeat):
        with statements.recording():
            started = time.perf_counter()
            check.call()
            timings.append((time.perf_counter() - started) * 1000)
        db.session.rollback()  # no identity map carried from one call to the next
        slowest = max([slowest, *statements.seen], key=lambda seen: seen[0])
    return timings, slowest


def explain(statement: str, parameters) -> str:
    with db.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            return "  (EXPLAIN ANALYZE shown on PostgreSQL only)"
        rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
    return "\n".join("    " + row[0] for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a generated database (bench/portfolio.py); without it, a small "
                        "SQLite one of --loans loans is generated in a temporary folder first (a dry run)")
    parser.add_argument("--loans", type=int, default=200, help="without --database-url: loans to generate")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--depth", type=int, default=40, help="pages down for the deep inbox page")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    if args.database_url:
        measure(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        args.database_url = f"sqlite:///{tmp}/province.db"
        portfolio.build(args.database_url, args.loans, townships=4, chunk=500)
        measure(args)


def measure(args) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        loans = db.session.scalar(sa.select(sa.func.count()).select_from(Loan))
        ready = db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(HumanTask.state == "ready"))
        print(f"{loans} loans, {ready} ready tasks; {args.repeat} calls each (ms)")
        statements = Statements(db.engine)
        found = checks(app, random.Random(7), args.depth)
        over = []
        for check in found:
            check.call()  # warm: first-use imports and template compilation are not the figure
            db.session.rollback()
            timings, slowest = timed(check, args.repeat, statements)
            p95, target = percentile(timings, 0.95), TARGET_MS[check.kind]
            mark = "ok" if p95 <= target else "OVER"
            print(f"{check.label:40} median {percentile(timings, 0.5):8.2f} ms  p95 {p95:8.2f} ms  "
                  f"(target {target} ms) {mark}", flush=True)
            if p95 > target:
                over.append((check, slowest))
        for check, (seconds, statement, parameters) in ([] if args.no_explain else over):
            print(f"\n{check.label}: slowest statement {seconds * 1000:.1f} ms\n  {statement[:300]}…\n"
                  f"{explain(statement, parameters)}")
        tracemalloc.start()
        for check in found:
            check.call()
            db.session.rollback()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"\ntracemalloc peak of one round of every call: {peak / 2**20:.1f} MiB")
        print(f"process peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
