"""An imported loan's history before the import day comes from its opening book: the disbursement,
then each day principal was repaid; the import day's row has the figures the import set."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from tests.factories import make_household
from tests.factories_imports import imported_loan, install_lifecycle

from .helpers import rows

IMPORT_DAY = date(2026, 11, 30)  # matured 2026-06-01 with 30000 left: 182 days past due


def test_an_imported_loan_gets_its_history_from_its_opening_book(world):
    install_lifecycle()
    loan = imported_loan(world, make_household(), IMPORT_DAY)
    history = rows(loan.id)
    assert history[0] == (date(2024, 6, 1), D("50000.00"), 0, "normal", history[0][4], "active")
    assert [row[:2] for row in history[1:-1]] == [(date(2026, 3, 20), D("30000.00"))]  # the 20,000 repaid then
    assert history[-1] == (IMPORT_DAY, D("30000.00"), 182, "substandard", history[-1][4], "overdue")
