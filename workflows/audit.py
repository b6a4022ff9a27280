"""Append to, anchor and verify the hash-chained audit trail (审计留痕): one chain per partition.

A transaction appends to ONE partition, chosen at its first event and kept in ``db.session.info``
until it ends: its first event's loan (``loan_id % PARTITIONS``, so a loan's events form one ordered
chain), else its process instance, else a random partition. It locks that partition's head with one
``UPDATE … RETURNING`` (the lock is held until commit), appends its events after it and writes the
head back once, just before it commits (``before_commit``). Writers on other partitions never wait on
it, and holding one head row at most, two transactions cannot deadlock on heads. ``anchor()`` chains a
snapshot of every head; ``verify()`` walks every partition from its genesis and checks heads and
anchors against the events. Design, guarantees and limits: docs/audit.md.

An event keeps the wall time it happened (``occurred_at``) and the business date then
(``business_date``, see ``workflows/clock.py``). The business date enters the hash when it is
present; events from before it was recorded have none and hash as they always did, so they verify.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from models import GENESIS_HASH, PARTITIONS, AuditAnchor, AuditChainHead, AuditEvent, Loan, User, db, genesis_hash

from . import clock

HASHED_FIELDS = (
    "occurred_at", "action", "actor_id", "actor_name", "actor_role", "ip_address", "loan_id",
    "household_id", "township_id", "bank_id", "process_instance_id", "task_name", "before",
    "after", "codes", "comment",
)  # and ``prev_hash``, the hash of the event before it in its partition (not stored: see ``event_hash``)


@dataclass(frozen=True)
class Actor:
    """Who acts: the user, the role they act in and the address the request came from."""

    user: User | None
    role: str | None = None
    ip_address: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


SYSTEM = Actor(None, "system")


def jsonable(value):
    """Task data and column values as JSON: Decimal as a string, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    """sha256 over the event's content and ``prev_hash``, the hash of the event before it in its
    partition (its genesis for the first). The link is hashed, not stored: the event before it holds
    it, so verifying walks each partition in order and hands each event the hash before it."""
    content = {name: jsonable(getattr(event, name)) for name in HASHED_FIELDS}
    content["prev_hash"] = prev_hash
    if event.business_date is not None:
        content["business_date"] = event.business_date.isoformat()
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


ANCHOR_INTERVAL = timedelta(hours=1)  # the timer worker's anchor job writes at most one an hour
MAX_BREAKS = 50  # verify lists at most this many broken places
_TAIL = "audit_tail"  # the key in session.info of the partition this transaction appends to
_spread = random.Random()


@dataclass
class _Tail:
    """The locked partition of the current transaction: its last position and hash so far."""

    chain: int
    sequence: int
    last_hash: str
    last_event: AuditEvent | None = None  # the last event appended since the head was written

    def advance(self, event: AuditEvent) -> None:
        self.sequence, self.last_hash, self.last_event = event.chain_seq, event.hash, event


def partition_for(loan_id: int | None, process_instance_id: int | None = None) -> int:
    """The partition a transaction whose first event is about this loan (or instance) appends to."""
    key = loan_id if loan_id is not None else process_instance_id
    return key % PARTITIONS if key is not None else _spread.randrange(PARTITIONS)


def _tail(loan_id: int | None, process_instance_id: int | None) -> _Tail:
    """This transaction's partition, locked by its first event: one statement, or two or three the first
    time a partition is ever written (its head row created)."""
    tail = db.session.info.get(_TAIL)
    if tail is None:
        chain = partition_for(loan_id, process_instance_id)
        row = _lock_head(chain) or _create_head(chain) or _lock_head(chain)
        tail = db.session.info[_TAIL] = _Tail(chain, row.sequence, row.last_hash)
    return tail


# The head's two statements, in Core and built once: every transaction that writes runs both, and the
# ORM's handling of an UPDATE (and SQLAlchemy's cache key of a statement built afresh) costs about three
# times the statement itself.
_HEADS = AuditChainHead.__table__
_LOCK_HEAD = (sa.update(_HEADS).where(_HEADS.c.chain == sa.bindparam("b_chain"))
              .values(sequence=_HEADS.c.sequence).returning(_HEADS.c.sequence, _HEADS.c.last_hash))
