"""loan status ``declined`` (不予受理: the bank officer declined the application at investigation)

Revision ID: e9a0b1c2d3e4
Revises: d8f9a0b1c2d3
Create Date: 2026-11-30 16:50:00

The check constraint ``ck_loans_known_status`` gains ``declined``. On PostgreSQL it is dropped and
created again. On SQLite the constraint lives in the table's SQL and ``loans`` is referenced by other
tables, so no batch copy: the table's SQL in ``sqlite_master`` is rewritten (SQLite's documented
procedure for changing a CHECK constraint: ``writable_schema``, then a new ``schema_version``), which
is safe here because every existing row satisfies the wider constraint. The downgrade first refuses
while a loan is ``declined``.
"""
from alembic import op


revision = 'e9a0b1c2d3e4'
down_revision = 'd8f9a0b1c2d3'
branch_labels = None
depends_on = None

BEFORE = ("submitted", "approved", "active", "extended", "overdue", "recovering", "closed", "written_off",
          "rejected", "withdrawn")
AFTER = (*BEFORE, "declined")


def condition(statuses) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _replace(old, new) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_loans_known_status"), "loans", type_="check")
        op.create_check_constraint(op.f("ck_loans_known_status"), "loans", condition(new))
        return
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'loans'").scalar()
    if condition(old) not in sql:
        raise RuntimeError("ck_loans_known_status is not the constraint this migration expects")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'loans'",
                         (sql.replace(condition(old), condition(new)),))
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    _replace(BEFORE, AFTER)


def downgrade():
    declined = op.get_bind().exec_driver_sql("SELECT count(*) FROM loans WHERE status = 'declined'").scalar()
    if declined:
        raise RuntimeError(f"{declined} loan(s) are declined: that status cannot be removed while they exist")
    _replace(AFTER, BEFORE)
