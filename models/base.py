"""Declarative base, the Flask-SQLAlchemy handle and the column types shared by every table."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def dump_json(value) -> str:
    """How a JSON column's value is written: compact, with Chinese as UTF-8 rather than ``\\uXXXX``
    escapes (half the bytes of each character; the audit trail's hashes are over their own canonical form)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False},
                engine_options={"json_serializer": dump_json})


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (business dates are derived in Asia/Shanghai)."""
    return datetime.now(timezone.utc)


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class EpochMicroseconds(sa.types.BigInteger):
    """SQLite's form of a timestamp: microseconds since 1970-01-01 UTC, an 8-byte integer (declared
    ``DATETIME``, as the column always was: its numeric affinity keeps an integer as it is)."""


@compiles(EpochMicroseconds, "sqlite")
def _datetime_on_sqlite(type_, compiler, **kw) -> str:
    return "DATETIME"


class UtcDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite as on PostgreSQL.

    PostgreSQL keeps a ``timestamptz``. SQLite has no timestamp type: it is stored as microseconds
    since the epoch (``EpochMicroseconds``), 8 bytes where the text ``2025-01-10 02:00:00.000000``
    took 26, in the row and in every index on it; the order and the precision are the same. Text
    written before (migration d5e6f7a8b9c0 turns it into integers) still reads back."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(EpochMicroseconds())
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware timestamps")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            delta = value - EPOCH
            return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, int):
            return EPOCH + timedelta(microseconds=value)
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Digest(sa.types.TypeDecorator):
    """A SHA-256 digest: 64 hex digits in Python, its 32 bytes in the database (``BLOB`` / ``bytea``).

    Half the bytes of the hex text, in the row and in any index on it. Whatever bytes are stored read
    back as their hex, so a value of another length simply fails to match its hash."""

    impl = sa.LargeBinary(32)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else bytes.fromhex(value)

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, str):  # text: put in by hand on SQLite, which keeps its type
            return value
        return bytes(value).hex()


class TaskId(sa.types.TypeDecorator):
    """A SpiffWorkflow task id (a UUID): its text in Python, 16 bytes in the database.

    PostgreSQL's own ``uuid``; on SQLite a 16-byte ``BLOB``, where the text took 36 in the row and
    36 again in each index on it."""

    impl = sa.LargeBinary(16)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=False))
        return dialect.type_descriptor(sa.LargeBinary(16))

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name == "postgresql":
            return value
        return UUID(value).bytes

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, str):
            return value
        return str(UUID(bytes=bytes(value)))


class Money(sa.types.TypeDecorator):
    """Yuan with two decimals (``Numeric(14,2)``), ``Decimal`` in Python, rounded to the fen.

    SQLite has no decimal type: there the column is a REAL and the value is turned back into an
    exact ``Decimal`` at the column's scale on the way out (sums stay far inside float precision).
    """

    impl = sa.Numeric(14, 2)
    cache_ok = True
    quantum = Decimal("0.01")

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Numeric(asdecimal=False))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(self.quantum, rounding=ROUND_HALF_UP)
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(repr(value) if isinstance(value, float) else value).quantize(self.quantum)


class Rate(Money):
    """An annual rate in percent with four decimals (``Numeric(7,4)``), e.g. ``3.4500``."""

    impl = sa.Numeric(7, 4)
    cache_ok = True
    quantum = Decimal("0.0001")
