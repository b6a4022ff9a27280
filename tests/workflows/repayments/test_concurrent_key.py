"""Two requests with the same Idempotency-Key at the same moment: one repayment, both get it."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

from models import AuditEvent, Loan, User, db
from models.repayment import Repayment
from tests.conftest import count
from tests.factories_repayments import active_loan, at
from workflows import audit, clock, repayments
from workflows.repayments import recording


def test_the_same_key_at_once_records_once(app, world, monkeypatch):
    loan_id = active_loan(world, date(2024, 1, 15)).id
    user_id = world.users["officer_rcb"].id
    barrier = threading.Barrier(2, timeout=10)
    original = recording.loan_for_repayment

    def both_checked_first(*args):
        loan = original(*args)
        barrier.wait()  # both requests passed the permission check before either locks the loan
        return loan

    monkeypatch.setattr(recording, "loan_for_repayment", both_checked_first)
    outcomes: list = []

    def post() -> None:
        with app.app_context(), clock.frozen(at(date(2024, 3, 20))):
            actor = audit.Actor(db.session.get(User, user_id), None, "127.0.0.1")
            try:
                recorded = repayments.record(actor, loan_id, {"paid_on": date(2024, 3, 20), "principal": Decimal("0"),
                                                             "interest": Decimal("162.50")}, "bank-key-7")
                outcomes.append((recorded.created, recorded.repayment.id))
            except Exception as exc:  # noqa: BLE001 - the test reports whatever happened
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.expire_all()
    assert count(Repayment) == 1 and count(AuditEvent, action="repayment_recorded") == 1
    only = db.session.query(Repayment).one().id
    assert sorted(outcomes) == [(False, only), (True, only)]
    assert db.session.get(Loan, loan_id).status == "active" and audit.verify().ok
