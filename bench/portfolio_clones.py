"""The part of bench/portfolio.py that writes rows directly: the clones of the template loans.

``clone`` copies a template's rows (bench/portfolio_templates.py) as one new loan: fresh ids
(``Ids``), a new household with a valid, unique resident ID, a name and a township (``Place``), the
loan's contract number made unique and its process states filled in with the clone's values.
``clone_chunks`` yields the clones a chunk at a time over the stages' mix, their audit events chained
after the templates' in one place, ``chain_audit``. They go in with SQLAlchemy Core inserts
(``insert_clones``: SQLite) or with PostgreSQL's ``COPY`` (``bulk_copy``: indexes dropped and built
again, foreign-key triggers off, then ``VACUUM (ANALYZE)``).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from bench.portfolio_templates import CLONED, Template, clone_uuid, tables
from models import PARTITIONS, AuditChainHead, Digest, Township, Village, db, dump_json, genesis_hash
from workflows import audit, resident_id, state_codec
from workflows.simulation.world import GIVEN, SURNAMES

BORN_FROM = date(1940, 1, 1)  # clones' heads of household: 1,000 per birth date from here (templates: 1980)


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
        event.update(chain=chain, chain_seq=head[0] + 1)
        event["hash"] = audit.event_hash(SimpleNamespace(**event), head[1])
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

def insert_clones(templates: list[Template], total: int, batch: int) -> None:
    t = tables()
    for rows in clone_chunks(templates, max(total - len(templates), 0), batch):
        for name in CLONED:
            if rows[name]:
                db.session.execute(sa.insert(getattr(t, name)), rows[name])
        db.session.commit()


class Copier:
    """COPY rows into PostgreSQL tables through psycopg 3: JSON columns as the app writes them, digests
    (hex in the rows, as ``audit.event_hash`` gives them) as their bytes."""

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
        as_bytes = {c.name for c in table.columns if isinstance(c.type, Digest)}
        columns = ", ".join(f'"{name}"' for name in names)
        with self.connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_json(row[n]) if n in as_json else bytes.fromhex(row[n]) if n in as_bytes else row[n]
                                for n in names])
        self.seconds[table.name] = self.seconds.get(table.name, 0.0) + time.perf_counter() - started
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)


def _json(value) -> str | None:
    return None if value is None else dump_json(value)


BULK_TABLES = ("households", "loans", "process_instances", "human_tasks", "task_exclusions",
               "repayment_schedule_lines", "repayments", "risk_fund_entries", "loan_history", "audit_events")


def secondary_indexes(connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of the bulk tables' indexes that back no constraint: dropped during COPY."""
    return connection.execute(sa.text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
        "AND i.tablename = ANY(:tables) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"), {"tables": list(BULK_TABLES)}).all()


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
