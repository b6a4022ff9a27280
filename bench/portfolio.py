"""A bulk generator of loans at every stage: a province's million on PostgreSQL, or a few thousand on SQLite.

ONE template loan per stage (every step of the approval waiting, disbursed with each post-loan task
waiting, extended, at maturity, recovering, closed…) is driven through the real services, the same
way the tests reach each task (``tests/factories_tasks.REACH``). Its rows are read back at once (a
later timer sweep may move the template on; the clones keep the stage) and cloned in chunks: the
household (a valid, unique resident ID, a name, a township among ``--townships``), the loan (its
contract number made unique), its process instances (the template's serialized state with the
clone's loan id, resident ID and contract number and fresh task UUIDs), inbox rows, exclusions,
repayment schedule, repayments, fund entries and audit events. The audit events of the clones are
chained after the templates' in one place, ``chain_audit``, with ``workflows.audit.event_hash``, so
``flask audit verify`` passes on the result.

On PostgreSQL (``main``: a fresh database, schema by the Alembic migrations) the clones go in with
``COPY`` (psycopg 3) with foreign-key triggers off for the session (the ids are consistent by
construction) and the secondary indexes dropped first and built again at the end, then ``VACUUM (ANALYZE)``.
On SQLite (``generate``, for bench/web.py) the same rows go in with SQLAlchemy Core inserts.

Beside the loans, the district's processes without a loan run through the real services: four
quarters of interest-subsidy settlements per bank and a fund top-up 30 days late (``process_tasks``).

Usage: .venv/bin/python bench/portfolio.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/province
       [--loans 1000000] [--townships 400] [--chunk 5000]
(without ``--database-url``: a dry run on a SQLite file in a temporary folder, removed at the end). docs/scale.md
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the repository: bench/ and tests/ are not installed

import sqlalchemy as sa  # noqa: E402

from models import PARTITIONS, AuditChainHead, HumanTask, Township, Village, db, genesis_hash  # noqa: E402
from models.subsidy import SubsidySettlement  # noqa: E402
from tests.factories import make_household  # noqa: E402
from tests.factories_finance import disbursed_loan, install_finance  # noqa: E402
from tests.factories_postloan import disbursed, pay_all  # noqa: E402
from tests.factories_tasks import REACH, complete  # noqa: E402
from workflows import audit, clock, engine, resident_id, risk_fund, state_codec, subsidy_settlement, timers  # noqa: E402
from workflows.audit import Actor  # noqa: E402
from workflows.simulation.world import GIVEN, SURNAMES  # noqa: E402
from workflows.tasks import service  # noqa: E402

BORN_FROM = date(1940, 1, 1)  # clones' heads of household: 1,000 per birth date from here (templates: 1980)


# --- the stages -----------------------------------------------------------------------------------

def _reach(name: str) -> Callable:
    return lambda world: REACH[name](world).task.loan_id


def _active(world) -> int:
    return disbursed(world).id  # post-loan running, the first visit not yet due


def _extended(world) -> int:
    loan_id = REACH["approve_extension"](world).task.loan_id
    complete(world, loan_id, "approve_extension", "approver_rcb", date(2025, 2, 11),
             extension_approved=True, extension_comment="同意展期")
    return loan_id


def _closed(world) -> int:
    loan = disbursed(world, term=1)
    pay_all(world, loan, date(2025, 2, 10))
    return loan.id


@dataclass(frozen=True)
class Stage:
    name: str
    share: float  # of the generated loans
    reach: Callable  # world -> the template loan's id


# A county's mix: most loans disbursed and quiet or closed, a few per cent at each approval step.
STAGES = (
    Stage("confirm_eligibility", 0.02, _reach("confirm_eligibility")),
    Stage("investigate_credit", 0.02, _reach("investigate_credit")),
    Stage("approve_loan", 0.02, _reach("approve_loan")),
    Stage("disburse_loan", 0.02, _reach("disburse_loan")),
    Stage("active", 0.38, _active),
    Stage("post_loan_visit", 0.08, _reach("post_loan_visit")),
    Stage("maturity_reminder", 0.03, _reach("maturity_reminder")),
    Stage("maturity_review", 0.02, _reach("maturity_review")),
    Stage("supervise_visit", 0.01, _reach("supervise_visit")),
    Stage("request_extension", 0.01, _reach("request_extension")),
    Stage("approve_extension", 0.01, _reach("approve_extension")),
    Stage("extended", 0.03, _extended),
    Stage("recover_loan", 0.01, _reach("recover_loan")),
    Stage("confirm_recovery", 0.005, _reach("confirm_recovery")),
    Stage("claim_compensation", 0.005, _reach("claim_compensation")),
    Stage("closed", 0.33, _closed),
)
APPLICATION_STAGES = STAGES[:4]  # real clock: built last, after the post-loan stages' dated sweeps


# --- the district's processes without a loan ----------------------------------------------------

QUARTERS = ((2023, 2), (2023, 3), (2023, 4), (2024, 1))
SETTLED = datetime(2024, 4, 1, 1, 0, 1, tzinfo=timezone.utc)  # the last quarter's settlement is drawn up
TOPUP_START = datetime(2024, 5, 6, 2, 0, tzinfo=timezone.utc)


def process_tasks(world) -> None:
    """The loan-less tasks of the module's docstring, through the real services."""
    install_finance()
    for year, quarter in QUARTERS:
        subsidy_settlement.ensure_scheduled(datetime(year, quarter * 3 - 1, 15, tzinfo=timezone.utc))
    timers.sweep(SETTLED)
    earlier = db.session.scalars(sa.select(SubsidySettlement).where(
        sa.tuple_(SubsidySettlement.year, SubsidySettlement.quarter).in_(QUARTERS[:-1]))).all()
    with clock.frozen(SETTLED + timedelta(days=19)):
        for settlement in earlier:
            _finance_step(world, settlement, "review_subsidy_settlement", {"decision": "approve", "comment": None})
            _finance_step(world, settlement, "record_subsidy_payment",
                          {"paid_on": date(2024, 4, 15), "voucher_number": f"FZ-{settlement.id}"})
    risk_fund.record_entry(Actor(world.users["finance"]), "deposit", Decimal("4000.00"), date(2024, 1, 2))
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    risk_fund.check_ratio(TOPUP_START)
    timers.sweep(TOPUP_START + timedelta(days=30, seconds=1))


