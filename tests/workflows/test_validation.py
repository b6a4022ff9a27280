"""Each validation rule refuses a broken copy of the bundled diagrams, naming the element concerned."""
from __future__ import annotations

import json
from xml.sax.saxutils import quoteattr

import pytest
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from forms.diagram import check_form_fields
from forms.registry import TASK_FORMS
from workflows import drafts, engine, validation
from workflows.deployment import bundled_sources

KEY = "microcredit_loan"
LOAN, POST, CREDIT = "microcredit_loan.bpmn", "post_loan.bpmn", "credit_line.dmn"
FACTS = {"on_list": True, "removed": False, "applicant_age": 40, "dishonest": False, "amount": 30000,
         "household_total": 30000, "term_months": 12, "purpose_category": "breeding"}

BROKEN = [  # (file, old text, new text, element id, words of the message)
    (LOAN, "<bpmn:flowNodeRef>confirm_eligibility</bpmn:flowNodeRef>", "", "confirm_eligibility", "in no lane"),
    (LOAN, 'name="rural_bureau"', 'name="admin"', "confirm_eligibility", "lane 'admin' is not a role"),
    (LOAN, '"ConfirmEligibilityForm"', '"NoSuchForm"', "confirm_eligibility", "form 'NoSuchForm' does not exist"),
    (LOAN, ' default="flow_not_eligible"', "", "eligibility_confirmed", "needs a default flow"),
    (LOAN, ' default="flow_not_eligible"', ' default="flow_to_register_application"', "eligibility_confirmed",
     "does not leave this gateway"),
    (CREDIT, "<text>-</text>", '<text>"B"</text>', "credit_line", "catch-all"),
    (CREDIT, 'hitPolicy="UNIQUE"', 'hitPolicy="ANY"', "credit_line", "hit policy ANY"),
    (LOAN, "eligible == True", "eligible ==", "flow_eligible", "condition: Line 1: SyntaxError"),
    (LOAN, "eligible == True", "().__class__.__bases__", "flow_eligible", "condition"),
    (LOAN, "eligible == True", "-" * 100_000 + "1", "flow_eligible", "nested too deeply"),
    (LOAN, "policy_violations = sorted(", "policy_violations = open('/etc/passwd') or sorted(",
     "collect_violations", "script: Line 1: 'open' is not allowed"),
    (CREDIT, '<text>"AAA"</text>', "<text>().__class__</text>", "credit_line_rule_aaa", "cell '信用等级 grade'"),
    (CREDIT, "<text>50000</text>", "<text>import os</text>", "credit_line_rule_aaa", "output"),
    (CREDIT, "<text>grade</text>", "<text>grade +</text>", "credit_line_input_grade", "input expression"),
    (POST, ">maturity_at</bpmn:timeDate>", '>"not a date"</bpmn:timeDate>', "maturity_timer", "ISO 8601 timeDate"),
    (POST, ">maturity_at</bpmn:timeDate>", ">maturity_at +</bpmn:timeDate>", "maturity_timer", "timer: Line 1"),
    (POST, ">maturity_at</bpmn:timeDate>", ">30</bpmn:timeDate>", "maturity_timer", "must be a string"),
    (LOAN, 'calledElement="post_loan"', 'calledElement="nowhere"', "post_loan", "calls process 'nowhere'"),
    (LOAN, "<spiffworkflow:calledDecisionId>credit_line<", "<spiffworkflow:calledDecisionId>nothing<",
     "look_up_credit_line", "decision table 'nothing'"),
    (LOAN, 'sourceRef="post_loan_result" targetRef="loan_written_off"',
     'sourceRef="loan_written_off" targetRef="loan_written_off"', "loan_written_off", "cannot be reached"),
    (LOAN, 'sourceRef="collect_violations" targetRef="policy_passed"',
     'sourceRef="collect_violations" targetRef="collect_violations"', "collect_violations", "no path to an end"),
    (LOAN, 'targetRef="register_application" />', 'targetRef="nowhere" />', "flow_to_register_application",
     "does not exist"),
    (LOAN, '<bpmn:process id="microcredit_loan"', '<bpmn:process id="renamed"', "__all__",
     "no process with the id 'microcredit_loan'"),
    (LOAN, "<?xml version", '<!DOCTYPE x [<!ENTITY e "e">]><?xml version', LOAN, "not allowed"),
    (LOAN, "</bpmn:definitions>", "", LOAN, "not well-formed"),
]


