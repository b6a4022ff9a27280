"""The sandbox's budget at run time: every breach is refused, naming its limit, in the sandbox, in a
tiny diagram run in memory, through the API and in the timer worker; the instance keeps its last
saved state and ordinary code runs as before (docs/engine.md §Budgets)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest

from models import ProcessInstance, db
from workflows import clock, deployment, engine, instances, timers, validation
from workflows.errors import BudgetExceededError, ProcessError
from workflows.sandbox import RestrictedEnvironment
from workflows.sandbox_budget import limits

from ..factories_postloan import at

pytestmark = pytest.mark.timeout(20)

EXPRESSIONS = {  # name: (expression, the limit it breaches)
    "sum_of_a_huge_range": ("sum(range(10 ** 12))", "MAX_ITEMS"),
    "huge_power": ("9 ** 9 ** 9", "MAX_INT_BITS"),
    "long_string": ("'x' * 10 ** 9", "MAX_ITEMS"),
    "long_list": ("[0] * 10 ** 9", "MAX_ITEMS"),
    "huge_comprehension": ("len([1 for a in range(10 ** 5) for b in range(10 ** 5)])", "MAX_STEPS"),
    "endless_recursion": ("(lambda f: f(f))(lambda f: f(f))", "recursion"),
    "exponential_recursion": ("(lambda f: f(f, 60))(lambda f, n: n and f(f, n - 1) + f(f, n - 1))", "MAX_STEPS"),
}
SCRIPTS = {  # line 1 is "i = 0": the breach is on line 2
    "endless_while": ("while True:\n    i += 1", "MAX_STEPS"),
    "endless_pass": ("while True:\n    pass", "MAX_STEPS"),
    "huge_for": ("for i in range(10 ** 12):\n    i += 1", "MAX_ITEMS"),
    **{name: (f"y = {source}", limit) for name, (source, limit) in EXPRESSIONS.items()},
}
LIMITS = {"MAX_STEPS": {"MAX_STEPS", "MAX_SECONDS"}}  # a slow machine may run out of time first
LIMITS.update((limit, {limit}) for limit in ("MAX_ITEMS", "MAX_INT_BITS", "recursion"))
KINDS = ("script", "condition", "dmn", "timer")
CASES = [("script", name) for name in SCRIPTS] + [(k, n) for k in KINDS[1:] for n in EXPRESSIONS]
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')
FIRST = {
    "user": ('<bpmn:userTask id="first" name="复核"><bpmn:extensionElements><spiffworkflow:properties>'
             '<spiffworkflow:property name="form" value="ReviewOverdueTopupForm"/></spiffworkflow:properties>'
             '</bpmn:extensionElements></bpmn:userTask>'),
    "timer": ('<bpmn:intermediateCatchEvent id="first"><bpmn:timerEventDefinition id="first_timer">'
              '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'),
}


def code(kind: str, name: str) -> str:
    return "i = 0\n" + SCRIPTS[name][0] if kind == "script" else EXPRESSIONS[name][0]


def breach(kind: str, source: str) -> str:
    """The element ``breach`` running ``source``: a script task, a gateway, a DMN task or a timer."""
    text = escape(source)
    return {
        "script": f'<bpmn:scriptTask id="breach"><bpmn:script>{text}</bpmn:script></bpmn:scriptTask>',
        "condition": '<bpmn:exclusiveGateway id="breach" default="f_out"/><bpmn:sequenceFlow id="f_cond" '
                     f'sourceRef="breach" targetRef="done"><bpmn:conditionExpression>({text}) == 1'
                     '</bpmn:conditionExpression></bpmn:sequenceFlow>',
        "dmn": ('<bpmn:businessRuleTask id="breach"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
                'dec</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>'),
        "timer": ('<bpmn:intermediateCatchEvent id="breach"><bpmn:timerEventDefinition id="breach_timer">'
                  f'<bpmn:timeDuration>"PT1H" if ({text}) else "PT2H"</bpmn:timeDuration>'
                  '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'),
    }[kind]


def diagram(process_id: str, kind: str, source: str, first: str | None = None) -> dict[str, str]:
    """start → [first: a user task of the finance bureau, or a one-hour timer] → breach → done."""
    chain = ["start", *(["first"] if first else []), "breach"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in
                    enumerate(zip(chain, chain[1:])))
    lanes = ('<bpmn:laneSet id="lanes"><bpmn:lane id="lane_finance_bureau" name="finance_bureau">'
             '<bpmn:flowNodeRef>first</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>') if first == "user" else ""
    body = (f'{lanes}<bpmn:startEvent id="start"/>{FIRST.get(first, "")}{breach(kind, source)}'
            '<bpmn:endEvent id="done"/><bpmn:sequenceFlow id="f_out" sourceRef="breach" targetRef="done"/>' + flows)
    sources = {f"{process_id}.bpmn": f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} '
               f'id="d_{process_id}" targetNamespace="t"><bpmn:process id="{process_id}" isExecutable="true">'
               f'{body}</bpmn:process></bpmn:definitions>'}
    if kind == "dmn":
        sources[f"{process_id}.dmn"] = (
            '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d" namespace="x">'
            '<decision id="dec" name="Dec"><decisionTable id="dt" hitPolicy="UNIQUE"><input id="in">'
            '<inputExpression id="in_e"><text>1</text></inputExpression></input><output id="out" name="result"/>'
            '<rule id="breach_rule"><inputEntry id="breach_in"><text>-</text></inputEntry><outputEntry '
            f'id="breach_out"><text>{escape(source)}</text></outputEntry></rule></decisionTable></decision></definitions>')
    return sources


# --- the sandbox ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_a_script_over_budget_is_refused_naming_the_limit_and_changes_nothing(name):
    context = {"items": [1]}
    with pytest.raises(BudgetExceededError, match="budget exceeded") as refused:
        RestrictedEnvironment().execute("i = 0\nitems.append(2)\n" + SCRIPTS[name][0], context)
    assert refused.value.limit in LIMITS[SCRIPTS[name][1]] and refused.value.codes == ("budget_exceeded",)
    assert context == {"items": [1]}


@pytest.mark.parametrize("source", [
    "'x'.ljust(10 ** 9)", "str.center('x', 10 ** 9)", "1 << 10 ** 10", "pow(9, 9 ** 9)", "int(Decimal('9e999999'))",
    "'%1000000000d' % 1", "f'{1:1000000000}'", "('x' * 10 ** 5).replace('x', 'yy')", "[[0] * 10 ** 5] * 2",
    "','.join(['ab'] * 60000)", "(lambda *a: a)(*([0] * 60000), *([0] * 60000))",
])
def test_other_ways_to_build_something_huge_are_refused_before_building_it(source):
    with pytest.raises(BudgetExceededError, match="size budget exceeded"):
        RestrictedEnvironment().evaluate(source, {})


@pytest.mark.parametrize("script", [
    "s = 'x' * 60000\ns = s + s", "l = [0] * 60000\nl.extend(l)", "l = [0] * 60000\nl[len(l):] = l",
    "l = [0] * 60000\nl += l", "l = [0] * 60000\nm = [*l, *l]", "s = 'x' * 60000\nm = f'{s}{s}'",
    "s = 'x' * 60000\nl = [s, s]", "s = 'x' * 10 ** 5\nl = []\nfor i in range(500):\n    l.append(s)\nt = str(l)",
    "l = []\nfor i in range(40):\n    l = [l]",
])
def test_doubling_without_a_loop_or_storing_too_much_is_refused(script):
    with pytest.raises(BudgetExceededError, match="budget exceeded"):
        RestrictedEnvironment().execute(script, {})


def test_a_breach_the_script_catches_still_ends_it():
    context = {}
    with pytest.raises(BudgetExceededError, match="MAX_STEPS"):
        RestrictedEnvironment().execute("try:\n    while True:\n        pass\nexcept Exception:\n    x = 1", context)
    assert context == {}


def test_the_clock_and_the_memory_are_checked_at_each_step(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SECONDS", -1.0)
    with pytest.raises(BudgetExceededError, match="MAX_SECONDS"):
        RestrictedEnvironment().execute("for i in range(3):\n    x = i", {})
    monkeypatch.setattr(limits, "MAX_SECONDS", 1.0)
    readings = iter([0, limits.MAX_MEMORY + 1])
    monkeypatch.setattr(limits, "_peak_memory", lambda: next(readings))
    with pytest.raises(BudgetExceededError, match="MAX_MEMORY"):
        RestrictedEnvironment().execute("for i in range(1000):\n    x = i", {})


@pytest.mark.parametrize(("source", "value"), [
    ("isinstance('a', str) and isinstance(1, int) and not isinstance(1, str)", True),
    ("list(range(3)) + [*items, 3]", [0, 1, 2, 1, 3]), ("str(12) + ' ' + repr('x') + str(b'a', 'ascii')", "12 'x'a"),
    ("int('7') + round(Decimal('2.5')) + 2 ** 10 + (1 << 3) + pow(2, 5, 7)", 1045),
    ("'ab'.ljust(4, '.') + ', '.join(['a', 'b']) + 'x' * 3", "ab..a, bxxx"), ("[0] * 3", [0, 0, 0]),
    ("f'{amount:,.2f}|{amount!r}' + '%05.1f' % 2.5", "50,000.00|Decimal('50000')002.5"),
    ("sum([[1], [2]], []) + sorted(x * 2 for x in items)", [1, 2, 2]),
])
def test_ordinary_code_still_works(source, value):
    assert RestrictedEnvironment().evaluate(source, {"items": [1], "amount": Decimal("50000")}) == value


def test_task_data_named_like_a_guard_cannot_replace_it():
    context = {"_step_": 1, "_getattr_": 2}
    with pytest.raises(BudgetExceededError, match="MAX_STEPS"):
        RestrictedEnvironment().execute("while True:\n    pass", context)


# --- a diagram run in memory ---------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "name"), CASES)
def test_a_breach_in_a_diagram_is_a_process_error_naming_the_element(kind, name):
    workflow = engine.new_workflow(engine.parse_sources("tiny", diagram("tiny", kind, code(kind, name))))
    with pytest.raises(ProcessError, match="BudgetExceededError") as failed:
        engine.run_engine(workflow)
    assert failed.value.where() == {"process": "tiny", "task": "breach", **({"line": 2} if kind == "script" else {})}
    if kind != "script":  # an expression's error says which limit, too
        assert "budget exceeded" in str(failed.value)


def test_the_admins_test_run_reports_a_breach_instead_of_hanging():
    report = validation.test_run("tiny", diagram("tiny", "script", code("script", "endless_pass")), [])
    assert not report.completed and "budget exceeded" in report.reason


# --- through the API and in the timer worker ---------------------------------------------------

def started(process_id: str, sources: dict[str, str], world):
    deployment.deploy(process_id, sources, world.actor("admin"), comment="tiny")
    loaded = instances.start(process_id, None, {})
    instances.save(loaded)
    created = instances.settle(loaded, None)
    db.session.commit()
    return loaded.row.id, created


def saved(instance_id: int) -> tuple:
    db.session.expire_all()
    row = db.session.get(ProcessInstance, instance_id)
    return row.version, row.state, row.status, row.next_timer_at


@pytest.mark.parametrize(("kind", "name"), [("script", "endless_while"), ("script", "long_list"),
                                            ("condition", "sum_of_a_huge_range"), ("condition", "long_string"),
                                            ("dmn", "huge_power"), ("dmn", "exponential_recursion"),
                                            ("timer", "huge_comprehension"), ("timer", "endless_recursion")])
def test_completing_a_task_before_a_breach_answers_422_and_saves_nothing(world, client, login, kind, name):
    instance_id, (task,) = started(f"budget_{kind}", diagram(f"budget_{kind}", kind, code(kind, name), "user"), world)
    before = saved(instance_id)
    answer = client.post(f"/api/v1/tasks/{task.id}/complete", headers=login.token("finance"),
                         json={"comment": "已复核", "instance_version": before[0]})
    assert answer.status_code == 422, answer.get_json()
    body = answer.get_json()
    assert body["codes"] == ["process_error"] and (body["process"], body["task"]) == (f"budget_{kind}", "breach")
    assert saved(instance_id) == before


@pytest.mark.parametrize(("kind", "name"), [("script", "endless_pass"), ("condition", "huge_power"),
                                            ("dmn", "long_list"), ("timer", "sum_of_a_huge_range"),
                                            ("timer", "exponential_recursion")])
def test_the_timer_worker_skips_an_instance_over_budget_and_fires_the_others(world, kind, name):
    start = at(date(2025, 4, 1))
    with clock.frozen(start):
        bad, _ = started("budget_bad", diagram("budget_bad", kind, code(kind, name), "timer"), world)
        good, _ = started("budget_good", diagram("budget_good", "script", "x = 1", "timer"), world)
    before = saved(bad)
    report = timers.sweep(start + timedelta(hours=2))
    assert report.errors == 1 and report.fired >= 1
    assert saved(bad) == before and saved(good)[2] == "completed"
