"""The designer's validation runs every script, condition, DMN cell and timer expression of a draft on
sample data under the sandbox's budget: a breach refuses the draft naming the element; an error that
only the sample data provokes does not (docs/engine.md §Budgets)."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from forms.registry import TASK_FORMS
from workflows import drafts, validation
from workflows.deployment import bundled_sources
from workflows.validation import expressions

pytestmark = pytest.mark.timeout(20)

KEY = "microcredit_loan"
LOAN, POST, CREDIT = "microcredit_loan.bpmn", "post_loan.bpmn", "credit_line.dmn"
PLACES = {  # kind: (file, text replaced, its replacement around {code}, element id named)
    "script": (LOAN, "policy_violations = sorted(", "y = {code}\npolicy_violations = sorted(", "collect_violations"),
    "condition": (LOAN, "eligible == True", "eligible == ({code})", "flow_eligible"),
    "dmn_cell": (CREDIT, '<text>"AAA"</text>', "<text>{code}</text>", "credit_line_rule_aaa"),
    "timer": (POST, ">maturity_at</bpmn:timeDate>", ">maturity_at if {code} else maturity_at</bpmn:timeDate>",
              "maturity_timer"),
}
BREACHES = {  # name: (code, words of the message)
    "sum_of_a_huge_range": ("sum(range(10 ** 12))", "MAX_ITEMS"),
    "huge_power": ("9 ** 9 ** 9", "MAX_INT_BITS"),
    "long_string": ("'x' * 10 ** 9", "MAX_ITEMS"),
    "long_list": ("[0] * 10 ** 9", "MAX_ITEMS"),
    "huge_comprehension": ("len([1 for a in range(10 ** 5) for b in range(10 ** 5)])", "budget exceeded"),
    "endless_recursion": ("(lambda f: f(f))(lambda f: f(f))", "depth budget exceeded"),
    "exponential_recursion": ("(lambda f: f(f, 60))(lambda f, n: n and f(f, n - 1) + f(f, n - 1))", "budget exceeded"),
    "data_sized_range": ("sum(range(len(str(amount)) * 10 ** 12))", "MAX_ITEMS"),
}
SCRIPT_BREACHES = {"endless_while": "i = 0\nwhile True:\n    i += 1\n", "endless_pass": "while True:\n    pass\n",
                   "huge_for": "for i in range(10 ** 12):\n    pass\n"}


def edited(kind: str, code: str, script: str = "") -> dict[str, str]:
    file_name, old, new, _ = PLACES[kind]
    sources = bundled_sources()
    assert old in sources[file_name], old
    replacement = escape(script) + new.format(code=escape(code)) if script else new.format(code=escape(code))
    return {**sources, file_name: sources[file_name].replace(old, replacement, 1)}


@pytest.mark.parametrize("kind", sorted(PLACES))
@pytest.mark.parametrize("name", sorted(BREACHES))
def test_each_breach_refuses_the_draft_naming_the_element(kind, name):
    code, words = BREACHES[name]
    found = validation.safety_problems(edited(kind, code))
    element_id = PLACES[kind][3]
    assert list(found) == [element_id], found
    assert any(words in message and "(on sample data)" in message for message in found[element_id]), found
    with pytest.raises(validation.DiagramInvalidError) as refused:
        validation.check(KEY, edited(kind, code), TASK_FORMS)
    assert element_id in refused.value.problems


@pytest.mark.parametrize("name", sorted(SCRIPT_BREACHES))
def test_a_loop_in_a_script_refuses_the_draft(name):
    found = validation.safety_problems(edited("script", "1", SCRIPT_BREACHES[name]))
    assert list(found) == ["collect_violations"]
    assert "script:" in found["collect_violations"][0] and "budget exceeded" in found["collect_violations"][0]


@pytest.mark.parametrize("code", [
    "len(members) > 0",  # TypeError with 1, fine with ''
    "household['size'] + 1",  # TypeError on every sample
    "amount.quantize(Decimal('0.01')) > 0",  # AttributeError with 1, fine with Decimal('1')
    "sum(range(amount)) >= 0",  # within budget for the sample, whatever real data does at run time
    "undefined_function(amount)",  # TypeError: the sample is not callable
])
@pytest.mark.parametrize("kind", ["condition", "dmn_cell", "timer"])
def test_an_error_the_sample_data_provokes_does_not_refuse_a_good_draft(kind, code):
    assert validation.safety_problems(edited(kind, code)) == {}


def test_the_bundled_diagrams_pass_the_sample_runs():
    assert validation.problems(KEY, bundled_sources(), TASK_FORMS) == {}


def test_a_draft_whose_code_takes_too_long_in_total_is_refused(monkeypatch):
    monkeypatch.setattr(expressions, "MAX_DRAFT_SECONDS", -1.0)
    found = validation.safety_problems(bundled_sources())
    assert found and all("not checked" in message for messages in found.values() for message in messages)


def test_saving_a_draft_with_an_endless_loop_is_refused(world):
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, KEY)
    sources = {**draft.sources, LOAN: edited("script", "1", SCRIPT_BREACHES["endless_pass"])[LOAN]}
    with pytest.raises(validation.DiagramInvalidError) as refused:
        drafts.save_draft(admin, draft.id, sources, expected_revision=1)
    assert list(refused.value.problems) == ["collect_violations"]
