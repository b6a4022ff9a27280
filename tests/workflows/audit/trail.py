"""Helpers for the audit-trail tests: loans cheap enough to have one in every partition, events per
partition, and raw SQL tampering as the table's owner would (``tampering`` from test_audit_chain)."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from models import PARTITIONS, AuditEvent, Bank, Loan, db
from workflows import audit, clock

from ...factories import make_household
from ..test_audit_chain import tamper


def loans(count: int = PARTITIONS) -> list[Loan]:
    """``count`` bare loan rows of one household (consecutive ids: the first PARTITIONS cover every partition)."""
    household = make_household()
    bank = db.session.scalars(sa.select(Bank).where(Bank.code == "cqrcb")).one()
    rows = [Loan(household_id=household.id, township_id=household.township_id, bank_id=bank.id,
                 applicant_id_number=household.id_number, amount=Decimal("1000.00"), term_months=12,
                 purpose_category="breeding", purpose="审计测试", applied_on=clock.today()) for _ in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def by_partition(rows: list[Loan]) -> dict[int, Loan]:
    return {loan.id % PARTITIONS: loan for loan in reversed(rows)}


def events_in(loan: Loan, count: int = 3) -> list[int]:
    """``count`` events about ``loan``, one transaction each; their ids in order."""
    ids = []
    for number in range(count):
        event = audit.record("test_event", loan=loan, after={"n": number})
        db.session.commit()
        ids.append(event.id)
    return ids


def swap_positions(first: int, second: int) -> None:
    """Reorder two events of a partition by exchanging their positions (through -1: the pair is unique)."""
    rows = dict(db.session.execute(sa.select(AuditEvent.id, AuditEvent.chain_seq)
                                   .where(AuditEvent.id.in_([first, second]))).all())
    tamper("UPDATE audit_events SET chain_seq = -1 WHERE id = :id", id=first)
    tamper("UPDATE audit_events SET chain_seq = :seq WHERE id = :id", seq=rows[first], id=second)
    tamper("UPDATE audit_events SET chain_seq = :seq WHERE id = :id", seq=rows[second], id=first)


def set_head(chain: int, sequence: int, last_hash: str, last_event_id: int | None) -> None:
    """Rewrite a partition's head, as a DBA covering a removal would."""
    tamper("UPDATE audit_chain_heads SET sequence = :sequence, last_hash = :hash, last_event_id = :id "
           "WHERE chain = :chain", sequence=sequence, hash=last_hash, id=last_event_id, chain=chain)