def _finance_step(world, settlement: SubsidySettlement, name: str, data: dict) -> None:
    task = db.session.scalars(sa.select(HumanTask).filter_by(
        name=name, state="ready", process_instance_id=settlement.process_instance_id)).one()
    service.complete_task(world.actor("finance"), task.id, data)


# --- templates: one loan per stage, read back as rows ---------------------------------------------

def tables() -> SimpleNamespace:
    t = db.metadata.tables
    return SimpleNamespace(households=t["households"], loans=t["loans"], instances=t["process_instances"],
                           tasks=t["human_tasks"], exclusions=t["task_exclusions"], audit=t["audit_events"],
                           schedule=t["repayment_schedule_lines"], repayments=t["repayments"],
                           fund=t["risk_fund_entries"], history=t["loan_history"])


# Tables cloned per loan, in foreign-key order; the ones with an ``id`` get fresh ids.
CLONED = ("households", "loans", "instances", "tasks", "exclusions", "schedule", "repayments", "fund", "history",
          "audit")


@dataclass
class Template:
    stage: Stage
    rows: dict[str, list[dict]]  # CLONED name -> the template loan's rows
    states: dict[int, str] = field(default_factory=dict)  # instance id -> its state as a str.format pattern

    @property
    def loan(self) -> dict:
        return self.rows["loans"][0]


# What differs in a clone's state: every task UUID (``clone_uuid``), the loan id, the resident ID, the
# contract number.
STATE_CHANGES = re.compile(r'(?P<u>\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)'
                           r'|(?P<l>"loan_id": \d+)|(?P<i>\b\d{17}[\dX]\b)|(?P<c>"KZ-[^"]*")')