def broken(file_name: str, old: str, new: str) -> dict[str, str]:
    sources = bundled_sources()
    assert old in sources[file_name], old
    return {**sources, file_name: sources[file_name].replace(old, new, 1)}


def test_the_bundled_diagrams_pass():
    assert validation.problems(KEY, bundled_sources(), TASK_FORMS) == {}


@pytest.mark.parametrize("file_name, old, new, element_id, words", BROKEN, ids=[b[4] for b in BROKEN])
def test_each_rule_names_the_element(file_name, old, new, element_id, words):
    found = validation.problems(KEY, broken(file_name, old, new), TASK_FORMS)
    assert element_id in found, found
    assert any(words in message for message in found[element_id]), found[element_id]
    with pytest.raises(validation.DiagramInvalidError) as refused:
        validation.check(KEY, broken(file_name, old, new), TASK_FORMS)
    assert refused.value.codes == ("diagram_invalid",) and refused.value.problems == found


@pytest.mark.parametrize("sources, key", [({}, "__all__"), ({"../x.bpmn": "<a/>"}, "../x.bpmn"),
                                          ({"notes.txt": "<a/>"}, "notes.txt")])
def test_file_sets_and_names_are_checked(sources, key):
    assert key in validation.problems(KEY, sources, TASK_FORMS)


def test_spiffworkflows_own_parser_has_the_last_word(monkeypatch):
    def refuse(process_key, sources):
        raise ValidationException("no good", id="approve_loan")

    monkeypatch.setattr(engine, "parse_sources", refuse)
    found = validation.problems(KEY, bundled_sources(), TASK_FORMS)
    assert found["approve_loan"][0].startswith("SpiffWorkflow cannot parse it: no good")


def test_a_test_run_follows_the_script_to_an_end():
    script = [("register_application", FACTS), ("confirm_eligibility", {"eligible": True}),
              ("investigate_credit", {"grade": "AAA"}), ("approve_loan", {"decision": "reject"})]
    report = validation.test_run(KEY, bundled_sources(), script)
    assert report.completed and report.end_event == "loan_rejected"
    assert report.steps == [name for name, _ in script] and report.data["credit_line"] == 50000


@pytest.mark.parametrize("script, words", [
    ([("register_application", FACTS), ("approve_loan", {})], "the script expects approve_loan, but the "
                                                              "process waits at confirm_eligibility"),
    ([("register_application", FACTS)], "the script ends; waiting at confirm_eligibility"),
    ([("register_application", {})], "error: "),
])
def test_a_test_run_says_where_it_stopped_and_why(script, words):
    report = validation.test_run(KEY, bundled_sources(), script)
    assert not report.completed and words in report.reason


# ---- forms defined in the diagram (form_fields) ----

CONFIRM_FORM = 'name="form" value="ConfirmEligibilityForm"'
GOOD_FIELDS = [{"name": "eligible", "label": {"zh": "是否符合条件", "en": "Eligible"}, "type": "yesno", "required": True},
               {"name": "eligibility_note", "label": {"zh": "说明"}, "type": "textarea", "max": 500}]


def with_form_fields(fields, keep_form: bool = False) -> dict[str, str]:
    """confirm_eligibility with its form defined in the diagram (and its form class, if kept)."""
    text = fields if isinstance(fields, str) else json.dumps(fields, ensure_ascii=False)
    new = f"name=\"form_fields\" value={quoteattr(text)}"
    if keep_form:
        new = f'{CONFIRM_FORM} /><spiffworkflow:property {new}'
    return broken(LOAN, CONFIRM_FORM, new)


def catalog() -> validation.FormCatalog:
    return validation.FormCatalog(TASK_FORMS, check_form_fields)


def test_a_user_task_with_its_form_defined_in_the_diagram_passes():
    assert validation.problems(KEY, with_form_fields(GOOD_FIELDS), catalog()) == {}
    validation.check(KEY, with_form_fields(GOOD_FIELDS), TASK_FORMS, check_form_fields)