_WRITE_HEAD = (sa.update(_HEADS).where(_HEADS.c.chain == sa.bindparam("b_chain"))
               .values(sequence=sa.bindparam("b_sequence"), last_hash=sa.bindparam("b_last_hash"),
                       last_event_id=sa.bindparam("b_last_event_id")))


def _lock_head(chain: int):
    """Update the head row first (a no-op change): on both databases this holds its write lock until commit.

    The transaction's pending rows are flushed first, as an ORM statement would: every writer locks the
    rows it changes before the head, one order, so two writers cannot deadlock between a row and a head."""
    db.session.flush()
    return db.session.execute(_LOCK_HEAD, {"b_chain": chain}).one_or_none()


def _create_head(chain: int):
    """The partition's first head (none after ``create_all``; the migration creates them all). If another
    transaction creates it at the same time, this waits for it and returns nothing (then lock it)."""
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(AuditChainHead)
    return db.session.execute(
        insert.values(chain=chain, sequence=0, last_hash=genesis_hash(chain))
        .on_conflict_do_nothing(index_elements=["chain"])
        .returning(AuditChainHead.sequence, AuditChainHead.last_hash)
    ).one_or_none()


@sa.event.listens_for(so.Session, "before_commit")
def _write_head(session: so.Session) -> None:
    """Write the partition's head back once, after the transaction's last event (flushed here)."""
    tail = session.info.get(_TAIL)
    if tail is None or tail.last_event is None:
        return
    session.flush()
    session.execute(_WRITE_HEAD, {"b_chain": tail.chain, "b_sequence": tail.sequence,
                                  "b_last_hash": tail.last_hash, "b_last_event_id": tail.last_event.id})
    tail.last_event = None


