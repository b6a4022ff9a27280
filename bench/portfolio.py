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

The templates and the loan-less processes are in bench/portfolio_templates.py, the clones and their
writing (inserts, COPY) in bench/portfolio_clones.py; here are the command (``build``) and ``generate``.

Usage: .venv/bin/python bench/portfolio.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/province
       [--loans 1000000] [--townships 400] [--chunk 5000]
(without ``--database-url``: a dry run on a SQLite file in a temporary folder, removed at the end). docs/scale.md
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the repository: bench/ and tests/ are not installed

import sqlalchemy as sa  # noqa: E402

from bench.portfolio_clones import add_townships, bulk_copy, insert_clones  # noqa: E402
from bench.portfolio_templates import APPLICATION_STAGES, STAGES, build_templates, process_tasks  # noqa: E402
from models import db  # noqa: E402

# What the other benches use: province.py builds, web.py and throughput.py generate (the application stages)
__all__ = ["APPLICATION_STAGES", "STAGES", "build", "generate", "main"]


def generate(world, total: int, batch: int = 1000, townships: int = 0, stages=STAGES) -> None:
    """``total`` loans (the templates among them) over the stages' mix and every township, each with its
    instances, inbox rows and audit events, and the district's tasks without a loan (``process_tasks``),
    inserted with SQLAlchemy Core (any database: bench/web.py's SQLite). ``build`` COPYs on PostgreSQL."""
    add_townships(townships)
    process_tasks(world)
    insert_clones(build_templates(world, stages, report=lambda line: None), total, batch)


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


if __name__ == "__main__":
    main()