@pytest.mark.parametrize("fields, words", [
    ([{**GOOD_FIELDS[0], "type": "colour"}], "form_fields: field 'eligible': unknown type \"colour\""),
    ([GOOD_FIELDS[0], GOOD_FIELDS[0]], "form_fields: field 'eligible': duplicate name 'eligible'"),
    ([{**GOOD_FIELDS[0], "name": "csrf_token"}], "form_fields: field 'csrf_token': the name 'csrf_token' is reserved"),
    ([{**GOOD_FIELDS[0], "type": "choice"}], "form_fields: field 'eligible': a choice field needs choices"),
    ([{**GOOD_FIELDS[1], "min": 10, "max": 5}], "form_fields: field 'eligibility_note': min 10 is greater than max 5"),
    ("[{", "form_fields is not valid JSON"),
    ("{}", "form_fields must be a JSON array of fields"),
])
def test_bad_form_fields_are_refused_on_the_task_that_has_them(fields, words):
    found = validation.problems(KEY, with_form_fields(fields), catalog())
    assert list(found) == ["confirm_eligibility"], found
    assert any(words in message for message in found["confirm_eligibility"]), found
    with pytest.raises(validation.DiagramInvalidError) as refused:
        validation.check(KEY, with_form_fields(fields), TASK_FORMS, check_form_fields)
    assert refused.value.problems == found


def test_the_checker_passed_beside_the_names_wins_over_the_catalogs():
    found = validation.problems(KEY, with_form_fields(GOOD_FIELDS), catalog(), lambda text: ["field 'x': no good"])
    assert found == {"confirm_eligibility": ["form_fields: field 'x': no good"]}


def test_without_a_checker_the_fields_are_not_checked():
    assert validation.problems(KEY, with_form_fields("[{"), TASK_FORMS) == {}


def test_a_form_class_and_form_fields_together_are_refused_even_without_a_checker():
    for known in (TASK_FORMS, catalog()):
        found = validation.problems(KEY, with_form_fields(GOOD_FIELDS, keep_form=True), known)
        assert found == {"confirm_eligibility": ["user task has both 'form' and 'form_fields': keep one of them"]}


def test_a_user_task_with_neither_names_no_form():
    found = validation.problems(KEY, broken(LOAN, CONFIRM_FORM, 'name="other" value="x"'), catalog())
    assert found == {"confirm_eligibility": ["user task names no form (extension property 'form' or 'form_fields')"]}


def test_a_draft_with_bad_form_fields_is_refused_through_the_catalog(world):
    admin = world.actor("admin")
    with pytest.raises(validation.DiagramInvalidError) as refused:
        drafts.create_draft(admin, KEY, sources=with_form_fields([{**GOOD_FIELDS[0], "name": "Eligible"}]),
                            known_forms=catalog())
    assert "form_fields: field 1: bad name \"Eligible\"" in refused.value.problems["confirm_eligibility"][0]
    draft = drafts.create_draft(admin, KEY, sources=with_form_fields(GOOD_FIELDS), known_forms=catalog())
    assert "form_fields" in draft.sources[LOAN]


# ---- four eyes declared in the diagram (four_eyes_with) ----

APPROVE_FOUR_EYES = 'name="four_eyes_with" value="investigate_credit"'
EXTENSION_FOUR_EYES = 'name="four_eyes_with" value="request_extension"'


@pytest.mark.parametrize("file_name, old, names, element_id, words", [
    (LOAN, APPROVE_FOUR_EYES, "investigate_credit, nowhere", "approve_loan",
     "four_eyes_with names 'nowhere', which is not a user task of these diagrams"),
    (LOAN, APPROVE_FOUR_EYES, "approve_loan", "approve_loan", "four_eyes_with names the task itself"),
    (LOAN, APPROVE_FOUR_EYES, "look_up_credit_line", "approve_loan", "'look_up_credit_line', which is not a user task"),
    (POST, EXTENSION_FOUR_EYES, "request_extension investigate_credit recover", "approve_extension",
     "four_eyes_with names 'recover', which is not a user task of these diagrams"),
])
def test_four_eyes_names_another_user_task_of_the_draft(file_name, old, names, element_id, words):
    found = validation.problems(KEY, broken(file_name, old, f'name="four_eyes_with" value="{names}"'), catalog())
    assert list(found) == [element_id] and len(found[element_id]) == 1, found
    assert words in found[element_id][0]


def test_four_eyes_may_name_a_user_task_drawn_in_another_file_of_the_draft():
    names = 'name="four_eyes_with" value="request_extension,investigate_credit, approve_loan"'
    assert validation.problems(KEY, broken(POST, EXTENSION_FOUR_EYES, names), catalog()) == {}
