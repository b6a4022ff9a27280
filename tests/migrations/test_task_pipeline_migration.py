"""The task-pipeline migration (7a1c2e9d4b10) on a database built by the previous main (52f03baaed25).

Rows are written with plain SQL in the previous schema; after the upgrade the loan instances carry
their loan's scope, the subsidy settlement's instance its bank, and the open inbox row that a
timer had placed without a bank (the bug the pipeline fixed) has the bank, so the bank sees it.
"""
from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from models import db
from webapp import create_app

PREVIOUS_HEAD = "52f03baaed25"
NOW = "2026-11-30 08:00:00+00:00"
ROWS = [
    "INSERT INTO townships (id, code, name) VALUES (1, 'hanfeng', '汉丰街道')",
    "INSERT INTO banks (id, code, name) VALUES (1, 'cqrcb', '重庆农商行'), (2, 'psbc', '邮储银行')",
    "INSERT INTO households (id, id_number, name, township_id, category, removed, dishonest, created_at, updated_at) "
    "VALUES (1, '500234199001011234', '张三', 1, 'poverty_lifted', false, false, :now, :now)",
    "INSERT INTO loans (id, household_id, township_id, bank_id, kind, status, applicant_id_number, amount, term_months, "
    "purpose_category, purpose, applied_on, principal_outstanding, subsidised_principal, covered_principal, "
    "extension_count, days_past_due, risk_class, created_at, updated_at) VALUES (1, 1, 1, 1, 'new', 'submitted', "
    "'500234199001011234', 30000, 24, 'planting', '种植', '2026-11-30', 0, 0, 0, 0, 0, 'normal', :now, :now)",
    "INSERT INTO process_versions (id, process_key, version, sources, source_hash, deployed_at) VALUES "
    "(1, 'microcredit_loan', 1, '{}', 'a', :now), (2, 'interest_subsidy_settlement', 1, '{}', 'b', :now), "
    "(3, 'risk_fund_topup', 1, '{}', 'c', :now)",
    "INSERT INTO process_instances (id, process_version_id, loan_id, status, state, version, created_at, updated_at) "
    "VALUES (1, 1, 1, 'running', :state, 1, :now, :now), (2, 2, NULL, 'running', :state, 1, :now, :now), "
    "(3, 3, NULL, 'running', :state, 1, :now, :now)",
    "INSERT INTO subsidy_settlements (id, year, quarter, bank_id, status, total, process_instance_id, created_at) "
    "VALUES (1, 2026, 3, 2, 'paid', 0, 2, :now)",
    "INSERT INTO human_tasks (id, process_instance_id, loan_id, spiff_task_id, name, title, form, role, township_id, "
    "bank_id, state, created_at) VALUES "
    "(1, 1, 1, '00000000-0000-8000-8000-000000000001', 'confirm_eligibility', '资格确认', 'ConfirmEligibilityForm', 'rural_bureau', 1, 1, 'ready', :now), "
    "(2, 2, NULL, '00000000-0000-8000-8000-000000000002', 'confirm_subsidy_passed_on', '确认贴息到户', 'ConfirmPassedOnForm', 'bank_officer', NULL, "
    "NULL, 'ready', :now), "
    "(3, 3, NULL, '00000000-0000-8000-8000-000000000003', 'record_topup', '补充风险补偿金', 'RecordTopupForm', 'finance_bureau', NULL, NULL, "
    "'ready', :now)",
]


@pytest.fixture
def empty_database(tmp_path, database_url, worker_id):
    """A database of its own: a SQLite file, or on PostgreSQL a fresh database beside the test one."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'previous.db'}"
        return
    url = sa.engine.make_url(database_url)
    fresh = url.set(database=f"{url.database}_migration")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{fresh.database}"'))
    yield fresh.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
    admin.dispose()


def test_the_upgrade_gives_every_instance_and_open_task_its_scope(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(sa.text(statement), {"now": NOW, "state": b"\x00"})
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            instances = connection.execute(sa.text(
                "SELECT id, township_id, bank_id FROM process_instances ORDER BY id")).all()
            tasks = connection.execute(sa.text(
                "SELECT id, township_id, bank_id, claimed_at FROM human_tasks ORDER BY id")).all()
            exclusions = connection.execute(sa.text("SELECT count(*) FROM task_exclusions")).scalar()
        db.engine.dispose()
    assert [tuple(row) for row in instances] == [(1, 1, 1), (2, None, 2), (3, None, None)]
    assert [tuple(row) for row in tasks] == [(1, 1, 1, None), (2, None, 2, None), (3, None, None, None)]
    assert exclusions == 0


def test_the_upgrade_goes_back_down_cleanly(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("process_instances")}
        tables = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert "bank_id" not in columns and "task_exclusions" not in tables