def clone_uuid(prefix: str, template_uuid: str) -> str:
    """A clone's task UUID: its number (8 hex digits) for the template's first 8, version nibble 0 for 4.

    Unique: clones differ in the number, templates in their random digits, and no id the app makes
    (``state_codec.TaskIds``: version 8) or SpiffWorkflow's own (uuid4) has version 0."""
    return prefix + template_uuid[8:14] + "0" + template_uuid[15:]


def snapshot(stage: Stage, loan_id: int) -> Template:
    """The rows of loan ``loan_id`` (committed), and its states as patterns of what a clone changes."""
    db.session.commit()
    t = tables()
    loan = _rows(sa.select(t.loans).where(t.loans.c.id == loan_id))[0]
    by_loan = lambda table: _rows(sa.select(table).where(table.c.loan_id == loan_id).order_by(table.c.id))  # noqa: E731
    tasks = by_loan(t.tasks)
    rows = {
        "households": _rows(sa.select(t.households).where(t.households.c.id == loan["household_id"])),
        "loans": [loan], "instances": by_loan(t.instances), "tasks": tasks,
        "exclusions": _rows(sa.select(t.exclusions).where(
            t.exclusions.c.human_task_id.in_([task["id"] for task in tasks]))),
        "schedule": by_loan(t.schedule), "repayments": by_loan(t.repayments), "fund": by_loan(t.fund),
        "history": by_loan(t.history), "audit": by_loan(t.audit),
    }
    template = Template(stage, rows)
    expected = {"l": f'"loan_id": {loan_id}', "i": rows["households"][0]["id_number"],
                "c": json.dumps(loan["contract_number"])}

    def mark(match: re.Match) -> str:
        kind = match.lastgroup
        if kind == "u":
            return clone_uuid("{u}", match.group(0))
        return "{%s}" % kind if match.group(0) == expected[kind] else match.group(0)

    for instance in rows["instances"]:
        text = engine.state_json(instance["state"]).replace("{", "{{").replace("}", "}}")
        template.states[instance["id"]] = STATE_CHANGES.sub(mark, text)
    return template


def _rows(query) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(query)]


def build_templates(world, stages=STAGES, report=print) -> list[Template]:
    """Drive one loan per stage (post-loan stages first: their sweeps run on 2025 dates) and read it back."""
    dated = [stage for stage in stages if stage not in APPLICATION_STAGES]
    ordered = dated + [stage for stage in stages if stage in APPLICATION_STAGES]
    templates = []
    for stage in ordered:
        started = time.perf_counter()
        templates.append(snapshot(stage, stage.reach(world)))
        report(f"  template {stage.name:20} {time.perf_counter() - started:6.2f} s")
    return templates


# --- clones -----------------------------------------------------------------------------------------

class Ids:
    """The next free id of each cloned table with an ``id`` column (explicit ids: rows refer to each other)."""

    def __init__(self) -> None:
        t = tables()
        self.next = {name: (db.session.scalar(sa.select(sa.func.max(getattr(t, name).c.id))) or 0) + 1
                     for name in CLONED if "id" in getattr(t, name).c}

    def take(self, name: str) -> int:
        value = self.next[name]
        self.next[name] = value + 1
        return value


@dataclass(frozen=True)
class Place:
    township_id: int
    village_id: int | None


def places() -> list[Place]:
    """Every township with its first village; the clones are spread over them in turn."""
    rows = db.session.execute(
        sa.select(Township.id, sa.func.min(Village.id)).outerjoin(Village, Village.township_id == Township.id)
        .group_by(Township.id).order_by(Township.id)).all()
    return [Place(township_id, village_id) for township_id, village_id in rows]


def add_townships(count: int) -> None:
    """``count`` more townships (镇) with one village each, for a province's spread of loans."""
    have = db.session.scalar(sa.select(sa.func.count()).select_from(Township))
    for n in range(have, have + count):
        township = Township(code=f"t{n:04d}", name=f"第{n}镇")
        township.villages = [Village(code=f"t{n:04d}_1", name=f"第{n}村")]
        db.session.add(township)
    db.session.commit()


