"""The form registry: every diagram's form resolves, fields are described, JSON bodies validate."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from forms import TASK_FORMS, ApproveLoanForm, ConfirmEligibilityForm, RegisterApplicationForm
from forms import describe_fields, form_class, form_from_json

BPMN_DIR = Path(__file__).resolve().parents[2] / "workflows" / "bpmn"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def diagram_forms() -> list[tuple[str, str]]:
    found = []
    for path in sorted(BPMN_DIR.glob("*.bpmn")):
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        for prop in tree.iter(f"{{{SPIFF}}}property"):
            if prop.get("name") == "form":
                found.append((path.name, prop.get("value")))
    return found


def test_the_diagrams_name_forms():
    assert ("microcredit_loan.bpmn", "ApproveLoanForm") in diagram_forms()


@pytest.mark.parametrize(("diagram", "name"), diagram_forms())
def test_every_form_property_resolves_to_a_form_class(diagram, name):
    assert form_class(name) is TASK_FORMS[name] and name.endswith("Form")


def test_an_unknown_form_is_a_key_error():
    with pytest.raises(KeyError):
        form_class("NoSuchForm")


def test_fields_are_described_for_the_api(app, world):
    with app.test_request_context("/"):
        described = {d["name"]: d for d in describe_fields(RegisterApplicationForm(meta={"csrf": False}))}
        approve = {d["name"]: d for d in describe_fields(ApproveLoanForm(meta={"csrf": False}))}
        eligible = describe_fields(ConfirmEligibilityForm(meta={"csrf": False}))[0]
    assert list(described) == ["household_id", "id_number", "bank", "amount", "term_months", "purpose_category",
                               "purpose", "kind"]
    assert described["bank"] == {"name": "bank", "type": "choice", "required": True, "choices": ["cqrcb", "psbc"],
                                 "label": "承贷银行"}
    assert described["amount"] == {"name": "amount", "type": "decimal", "required": True, "choices": None,
                                   "label": "金额（元）"}
    assert described["term_months"]["type"] == "integer" and "wedding" in described["purpose_category"]["choices"]
    assert approve["annual_rate"]["required"] is False and approve["decision"]["choices"] == ["approve", "reject", "return"]
    assert eligible == {"name": "eligible", "type": "boolean", "required": True, "choices": None,
                        "label": "是否符合条件"}


def test_a_json_body_builds_the_same_typed_data(app, world):
    with app.test_request_context("/api/v1/x", method="POST"):
        form = form_from_json(ApproveLoanForm, {"decision": "approve", "approved_amount": 20000,
                                                "approved_term_months": 12, "annual_rate": "3.45",
                                                "approval_comment": None, "unknown": 1})
        assert form.validate(), form.errors
        assert form.to_data()["approved_amount"] == Decimal("20000")
        eligible = form_from_json(ConfirmEligibilityForm, {"eligible": False, "eligibility_note": "不在名单",
                                                           "instance_version": 3})
        assert eligible.validate() and eligible.to_data()["eligible"] is False and eligible.expected_version == 3


def test_a_bad_json_body_gives_field_errors(app, world):
    with app.test_request_context("/api/v1/x?lang=en", method="POST"):
        form = form_from_json(RegisterApplicationForm, {"amount": "lots", "term_months": 12.5})
        assert not form.validate()
        assert str(form.errors["amount"][0]) == "Not a valid decimal value."
        assert {"id_number", "bank", "purpose_category", "purpose"} <= set(form.errors)
