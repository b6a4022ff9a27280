"""The read side at a district's or a province's size: inbox pages, loan search, 应贷未贷 and its export.

Builds ``--households`` households (two-character Chinese names, valid unique resident IDs, spread over
the townships), two loans out of three in several states (submitted, active, overdue, closed, rejected)
at both banks, with contract numbers, and an inbox row for each open loan in the role its status waits
for (township clerk, rural bureau, bank officer, bank approver). One real application is registered
through the services first; its process instance carries the bulk inbox rows (listing tasks never
reads the workflow). The rows go in with SQLAlchemy Core in batches; the schema comes from the Alembic
migrations (so PostgreSQL gets the expression index of the resident-ID tail).

Then it times the query functions the pages and the API call (``workflows``, not HTTP), each
``--repeat`` times, and prints the median and p95 milliseconds:

- per role: the inbox's first page and a deep page (``--depth`` pages on, reached by cursors);
- loan search (supervisor, whole district) by a two-character name, a resident-ID tail, a contract number;
- 应贷未贷: its first page, and the whole export (write-only workbook) with its time and tracemalloc peak.

SQLite by default (a temporary file); ``--database-url`` for PostgreSQL (an EMPTY database: the bench
migrates it and fills it). Timings on a shared machine are noisy: the load average is printed.
Usage: .venv/bin/python bench/lists.py [--households 3000] [--database-url URL] [--repeat 30] [--depth 20]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from models import Bank, Household, HumanTask, Loan, Township, db  # noqa: E402
from tests.factories import build_world, make_household, register  # noqa: E402
from webapp import create_app  # noqa: E402
from workflows import accounts, clock, exports, loan_queries, resident_id  # noqa: E402
from workflows.reports import households as household_reports  # noqa: E402
from workflows.reports.base import ReportFilters  # noqa: E402
from workflows.tasks import inbox  # noqa: E402

ROLES = ("clerk_hanfeng", "bureau", "officer_rcb", "approver_rcb", "finance", "supervisor")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力"
# status, the role its inbox row waits for (None: no task), share out of 20
STATES = [("submitted", "rural_bureau", 3), ("submitted", "bank_officer", 3), ("approved", "bank_approver", 2),
          ("active", None, 6), ("overdue", "bank_officer", 1), ("closed", None, 3), ("rejected", None, 1),
          ("active", "township_clerk", 1)]
BATCH = 5_000


def name_of(k: int) -> str:
    return SURNAMES[k % len(SURNAMES)] + GIVEN[(k // len(SURNAMES)) % len(GIVEN)]


def id_number_of(k: int) -> str:
    """Unique for k < 16,000 × 1,000: a sequence number, a birthday among 16,000 days from 1961."""
    born = date(1961, 1, 1) + timedelta(days=k // 1000 % 16_000)
    return resident_id.compose("500234", born, k % 1000)


def populate(world, count: int) -> dict:
    """``count`` households, their loans and inbox rows; returns what the timings search for."""
    template = register(world, make_household("hanfeng", born=date(1980, 1, 2)))
    db.session.commit()
    townships = list(db.session.execute(sa.select(Township.id, Township.code)).all())
    banks = list(db.session.scalars(sa.select(Bank.id).order_by(Bank.code)))
    start_household = (db.session.scalar(sa.select(sa.func.max(Household.id))) or 0) + 1
    start_loan = (db.session.scalar(sa.select(sa.func.max(Loan.id))) or 0) + 1
    shares = [state for state in STATES for _ in range(state[2])]
    instance_id = world_instance(template)
    now, today = clock.now(), clock.today()
    loan_number = 0
    for first in range(0, count, BATCH):
        households, loans, tasks = [], [], []
        for k in range(first, min(count, first + BATCH)):
            township_id = townships[k % len(townships)][0]
            household_id = start_household + k
            households.append({"id": household_id, "id_number": id_number_of(k), "name": name_of(k),
                               "township_id": township_id, "category": "poverty_lifted" if k % 4 else "marginal",
                               "removed": False, "dishonest": False, "created_at": now, "updated_at": now})
            if k % 3 == 2:
                continue  # a household without a loan: 应贷未贷 when of age
            status, role, _share = shares[k % len(shares)]
            loan_id = start_loan + loan_number
            loan_number += 1
            bank_id = banks[k % len(banks)]
            disbursed = status in ("active", "overdue", "closed")
            loans.append({"id": loan_id, "household_id": household_id, "township_id": township_id, "bank_id": bank_id,
                          "kind": "new", "status": status, "applicant_id_number": id_number_of(k),
                          "amount": Decimal(10_000 + (k % 5) * 5_000), "term_months": 36,
                          "purpose_category": "planting", "purpose": "种植", "applied_on": today - timedelta(days=k % 700),
                          "contract_number": f"HT{loan_id:09d}" if disbursed else None,
                          "maturity_date": today + timedelta(days=365 + k % 700) if disbursed else None,
                          "principal_outstanding": Decimal("0.00"), "subsidised_principal": Decimal("0.00"),
                          "covered_principal": Decimal("0.00"), "extension_count": 0, "days_past_due": 0,
                          "risk_class": "normal", "created_at": now, "updated_at": now})
            if role:
                tasks.append({"process_instance_id": instance_id, "loan_id": loan_id,
                              "spiff_task_id": str(uuid.UUID(int=loan_id)),
                              "name": {"rural_bureau": "confirm_household", "bank_officer": "investigate_credit",
                                       "bank_approver": "approve_loan", "township_clerk": "collect_documents"}[role],
                              "title": "bench", "form": "bench", "role": role, "township_id": township_id,
                              "bank_id": bank_id if role.startswith("bank") else None, "state": "ready",
                              "created_at": now - timedelta(minutes=k % 10_000),
                              "due_at": None if k % 50 == 0 else now + timedelta(hours=k % 500)})
        db.session.execute(sa.insert(Household), households)
        if loans:
            db.session.execute(sa.insert(Loan), loans)
        if tasks:
            db.session.execute(sa.insert(HumanTask), tasks)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
    contract = db.session.scalar(sa.select(Loan.contract_number).where(Loan.contract_number.is_not(None))
                                 .order_by(Loan.id.desc()).limit(1))
    return {"name": name_of(count // 2), "tail": id_number_of(count // 2)[-4:], "contract": contract[:8]}


_instances: dict[int, int] = {}


def world_instance(loan) -> int:
    """The process instance of the template application (its inbox rows' instance)."""
    if loan.id not in _instances:
        _instances[loan.id] = db.session.scalar(sa.text("SELECT id FROM process_instances WHERE loan_id = :id"),
                                                {"id": loan.id})
    return _instances[loan.id]


def timings(call, repeat: int) -> tuple[float, float]:
    values = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        values.append((time.perf_counter() - start) * 1000)
        db.session.rollback()  # nothing cached in the session between runs
    values.sort()
    return statistics.median(values), values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def show(label: str, figures: tuple[float, float]) -> None:
    print(f"  {label:<46} median {figures[0]:8.2f} ms   p95 {figures[1]:8.2f} ms")


def deep_cursor(user, view: str, depth: int) -> tuple[str | None, int]:
    """The cursor of page ``depth`` (or of the last page there is) and that page's number."""
    cursor, number = None, 1
    while number < depth:
        page = inbox.inbox_page(user, view=view, cursor=cursor, count=False)
        if not page.next_cursor:
            break
        cursor, number = page.next_cursor, number + 1
    return cursor, number


def run(households: int, repeat: int, depth: int) -> None:
    world = build_world()
    started = time.perf_counter()
    search = populate(world, households)
    loans = db.session.scalar(sa.select(sa.func.count()).select_from(Loan))
    tasks = db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(HumanTask.state == "ready"))
    print(f"{households:,} households, {loans:,} loans, {tasks:,} ready tasks on {db.engine.dialect.name} "
          f"(built in {time.perf_counter() - started:.1f} s)")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} (a shared machine: figures are noisy)")
    print("inbox (workflows.tasks.inbox.inbox_page, 25 rows, capped count):")
    for username in ROLES:
        user = world.users[username]
        view = "all" if inbox.may_view_all(user) else "available"
        show(f"{username} first page", timings(lambda: inbox.inbox_page(user, view=view), repeat))
        cursor, number = deep_cursor(user, view, depth)
        show(f"{username} page {number}", timings(lambda: inbox.inbox_page(user, view=view, cursor=cursor), repeat))
        db.session.rollback()
    print("loan search (workflows.loan_queries.search_loans, supervisor, 20 rows, capped count):")
    supervisor = world.users["supervisor"]
    for label, text in (("two-character name", search["name"]), ("resident-ID tail", search["tail"]),
                        ("contract number prefix", search["contract"])):
        filters = loan_queries.LoanFilters(q=text)
        found = loan_queries.search_loans(supervisor, filters)
        show(f"{label} {text!r} ({found.total_text} found)",
             timings(lambda: loan_queries.search_loans(supervisor, filters), repeat))
    print("应贷未贷 (workflows.reports.households, bureau):")
    bureau = world.users["bureau"]
    filters = ReportFilters(clock.today().replace(month=1, day=1), clock.today())
    first = household_reports.eligible_not_borrowing(bureau, filters)
    show(f"first page of {first.summary['households']:,} households",
         timings(lambda: household_reports.eligible_not_borrowing(bureau, filters), max(3, repeat // 3)))
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        start = time.perf_counter()
        exports.write_xlsx([("应贷未贷", ["户主", "身份证", "镇", "村", "类别", "年龄"],
                             household_reports.eligible_rows(bureau, filters))], out)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        size = out.tell()
    print(f"  export of {first.summary['households']:,} rows: {seconds:.2f} s, tracemalloc peak "
          f"{peak / 2**20:.2f} MiB, file {size / 2**20:.2f} MiB")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--depth", type=int, default=20, help="the deep inbox page timed")
    args = parser.parse_args()
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/lists.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
        with app.app_context():
            flask_migrate.upgrade()
            run(args.households, args.repeat, args.depth)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