def household_name(k: int) -> str:
    surname = SURNAMES[k % len(SURNAMES)]
    given = GIVEN[(k // len(SURNAMES)) % len(GIVEN)]
    if k % 3:
        given += GIVEN[(k // 7) % len(GIVEN)]
    return surname + given


def clone(template: Template, k: int, place: Place, ids: Ids, out: dict[str, list[dict]]) -> None:
    """Append to ``out`` the rows of clone number ``k`` (unique across a run) of ``template``."""
    rows = template.rows
    old_household = rows["households"][0]
    old_township = old_household["township_id"]
    id_number = resident_id.compose("500234", BORN_FROM + timedelta(days=k // 1000), k % 1000)
    maps = {name: {row["id"]: ids.take(name) for row in rows[name]}
            for name in ("households", "loans", "instances", "tasks")}
    loan_id = maps["loans"][template.loan["id"]]
    contract = f"KZ{k:08d}" if template.loan["contract_number"] else None
    prefix = f"{k:08x}"

    def refs(row: dict) -> dict:
        new = dict(row)
        for column, table in (("household_id", "households"), ("loan_id", "loans"),
                              ("process_instance_id", "instances"), ("human_task_id", "tasks")):
            if new.get(column) is not None:  # a reference outside the loan (a fund's top-up) stays
                new[column] = maps[table].get(new[column], new[column])
        if new.get("township_id") == old_township:
            new["township_id"] = place.township_id
        return new

    out["households"].append({**refs(old_household), "id": maps["households"][old_household["id"]],
                              "id_number": id_number, "name": household_name(k), "village_id": place.village_id,
                              "township_id": place.township_id})
    out["loans"].append({**refs(template.loan), "id": loan_id, "applicant_id_number": id_number,
                         "contract_number": contract, "previous_loan_id": None})
    for row in rows["instances"]:
        text = template.states[row["id"]].format(u=prefix, l=f'"loan_id": {loan_id}', i=id_number,
                                                 c=json.dumps(contract))
        state = state_codec.compress(text.encode("utf-8"))
        out["instances"].append({**refs(row), "id": maps["instances"][row["id"]], "state": state, "version": 1})
    for row in rows["tasks"]:
        out["tasks"].append({**refs(row), "id": maps["tasks"][row["id"]],
                             "spiff_task_id": clone_uuid(prefix, row["spiff_task_id"])})
    out["exclusions"].extend(refs(row) for row in rows["exclusions"])
    for name in ("schedule", "repayments", "fund", "history", "audit"):  # history rows keep their valid_until:
        out[name].extend({**refs(row), "id": ids.take(name)} for row in rows[name])  # the template's tiling
    for row in out["repayments"][len(out["repayments"]) - len(rows["repayments"]):]:
        row["idempotency_key"] = None  # unique: a client's key belongs to the template's repayment


class Chains:
    """The partitions' heads as the clones' events extend them (``models.audit``: one chain per partition)."""

    def __init__(self) -> None:
        self.heads = {chain: [0, genesis_hash(chain), None] for chain in range(PARTITIONS)}
        for head in db.session.scalars(sa.select(AuditChainHead)):
            self.heads[head.chain] = [head.sequence, head.last_hash, head.last_event_id]

    def close(self) -> None:
        """Write every head back and anchor them (``audit.anchor``), in one transaction."""
        for chain, (sequence, last_hash, last_event_id) in self.heads.items():
            values = {"sequence": sequence, "last_hash": last_hash, "last_event_id": last_event_id}
            if not db.session.execute(sa.update(AuditChainHead).where(AuditChainHead.chain == chain)
                                      .values(**values)).rowcount:
                db.session.add(AuditChainHead(chain=chain, **values))
        db.session.flush()
        audit.anchor()
        db.session.commit()


def chain_audit(events: list[dict], chains: Chains) -> None:
    """Put ``events`` (in id order) at the end of their loan's partition: position, link and hash
    (``audit.partition_for`` and ``audit.event_hash``). The one place this generator writes the audit
    chain: ``flask audit verify`` walks the same links."""
    for event in events:
        chain = audit.partition_for(event["loan_id"], event["process_instance_id"])
        head = chains.heads[chain]
        event.update(chain=chain, chain_seq=head[0] + 1, prev_hash=head[1])
        event["hash"] = audit.event_hash(SimpleNamespace(**event))
        head[:] = [head[0] + 1, event["hash"], event["id"]]


def assignments(templates: list[Template], clones: int) -> Iterator[Template]:
    """Which template each clone copies: the stages' shares, interleaved (smooth weighted round robin)."""
    total = sum(t.stage.share for t in templates)
    credit = [0.0] * len(templates)
    for _ in range(clones):
        for i, template in enumerate(templates):
            credit[i] += template.stage.share
        best = max(range(len(templates)), key=credit.__getitem__)
        credit[best] -= total
        yield templates[best]


def clone_chunks(templates: list[Template], clones: int, chunk: int) -> Iterator[dict[str, list[dict]]]:
    """The clones' rows, ``chunk`` loans at a time, audit events chained; the chain's head updated at the end."""
    ids, spread, chains = Ids(), places(), Chains()
    mix = assignments(templates, clones)
    for start in range(0, clones, chunk):
        out: dict[str, list[dict]] = {name: [] for name in CLONED}
        for k in range(start, min(start + chunk, clones)):
            clone(next(mix), k, spread[k % len(spread)], ids, out)
        chain_audit(out["audit"], chains)
        yield out
    chains.close()


# --- writing: SQLAlchemy inserts (SQLite, bench/web.py) or COPY (PostgreSQL) ------------------------

def generate(world, total: int, batch: int = 1000, townships: int = 0, stages=STAGES) -> None:
    """``total`` loans (the templates among them) over the stages' mix and every township, each with its
    instances, inbox rows and audit events, and the district's tasks without a loan (``process_tasks``),
    inserted with SQLAlchemy Core (any database: bench/web.py's SQLite). ``build`` COPYs on PostgreSQL."""
    add_townships(townships)
    process_tasks(world)
    insert_clones(build_templates(world, stages, report=lambda line: None), total, batch)


def insert_clones(templates: list[Template], total: int, batch: int) -> None:
    t = tables()
    for rows in clone_chunks(templates, max(total - len(templates), 0), batch):
        for name in CLONED:
            if rows[name]:
                db.session.execute(sa.insert(getattr(t, name)), rows[name])
        db.session.commit()


class Copier:
    """COPY rows into PostgreSQL tables through psycopg 3, JSON columns as text."""

    def __init__(self, connection) -> None:
        self.connection = connection  # a raw psycopg connection
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def copy(self, table: sa.Table, rows: list[dict]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        names = [c.name for c in table.columns]
        as_json = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
        columns = ", ".join(f'"{name}"' for name in names)
        with self.connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_json(row[n]) if n in as_json else row[n] for n in names])
        self.seconds[table.name] = self.seconds.get(table.name, 0.0) + time.perf_counter() - started
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


BULK_TABLES = ("households", "loans", "process_instances", "human_tasks", "task_exclusions",
               "repayment_schedule_lines", "repayments", "risk_fund_entries", "loan_history", "audit_events")


def secondary_indexes(connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of the bulk tables' indexes that back no constraint: dropped during COPY."""
    return connection.execute(sa.text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
        "AND i.tablename = ANY(:tables) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"), {"tables": list(BULK_TABLES)}).all()


def fresh_database(url: str) -> None:
    """Create the database of ``url``, which must not exist yet (a PostgreSQL database or a SQLite file)."""
    target = sa.engine.make_url(url)
    if target.get_backend_name() == "sqlite":
        if target.database and Path(target.database).exists():
            raise SystemExit(f"{target.database} exists: remove it first or name another file")
        return
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}):
            raise SystemExit(f"database {target.database} exists: drop it first (dropdb) or name another")
        connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def build(url: str, loans: int, townships: int, chunk: int) -> None:
    """A new database at ``url``: the migrations' schema, the reference world, ``townships`` more townships,
    the district's processes, one template per stage and the clones up to ``loans`` loans (COPY on
    PostgreSQL, inserts on SQLite). Prints the time of each stage."""
    import flask_migrate

    from tests.factories import build_world
    from webapp import create_app
    from workflows import accounts

    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    begun = time.perf_counter()
    fresh_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        started = time.perf_counter()
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        print(f"schema (alembic upgrade): {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        world = build_world()
        add_townships(townships)
        process_tasks(world)
        templates = build_templates(world)
        print(f"templates: {len(templates)} loans through the services in {time.perf_counter() - started:.1f} s")
        if db.engine.dialect.name == "postgresql":
            bulk_copy(templates, max(loans - len(templates), 0), chunk)
        else:
            started = time.perf_counter()
            insert_clones(templates, loans, chunk)
            print(f"clones inserted (SQLAlchemy Core): {time.perf_counter() - started:.1f} s")
        db.session.remove()
        db.engine.dispose()
    print(f"{loans} loans over {townships} more townships generated in {time.perf_counter() - begun:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="postgresql+psycopg://… of a database to create; without it, "
                        "a SQLite file in a temporary folder, removed at the end (a dry run)")
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--townships", type=int, default=400, help="townships added beside the demo's")
    parser.add_argument("--chunk", type=int, default=5000, help="loans per COPY round")
    args = parser.parse_args()
    if args.database_url:
        build(args.database_url, args.loans, args.townships, args.chunk)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(f"sqlite:///{tmp}/province.db", args.loans, args.townships, args.chunk)


def bulk_copy(templates: list[Template], clones: int, chunk: int) -> None:
    """COPY the clones (indexes dropped, FK triggers off), then rebuild the indexes, fix sequences, VACUUM (ANALYZE)."""
    t = tables()
    db.session.commit()  # the templates' reads hold locks DROP INDEX waits for
    with db.engine.connect() as connection:
        indexes = secondary_indexes(connection)
        for name, _ in indexes:
            connection.execute(sa.text(f'DROP INDEX "{name}"'))
        connection.commit()
    raw = db.engine.raw_connection()
    try:
        pg = raw.driver_connection
        pg.execute("SET session_replication_role = replica")  # no FK triggers: the ids are consistent by construction
        copier, building, cpu = Copier(pg), 0.0, 0.0
        started, started_cpu = time.perf_counter(), time.process_time()
        for done, rows in enumerate(clone_chunks(templates, clones, chunk), 1):
            building += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            for name in CLONED:
                copier.copy(getattr(t, name), rows[name])
            pg.commit()
            started, started_cpu = time.perf_counter(), time.process_time()
            if done % 20 == 0:
                print(f"  {min(done * chunk, clones)} clones, {building:.0f} s building rows, "
                      f"{sum(copier.seconds.values()):.0f} s in COPY", flush=True)
        building += time.perf_counter() - started  # the heads' update and anchor
        cpu += time.process_time() - started_cpu
        pg.execute("SET session_replication_role = DEFAULT")
        pg.commit()
    finally:
        raw.close()
    print(f"clone rows built (states compressed, audit chained): {building:.1f} s wall, {cpu:.1f} s CPU")
    for name, seconds in copier.seconds.items():
        print(f"  COPY {name:26} {copier.counts[name]:>10} rows {seconds:8.1f} s")
    with db.engine.connect() as connection:
        for name in BULK_TABLES:
            connection.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM \"{name}\"))"
                if name != "task_exclusions" else "SELECT 1"))
        connection.commit()
        started = time.perf_counter()
        for name, definition in indexes:
            began = time.perf_counter()
            connection.execute(sa.text(definition))
            connection.commit()
            print(f"  index {name:40} {time.perf_counter() - began:7.1f} s")
        print(f"index builds: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        connection.commit()
        # VACUUM as well: a database in service has its visibility map set by autovacuum, which is what
        # lets index-only scans skip the table (the extensions report read 135,000 events' rows without)
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM (ANALYZE)"))
        print(f"VACUUM (ANALYZE): {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
