"""RegisterApplicationForm: each field's bad inputs with their exact messages, and the typed data."""
from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from forms import RegisterApplicationForm

GOOD = {"id_number": "500234198006151002", "bank": "cqrcb", "amount": "30000.00", "term_months": "12",
        "purpose_category": "breeding", "purpose": "养殖生猪", "kind": "new"}


@pytest.fixture
def english(app, world):
    with app.test_request_context("/?lang=en"):
        yield


def submit(**changes) -> RegisterApplicationForm:
    data = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    form = RegisterApplicationForm(formdata=MultiDict(data), meta={"csrf": False})
    form.validate()
    return form


def test_good_input_gives_the_typed_task_data(english):
    form = submit(id_number=" 500234 19800615 1002 ", amount="50000")
    assert form.errors == {}
    assert form.to_data() == {
        "id_number": "500234198006151002", "bank": "cqrcb", "amount": Decimal("50000"), "term_months": 12,
        "purpose_category": "breeding", "purpose": "养殖生猪", "kind": "new",
        "household_id": None,  # typed, not picked from the look-up
    }


def test_bank_choices_come_from_the_banks_table(english):
    choices = RegisterApplicationForm(meta={"csrf": False}).bank.iter_choices()
    assert [choice[0] for choice in choices] == ["", "cqrcb", "psbc"]


def test_a_non_productive_purpose_is_offered_so_the_policy_can_refuse_it(english):
    assert submit(purpose_category="wedding").errors == {}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("id_number", "", "This field is required."),
    ("id_number", "50023419800615100", "A resident ID has 18 characters."),
    ("id_number", "50023419800615100A", "A resident ID has 17 digits and a last digit or X."),
    ("id_number", "500234198002301002", "The birth date in this resident ID does not exist."),
    ("id_number", "500234198006151003", "The check digit of this resident ID is wrong."),
    ("bank", "", "This field is required."),
    ("bank", "icbc", "Not a valid choice."),
    ("amount", None, "This field is required."),
    ("amount", "abc", "Not a valid decimal value."),
    ("amount", "0", "Must be greater than zero."),
    ("amount", "-5", "Must be greater than zero."),
    ("amount", "100.001", "Use at most 2 decimals."),
    ("term_months", "", "This field is required."),
    ("term_months", "1.5", "Not a valid integer value."),
    ("term_months", "0", "At least one month."),
    ("purpose_category", "", "This field is required."),
    ("purpose_category", "gambling", "Not a valid choice."),
    ("purpose", "   ", "This field is required."),
    ("purpose", "x" * 501, "At most 500 characters."),
    ("kind", "gift", "Not a valid choice."),
])
def test_bad_input_is_refused_with_its_message(english, field, value, message):
    form = submit(**{field: value})
    assert {k: [str(m) for m in v] for k, v in form.errors.items()} == {field: [message]}


def test_kind_defaults_to_a_new_loan(english):
    assert submit(kind=None).to_data()["kind"] == "new"