@sa.event.listens_for(so.Session, "after_transaction_end")
def _forget_tail(session: so.Session, transaction: so.SessionTransaction) -> None:
    """The lock ends with the transaction: the next one chooses and locks its partition afresh.

    Not at the end of a flush's inner transaction; at the end of a savepoint, yes: one rolled back after
    this transaction appended events before it makes the next event reuse a position, which the unique
    (chain, chain_seq) refuses (the app uses no savepoints around audit events)."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(_TAIL, None)


def record(action: str, actor: Actor = SYSTEM, *, loan: Loan | None = None, **fields) -> AuditEvent:
    """Append one event in the current transaction (the caller commits).

    The event is added to the session, not flushed: it is inserted at the next flush (with the
    transaction's other events, in one batch when they can be), its ``id`` known from then on.
    """
    if loan is not None:
        fields.setdefault("loan_id", loan.id)
        fields.setdefault("household_id", loan.household_id)
        fields.setdefault("township_id", loan.township_id)
        fields.setdefault("bank_id", loan.bank_id)
    for key in ("before", "after", "codes"):
        if fields.get(key) is not None:
            fields[key] = jsonable(fields[key])
    tail = _tail(fields.get("loan_id"), fields.get("process_instance_id"))
    event = AuditEvent(
        action=action, occurred_at=clock.wall_now(), business_date=clock.today(),
        actor_id=actor.user_id, actor_name=actor.user.username if actor.user else None,
        actor_role=actor.role, ip_address=actor.ip_address, chain=tail.chain, chain_seq=tail.sequence + 1,
        **fields,
    )
    event.hash = event_hash(event, tail.last_hash)
    db.session.add(event)
    tail.advance(event)
    return event


def _heads_now() -> list[list]:
    """Every partition's head as ``[chain, sequence, last_hash]`` (a partition never written: 0 and its genesis)."""
    stored = {row.chain: row for row in db.session.execute(
        sa.select(AuditChainHead.chain, AuditChainHead.sequence, AuditChainHead.last_hash))}
    return [[chain, stored[chain].sequence, stored[chain].last_hash] if chain in stored
            else [chain, 0, genesis_hash(chain)] for chain in sorted(set(range(PARTITIONS)) | set(stored))]


def anchor_hash(anchor: AuditAnchor) -> str:
    """sha256 of the previous anchor's hash, the time and every partition's (number, sequence, last hash)."""
    heads = ";".join(f"{chain}:{sequence}:{last_hash}" for chain, sequence, last_hash in anchor.heads)
    return hashlib.sha256(f"{anchor.prev_hash}|{anchor.created_at.isoformat()}|{heads}".encode()).hexdigest()


def last_anchor() -> AuditAnchor | None:
    return db.session.scalars(sa.select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(1)).first()


def anchor(every: timedelta | None = None) -> AuditAnchor | None:
    """Chain a snapshot of every head to the last anchor, in the current transaction (the caller commits).

    Nothing when no head moved since the last anchor, or when ``every`` is given and the last anchor is
    younger than that. Reads committed heads without locking them: appenders do not wait on it.
    """
    last, now = last_anchor(), clock.wall_now()
    if last is not None and every is not None and now - last.created_at < every:
        return None
    heads = _heads_now()
    if (last.heads == heads) if last is not None else not any(sequence for _, sequence, _ in heads):
        return None  # nothing appended since the last anchor (or ever)
    new = AuditAnchor(created_at=now, heads=heads, prev_hash=last.hash if last else GENESIS_HASH)
    new.hash = anchor_hash(new)
    db.session.add(new)
    db.session.flush()
    return new


@dataclass(frozen=True)
class Break:
    """One broken place: the partition, the event (when there is one to name), its position and why."""

    chain: int | None
    event_id: int | None
    position: int | None
    reason: str

    @property
    def described(self) -> str:
        """Where and why, e.g. ``partition 3, position 7: content does not match its hash``."""
        where = "anchors" if self.chain is None else f"partition {self.chain}"
        at = f", position {self.position}" if self.position is not None else ""
        return f"{where}{at}: {self.reason}"

    def __str__(self) -> str:
        return self.described + (f" (event {self.event_id})" if self.event_id else "")


@dataclass(frozen=True)
class ChainReport:
    """``ok``; ``checked`` events found intact; the first break (event, reason, partition); all of them."""

    ok: bool
    checked: int
    broken_event_id: int | None = None
    reason: str | None = None
    chain: int | None = None
    breaks: tuple[Break, ...] = field(default=(), compare=False)
    anchors: int = field(default=0, compare=False)


@dataclass
class _Partition:
    """One partition during the walk: its head as read before the walk, and the last event checked."""

    chain: int
    head: AuditChainHead | None
    prev: str = ""
    seq: int = 0
    id: int = 0

    def __post_init__(self) -> None:
        self.prev = genesis_hash(self.chain)


class _Walk:
    """Verification state: the breaks found, the events found intact, the anchored positions still to meet."""

    def __init__(self, anchored: dict[int, dict[int, list[tuple[int, str]]]]):
        self.anchored, self.breaks, self.checked = anchored, [], 0

    def broken(self, chain, event_id, position, reason) -> None:
        if len(self.breaks) < MAX_BREAKS:
            self.breaks.append(Break(chain, event_id, position, reason))

    def event(self, part: _Partition, event: AuditEvent) -> None:
        """Check the partition's next event (in position order) against the one before, its head and anchors."""
        reasons = []
        if event_hash(event, part.prev) != event.hash:
            reasons.append("content, or the event before it, does not match its hash")
        if event.chain_seq != part.seq + 1:
            reasons.append(f"position {event.chain_seq} follows {part.seq}")
        if event.id <= part.id:
            reasons.append(f"id {event.id} is not after the previous event's {part.id}")
        if part.head is not None and part.head.sequence == event.chain_seq and part.head.last_hash != event.hash:
            reasons.append("the head names another event at this position")
        for anchor_id, anchored_hash in self.anchored.get(part.chain, {}).pop(event.chain_seq, ()):
            if anchored_hash != event.hash:
                reasons.append(f"anchor #{anchor_id} recorded another event at this position")
        if reasons:
            self.broken(part.chain, event.id, event.chain_seq, "; ".join(reasons))
        else:
            self.checked += 1
        part.prev, part.seq, part.id = event.hash, event.chain_seq, event.id

    def end(self, part: _Partition) -> None:
        """A partition's end: no head or anchor may name a position past its last event.

        The heads are read before the walk: a head behind the last event may be an append committed
        since, so the head is read again; it must then have reached the last event."""
        head = part.head
        if head is not None and head.sequence > part.seq:
            self.broken(part.chain, head.last_event_id, part.seq,
                        f"the last events were removed: the head is at position {head.sequence}")
        elif head is not None and head.sequence == 0 and head.last_hash != part.prev:
            self.broken(part.chain, None, 0, "the head of the empty partition is not its genesis")
        elif part.seq > (head.sequence if head is not None else 0):
            now = db.session.execute(sa.select(AuditChainHead.sequence, AuditChainHead.last_hash)
                                     .where(AuditChainHead.chain == part.chain)).first()
            if now is None or now.sequence < part.seq or (now.sequence == part.seq and now.last_hash != part.prev):
                where = "no head" if now is None else f"the head is at position {now.sequence}"
                self.broken(part.chain, part.id, part.seq, f"events after the partition's head ({where})")
        for position, anchored in sorted(self.anchored.pop(part.chain, {}).items()):
            for anchor_id, anchored_hash in anchored:
                if position == 0 and anchored_hash == genesis_hash(part.chain):
                    continue
                self.broken(part.chain, None, position, f"anchor #{anchor_id} recorded an event at this position; "
                            "it is gone (the partition's last events were removed)")


def _anchors(walk_breaks: list) -> tuple[dict, int]:
    """Check the anchor chain; the anchored positions per partition: {chain: {seq: [(anchor id, hash)]}}."""
    anchored: dict[int, dict[int, list[tuple[int, str]]]] = {}
    previous, count = GENESIS_HASH, 0
    for row in db.session.scalars(sa.select(AuditAnchor).order_by(AuditAnchor.id)):
        reasons = []
        if row.prev_hash != previous:
            reasons.append("link to the previous anchor does not match")
        if anchor_hash(row) != row.hash:
            reasons.append("content does not match its hash")
        if reasons:
            walk_breaks.append(Break(None, None, None, f"anchor #{row.id}: " + "; ".join(reasons)))
        for chain, sequence, last_hash in row.heads:
            anchored.setdefault(chain, {}).setdefault(sequence, []).append((row.id, last_hash))
        previous, count = row.hash, count + 1
        db.session.expunge(row)
    return anchored, count


def stored_heads() -> dict[int, AuditChainHead]:
    """Every partition's head as committed now, by partition (detached: a snapshot)."""
    heads = {head.chain: head for head in db.session.scalars(sa.select(AuditChainHead))}
    for head in heads.values():
        db.session.expunge(head)
    return heads


def verify(batch_size: int = 1000) -> ChainReport:
    """Walk every partition from its genesis in position order; check each head and anchor against the events.

    Reports every broken place (up to ``MAX_BREAKS``), the first one as ``broken_event_id``/``reason``.
    Anchors and heads are read first: events appended meanwhile are checked too, never taken for tampering.
    """
    anchor_breaks: list[Break] = []
    anchored, anchors = _anchors(anchor_breaks)
    walk = _Walk(anchored)
    heads = stored_heads()
    walked: list[_Partition] = []
    after = (-1, 0)
    while True:
        rows = db.session.scalars(
            sa.select(AuditEvent).where(sa.tuple_(AuditEvent.chain, AuditEvent.chain_seq) > sa.tuple_(*after))
            .order_by(AuditEvent.chain, AuditEvent.chain_seq).limit(batch_size)
        ).all()
        if not rows:
            break
        for event in rows:
            if not walked or walked[-1].chain != event.chain:
                if walked:
                    walk.end(walked[-1])
                walked.append(_Partition(event.chain, heads.get(event.chain)))
            walk.event(walked[-1], event)
            db.session.expunge(event)
        after = (rows[-1].chain, rows[-1].chain_seq)
    if walked:
        walk.end(walked[-1])
    for empty in sorted((set(heads) | set(walk.anchored)) - {part.chain for part in walked}):
        walk.end(_Partition(empty, heads.get(empty)))
    breaks = tuple(walk.breaks + anchor_breaks)[:MAX_BREAKS]
    if not breaks:
        return ChainReport(True, walk.checked, anchors=anchors)
    first = breaks[0]
    return ChainReport(False, walk.checked, first.event_id, first.described, first.chain, breaks, anchors)
