"""The operator commands: users create (password from stdin), setup, seed-demo."""
from __future__ import annotations

from models import Loan, User, db
from workflows import accounts

from .conftest import count, one


def test_users_create_reads_the_password_from_stdin(world, runner):
    result = runner.invoke(args=["users", "create", "clerk_new", "--role", "township_clerk", "--township",
                                 "hanfeng"], input="Long-enough-1\n")
    assert result.exit_code == 0, result.output
    user = one(User, username="clerk_new")
    assert user.roles == {"township_clerk"} and user.township.code == "hanfeng"
    assert accounts.authenticate("clerk_new", "Long-enough-1", failures_before_lock=5,
                                 lock_period=__import__("datetime").timedelta(minutes=1)) is not None


def test_users_create_refuses_a_clerk_without_township(world, runner):
    result = runner.invoke(args=["users", "create", "x", "--role", "township_clerk"], input="Long-enough-1\n")
    assert result.exit_code != 0 and "township" in result.output
    assert count(User, username="x") == 0


def test_seed_demo_creates_loans_at_every_stage(app, runner):
    result = runner.invoke(args=["seed-demo", "--households", "12", "--days", "150"])  # make run: 100 × 730
    assert result.exit_code == 0, result.output
    assert "invariants_ok=1" in result.output
    statuses = {loan.status for loan in db.session.query(Loan)}
    assert {"submitted", "approved", "active", "rejected"} <= statuses
    assert runner.invoke(args=["seed-demo"]).output.startswith("demo data already present")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
