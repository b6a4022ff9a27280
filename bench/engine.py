"""Task completion through the service layer (with commit) vs raw SpiffWorkflow in memory.

Prints median and p95 milliseconds per completion for the real ``microcredit_loan`` diagram on
SQLite, the SQL statements per step, the ratio to the bare engine with SpiffWorkflow's own state
load and dump (target <= 3; and to the engine with this app's faster, pruned and compressed one), the stored instance state size, and the database bytes per loan taken from
application to disbursement, audit events included (target <= 6 KB; SQLite pages after VACUUM), with
each table's and index's share.
Usage: .venv/bin/python bench/engine.py [--loans 200]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests/ is not installed

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter  # noqa: E402
from SpiffWorkflow.task import Task  # noqa: E402

from models import HumanTask, ProcessInstance, db  # noqa: E402
from tests.factories import APPROVAL, INVESTIGATION, make_household, register  # noqa: E402
from bench.scratch import scratch_world  # noqa: E402
from workflows import clock, deployment, engine, post_loan  # noqa: E402
from workflows.tasks import service as task_service  # noqa: E402

STEPS = [("confirm_eligibility", "bureau", {"eligible": True, "eligibility_note": "ok"}),
         ("investigate_credit", "officer_rcb", INVESTIGATION), ("approve_loan", "approver_rcb", APPROVAL),
         ("disburse_loan", "officer_rcb", {"contract_number": "KZ", "disbursed_on": None, "account_number": "6228"})]


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` (0..1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def service_timings(world, count: int) -> tuple[list[float], list[int], dict[str, list[int]]]:
    """Milliseconds per ``workflows.tasks.service.complete_task`` (commit included), the stored state
    size per loan, and the SQL statements of each step (each completion starts on an empty session,
    as a request does; the actor's user comes with it, as the request's authentication loads it)."""
    timings, sizes, statements = [], [], {name: [] for name, _, _ in STEPS}
    actors = {user: world.actor(user) for _, user, _ in STEPS}
    counter = [0]
    event.listen(db.engine, "before_cursor_execute", lambda *args: counter.__setitem__(0, counter[0] + 1))
    for _ in range(count):
        loan_id = register(world, make_household()).id
        for name, user, data in STEPS:
            task_id = db.session.scalars(sa.select(HumanTask.id).filter_by(loan_id=loan_id, name=name, state="ready")).one()
            data = {**data, "disbursed_on": clock.today()} if name == "disburse_loan" else data
            db.session.remove()
            actor = actors[user]
            start, counter[0] = time.perf_counter(), 0
            task_service.complete_task(actor, task_id, data)
            timings.append((time.perf_counter() - start) * 1000)
            statements[name].append(counter[0])
        sizes.append(len(db.session.scalars(sa.select(ProcessInstance.state).filter_by(loan_id=loan_id)).one()))
    return timings, sizes, statements


def database_bytes() -> tuple[int, dict[str, int]]:
    """The SQLite file's used size (pages after VACUUM times the page size) and the bytes of each table
    and index (SQLite's ``dbstat``; empty where SQLite was built without it)."""
    db.session.commit()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("VACUUM")
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        try:
            parts = dict(connection.exec_driver_sql("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").all())
        except sa.exc.OperationalError:
            parts = {}
        return pages * connection.exec_driver_sql("PRAGMA page_size").scalar(), parts


def print_bytes_by_part(before: dict[str, int], after: dict[str, int], loans: int) -> None:
    """Each table's and index's bytes per loan, largest first (what to shrink to reach the target)."""
    grown = {name: (size - before.get(name, 0)) / loans for name, size in after.items()}
    shown = [(name, size) for name, size in sorted(grown.items(), key=lambda item: -item[1]) if size >= 1]
    for name, size in shown[:12]:
        print(f"  {name:45} {size:8,.0f} bytes per loan")
    if len(shown) > 12:
        print(f"  {len(shown) - 12} more tables and indexes {sum(size for _, size in shown[12:]):8,.0f} bytes per loan")


def raw_step_data(name: str, data: dict) -> dict:
    """The task data the service layer would hand the engine for step ``name``.

    For ``disburse_loan`` that is the first post-loan timer (``next_check_at``, ``check_kind``) and
    ``post_loan_result``, as ``loan_steps.DisburseLoan.before`` adds them; the diagram's post-loan
    timer needs ``next_check_at``. Computed before timing: it reads the policy settings.
    """
    if name != "disburse_loan":
        return data
    day = clock.today()
    maturity = post_loan.maturity_of(day, APPROVAL["approved_term_months"])
    return {**data, "disbursed_on": day, **post_loan.next_check(day, maturity, day, None),
            "post_loan_result": "closed"}


def stock_serializer():
    """SpiffWorkflow's own state: its task converter, every task kept, the JSON not compressed (the
    spec is not embedded, as in the engine's)."""
    stock = engine._build_serializer()
    TaskConverter(Task, stock.registry)  # registering a class again replaces its converter
    return stock


def raw_timings(count: int, state_io: str | None = None) -> list[float]:
    """In memory; ``state_io`` adds loading and dumping the state around each completion: "ours" as the
    app stores it (``engine.load_state``/``dump_state``: pruned, compressed), "stock" as SpiffWorkflow does."""
    stock = stock_serializer()

    def load(text):
        if state_io == "ours":
            return engine.load_state(parsed, text)
        dct = json.loads(text)
        stock.migrate(dct)
        workflow = stock.from_dict(dct, spec=parsed.spec, subprocess_specs=parsed.subprocess_specs)
        workflow.script_engine = engine.SCRIPT_ENGINE
        return workflow

    def dump(workflow):
        return engine.dump_state(workflow) if state_io == "ours" else stock.serialize_json(workflow)

    parsed = engine.parse_sources("microcredit_loan", deployment.bundled_sources())
    facts = {"applicant_age": 40, "on_list": True, "removed": False, "dishonest": False,
             "household_total": Decimal("30000")}
    application = {"id_number": "x", "bank": "cqrcb", "amount": Decimal("30000"), "term_months": 12,
                   "purpose_category": "breeding", "purpose": "x", "kind": "new", **facts}
    steps = [raw_step_data(name, data) for name, _, data in STEPS]
    timings = []
    for _ in range(count):
        workflow = engine.new_workflow(parsed, {"loan_id": 1})
        engine.run_engine(workflow)
        (task,) = engine.ready_user_tasks(workflow)
        engine.complete_user_task(workflow, task, application)
        for data in steps:
            state = dump(workflow) if state_io else None
            start = time.perf_counter()
            if state_io:
                workflow = load(state)
            (task,) = engine.ready_user_tasks(workflow)
            engine.complete_user_task(workflow, task, data)
            if state_io:
                dump(workflow)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=200)
    args = parser.parse_args()
    with scratch_world() as (_, world):
        register(world, make_household())  # the first loan warms the caches; the size counts from here
        empty, empty_parts = database_bytes()
        service, sizes, statements = service_timings(world, args.loans)
        full, full_parts = database_bytes()
        per_loan = (full - empty) / args.loans
        raw = raw_timings(args.loans)
        raw_stock = raw_timings(args.loans, "stock")
        raw_state = raw_timings(args.loans, "ours")
    s_med, s_p95 = statistics.median(service), percentile(service, 0.95)
    r_med, r_p95 = statistics.median(raw), percentile(raw, 0.95)
    print(f"loans: {args.loans}, completions: {len(service)} (service), {len(raw)} (raw)")
    print(f"service layer (SQLite, with commit): median {s_med:.2f} ms, p95 {s_p95:.2f} ms")
    print(f"raw SpiffWorkflow in memory:        median {r_med:.2f} ms, p95 {r_p95:.2f} ms")
    print(f"raw + SpiffWorkflow's state load/dump: median {statistics.median(raw_stock):.2f} ms, "
          f"p95 {percentile(raw_stock, 0.95):.2f} ms (its converter, every task, JSON text)")
    print(f"raw + this app's state load/dump:     median {statistics.median(raw_state):.2f} ms, "
          f"p95 {percentile(raw_state, 0.95):.2f} ms (pruned, compressed: workflows/state_*.py)")
    print(f"ratio service/raw: median {s_med / r_med:.1f}, p95 {s_p95 / r_p95:.1f}")
    print(f"ratio service/(raw + SpiffWorkflow's state load/dump): median "
          f"{s_med / statistics.median(raw_stock):.1f} (target <= 3)")
    print(f"ratio service/(raw + this app's state load/dump): median {s_med / statistics.median(raw_state):.1f}")
    for name, counts in statements.items():
        print(f"SQL statements, {name}: {statistics.median(counts):.0f} (min {min(counts)}, max {max(counts)})")
    every = [c for counts in statements.values() for c in counts]
    print(f"SQL statements per completion: mean {statistics.mean(every):.1f}")
    print(f"stored instance state after disbursement: median {statistics.median(sizes):.0f} bytes "
          f"(compressed JSON, workflows/state_codec.py; target <= 8192)")
    print(f"database bytes per loan, application to disbursement, audit included: {per_loan:,.0f} "
          f"(target <= 6,144)")
    print_bytes_by_part(empty_parts, full_parts, args.loans)


if __name__ == "__main__":
    main()
