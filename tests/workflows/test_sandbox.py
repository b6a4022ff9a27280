"""The restricted script environment: escapes refused, ordinary scripts and DMN tables work."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from workflows.errors import ScriptRefusedError
from workflows.sandbox import RestrictedEnvironment, check_source, make_script_engine

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def _bpmn(body: str) -> str:
    """A process ``proc``: start → *body* (tasks t1..tn in sequence) → end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}" id="d" targetNamespace="x">
  <bpmn:process id="proc" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>"""


def _chain(*tasks: str) -> str:
    """Link start, the given task elements (ids t1, t2, ...) and end with sequence flows."""
    ids = ["start"] + [f"t{i}" for i in range(1, len(tasks) + 1)] + ["end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(zip(ids, ids[1:])))
    return '<bpmn:startEvent id="start"/>' + "".join(tasks) + '<bpmn:endEvent id="end"/>' + flows


def _script_task(n: int, script: str) -> str:
    return f'<bpmn:scriptTask id="t{n}"><bpmn:script><![CDATA[{script}]]></bpmn:script></bpmn:scriptTask>'


def _rule_task(n: int, decision: str, prescript: str = "") -> str:
    pre = f"<spiffworkflow:preScript>{prescript}</spiffworkflow:preScript>" if prescript else ""
    return (f'<bpmn:businessRuleTask id="t{n}"><bpmn:extensionElements>'
            f'<spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>{pre}'
            f'</bpmn:extensionElements></bpmn:businessRuleTask>')


def _dmn(policy: str, inputs: list[str], output: str, rules: list[tuple[list[str], str]]) -> str:
    """A decision ``dec`` with one table; each rule is (input cells, output cell)."""
    ins = "".join(f'<input id="i{i}"><inputExpression id="e{i}"><text>{expr}</text>'
                  f'</inputExpression></input>' for i, expr in enumerate(inputs))
    body = "".join(
        f'<rule id="r{r}">'
        + "".join(f'<inputEntry id="r{r}i{i}"><text>{c}</text></inputEntry>' for i, c in enumerate(cells))
        + f'<outputEntry id="r{r}o"><text>{out}</text></outputEntry></rule>'
        for r, (cells, out) in enumerate(rules))
    return (f'<definitions xmlns="{DMN}" id="defs" name="d" namespace="x">'
            f'<decision id="dec" name="Dec"><decisionTable id="dt" hitPolicy="{policy}">'
            f'{ins}<output id="o" name="{output}"/>{body}</decisionTable></decision></definitions>')


def _run(bpmn: str, data: dict | None = None, dmn: str | None = None, engine=None):
    parser = SpiffBpmnParser()
    if dmn:
        parser.add_dmn_str(dmn.encode())
    parser.add_bpmn_str(bpmn.encode(), filename="test.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=engine or make_script_engine())
    workflow.get_tasks(spec_name="start")[0].data.update(data or {})
    workflow.do_engine_steps()
    assert workflow.is_completed()
    return workflow


def _task_data(workflow, spec_name: str) -> dict:
    return workflow.get_tasks(spec_name=spec_name)[0].data


# --- ordinary scripts -----------------------------------------------------------------------

def test_decimal_comparison_and_arithmetic():
    env = RestrictedEnvironment()
    assert env.evaluate("amount > 50000", {"amount": Decimal("50000.01")}) is True
    ctx = {"amount": Decimal("1000.00"), "rate": Decimal("0.0435")}
    env.execute("interest = round(amount * rate, 2)", ctx)
    assert ctx["interest"] == Decimal("43.50")


def test_comprehension_dict_update_and_augmented_assignment():
    ctx = {"members": [{"age": 30}, {"age": 70}], "summary": {"n": 0}}
    RestrictedEnvironment().execute(
        "ages = [m['age'] for m in members if m['age'] < 65]\n"
        "summary.update({'n': len(ages)})\n"
        "summary['total'] = sum(ages)\n"
        "count = 1\ncount += 2\n"
        "for i, m in enumerate(members):\n    m['index'] = i\n", ctx)
    assert ctx["ages"] == [30]
    assert ctx["summary"] == {"n": 1, "total": 30}
    assert ctx["count"] == 3
    assert [m["index"] for m in ctx["members"]] == [0, 1]


def test_injected_function_is_callable_but_not_written_to_data():
    ctx = {"amount": Decimal(10)}
    RestrictedEnvironment({"double": lambda x: x * 2}).execute("twice = double(amount)", ctx)
    assert ctx == {"amount": Decimal(10), "twice": Decimal(20)}


def test_date_arithmetic():
    ctx = {"start": date(2024, 1, 31)}
    RestrictedEnvironment().execute(
        "due = start + timedelta(days=30)\nlate = due < date(2024, 3, 1)\nyear = due.year", ctx)
    assert ctx["due"] == date(2024, 3, 1)
    assert ctx["late"] is False
    assert ctx["year"] == 2024


def test_script_functions_and_deleted_names_leave_task_data():
    ctx = {"tmp": 1, "keep": 2}
    RestrictedEnvironment().execute("def f(x):\n    return x + 1\nnew = f(keep)\ndel tmp", ctx)
    assert ctx == {"keep": 2, "new": 3}


def test_failing_script_leaves_context_untouched():
    ctx = {"items": [1]}
    with pytest.raises(ZeroDivisionError):
        RestrictedEnvironment().execute("items.append(2)\nx = 1 / 0", ctx)
    assert ctx == {"items": [1]}


def test_task_data_hiding_an_injected_function_is_refused():
    with pytest.raises(ValueError, match="double"):
        RestrictedEnvironment({"double": abs}).execute("x = 1", {"double": 2})


def test_missing_attribute_raises_attribute_error():
    with pytest.raises(AttributeError):
        RestrictedEnvironment().evaluate("amount.nope", {"amount": Decimal(1)})


def test_syntax_error_stays_a_syntax_error():
    with pytest.raises(SyntaxError):
        RestrictedEnvironment().execute("x = (", {})
    assert check_source("x = (", "exec")[0].startswith("Line 1: SyntaxError")


def test_check_source():
    assert check_source("amount > 50000") == []
    assert check_source("x = [i for i in range(3)]", "exec") == []
    assert check_source("import os", "exec") == ["Line 1: import is not allowed"]
    assert any("__class__" in p for p in check_source("().__class__"))
    assert check_source("print(1)", "exec") == ["Line 1: 'print' is not allowed"]
    assert check_source("x\0") and check_source("1", "single")


def test_unpacking_and_star_calls():
    ctx = {"pair": [1, 2], "d": {"a": 1, "b": 2}}
    RestrictedEnvironment().execute(
        "a, b = pair\nkeys = sorted(k for k, v in d.items())\nbig = max(*pair)\n"
        "opts = dict(**d)\n(x, (y, z)) = (1, (2, 3))", ctx)
    assert (ctx["a"], ctx["b"], ctx["keys"], ctx["big"]) == (1, 2, ["a", "b"], 2)
    assert (ctx["opts"], ctx["z"]) == ({"a": 1, "b": 2}, 3)


def test_evaluate_cannot_mutate_task_data():
    ctx = {"loan": {"items": [1]}}
    assert RestrictedEnvironment().evaluate("loan['items'].append(2) or loan['items']", ctx) == [1, 2]
    assert ctx == {"loan": {"items": [1]}}


def test_compiled_code_is_cached():
    from workflows.sandbox import _compile
    _compile.cache_clear()
    env = RestrictedEnvironment()
    for n in range(50):
        env.evaluate("n > 10", {"n": n})
    assert _compile.cache_info().hits == 49


# --- escapes ----------------------------------------------------------------------------------

ESCAPES = [
    "import os",
    "from os import path",
    "__import__('os')",
    "().__class__.__bases__[0].__subclasses__()",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "open('/etc/passwd').read()",
    "getattr((), '__class__')",
    "eval('1')",
    "exec('x=1')",
    "compile('1','x','eval')",
    "globals()",
    "vars()",
    "type(1)",
    "'{0.__class__}'.format(1)",
    "s.format(1)",
    "str.format('{0.__class__}', 1)",
    "'{0.__class__}'.format_map({})",
    "(lambda: 1).__code__",
    "(x for x in ()).gi_frame.f_back",
    "Decimal.__init__.__globals__",
    "date.today.__self__",
    "setattr(d, 'real', 1)",
    "class A: pass",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_is_refused(source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ctx = {"s": "{0.__class__}", "d": Decimal(1)}
    with pytest.raises(ScriptRefusedError):
        RestrictedEnvironment().execute(source + f"\nopen('{tmp_path}/pwned', 'w')", ctx)
    with pytest.raises(ScriptRefusedError):
        RestrictedEnvironment().execute(source, ctx)
    assert list(tmp_path.iterdir()) == []
    assert ctx == {"s": "{0.__class__}", "d": Decimal(1)}


@pytest.mark.parametrize("source", ["open", "f = open", "b = __builtins__"])
def test_dangerous_names_are_undefined(source):
    with pytest.raises((NameError, ScriptRefusedError)):
        RestrictedEnvironment().execute(source, {})


def test_str_format_refusal_message():
    with pytest.raises(ScriptRefusedError, match="'format' is not allowed"):
        RestrictedEnvironment().evaluate("s.format(1)", {"s": "{0.__class__}"})


def test_attribute_refusal_message():
    with pytest.raises(ScriptRefusedError, match='"__class__" is an invalid attribute name'):
        RestrictedEnvironment().evaluate("x.__class__", {"x": 1})


def test_writes_only_to_dicts_and_lists():
    with pytest.raises(ScriptRefusedError, match="changing a Decimal object is not allowed"):
        RestrictedEnvironment().execute("d.real = 1", {"d": Decimal(1)})


# --- through a real workflow ----------------------------------------------------------------

def test_nested_mutation_does_not_leak_between_tasks():
    bpmn = _bpmn(_chain(_script_task(1, "loan = {'items': [1]}"),
                        _script_task(2, "loan['items'].append(2)")))
    workflow = _run(bpmn)
    assert _task_data(workflow, "t1")["loan"] == {"items": [1]}
    assert _task_data(workflow, "t2")["loan"] == {"items": [1, 2]}


def test_default_spiff_engine_does_leak():
    """Documents why the deep copy exists: SpiffWorkflow 3.2 shares nested objects."""
    bpmn = _bpmn(_chain(_script_task(1, "loan = {'items': [1]}"),
                        _script_task(2, "loan['items'].append(2)")))
    workflow = _run(bpmn, engine=PythonScriptEngine())
    assert _task_data(workflow, "t1")["loan"] == {"items": [1, 2]}


def test_refusal_surfaces_through_spiff():
    bpmn = _bpmn(_chain(_script_task(1, "x = 1\nimport os")))
    with pytest.raises(SpiffWorkflowException) as info:
        _run(bpmn)
    assert "import is not allowed" in str(info.value)
    assert isinstance(info.value.__context__, ScriptRefusedError)


def test_runtime_refusal_surfaces_through_spiff():
    bpmn = _bpmn(_chain(_script_task(1, "y = s.format(1)")))
    with pytest.raises(SpiffWorkflowException) as info:
        _run(bpmn, {"s": "{0.__class__}"})
    assert "'format' is not allowed" in str(info.value)
    assert isinstance(info.value.__context__, ScriptRefusedError)


def test_gateway_condition_with_decimal():
    body = (
        '<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw" default="f_small"/>'
        '<bpmn:scriptTask id="big"><bpmn:script>branch = "big"</bpmn:script></bpmn:scriptTask>'
        '<bpmn:scriptTask id="small"><bpmn:script>branch = "small"</bpmn:script></bpmn:scriptTask>'
        '<bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/>'
        '<bpmn:sequenceFlow id="f_big" sourceRef="gw" targetRef="big">'
        '<bpmn:conditionExpression>amount &gt; 50000</bpmn:conditionExpression></bpmn:sequenceFlow>'
        '<bpmn:sequenceFlow id="f_small" sourceRef="gw" targetRef="small"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="big" targetRef="end"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="small" targetRef="end"/>')
    workflow = _run(_bpmn(body), {"amount": Decimal("50000.50")})
    assert _task_data(workflow, "end")["branch"] == "big"


# --- DMN tables -------------------------------------------------------------------------------

GRADE = _dmn("UNIQUE", ["score", "amount"], "grade", [
    (["&gt;= 700", "&lt;= 50000"], '"AAA"'),
    (["&gt;= 600", "-"], '"B" + suffix'),
])
VIOLATIONS = _dmn("COLLECT", ["score", "amount", "county"], "violation", [
    (["&lt; 600", "-", "-"], '"low_score"'),
    (["-", "&gt; Decimal(50000)", "-"], '"amount_over_cap"'),
    (["-", "-", '"X"'], '"county_closed"'),
    (["-", "-", '? in ("A", "B")'], '"county_pilot"'),
    (["-", "-", ' in ("B", "C")'], '"county_quota"'),
])


def _decide(dmn: str, data: dict, prescript: str = "") -> dict:
    workflow = _run(_bpmn(_chain(_rule_task(1, "dec", prescript))), data, dmn=dmn)
    return _task_data(workflow, "end")


@pytest.mark.parametrize(("score", "amount", "grade"), [
    (750, Decimal("50000"), "AAA"),
    (750, Decimal("50000.01"), "B!"),   # first rule fails on amount
    (650, Decimal("1"), "B!"),
])
def test_unique_table(score, amount, grade):
    data = _decide(GRADE, {"score": score, "amount": amount, "suffix": "!"})
    assert data["grade"] == grade


def test_unique_table_first_match_wins():
    """UNIQUE is not enforced: both rules match 750/1, the first one is taken."""
    assert _decide(GRADE, {"score": 750, "amount": 1, "suffix": "!"})["grade"] == "AAA"


def test_unique_table_without_match_writes_nothing():
    assert "grade" not in _decide(GRADE, {"score": 500, "amount": 1, "suffix": ""})
    stale = _decide(GRADE, {"score": 500, "amount": 1, "suffix": "", "grade": "old"})
    assert stale["grade"] == "old"


def test_collect_table_gives_a_list_per_output():
    data = _decide(VIOLATIONS, {"score": 550, "amount": Decimal("60000"), "county": "B"})
    assert data["violation"] == ["low_score", "amount_over_cap", "county_pilot", "county_quota"]


def test_collect_table_without_match_writes_nothing():
    assert "violation" not in _decide(VIOLATIONS, {"score": 650, "amount": 1, "county": "Z"})


def test_collect_table_merges_into_a_stale_list():
    """SpiffWorkflow's DeepMerge mixes old and new lists; reset the list in a preScript."""
    data = {"score": 550, "amount": 1, "county": "Z", "violation": ["old1", "old2"]}
    assert _decide(VIOLATIONS, dict(data))["violation"] == ["old1"]
    assert _decide(VIOLATIONS, dict(data), prescript="violation = []")["violation"] == ["low_score"]


def test_dmn_cell_escape_is_refused():
    dmn = _dmn("UNIQUE", ["score"], "grade", [(["-"], "().__class__")])
    with pytest.raises(SpiffWorkflowException) as info:
        _decide(dmn, {"score": 1})
    # Spiff's evaluate() drops the original message from str(); it survives as __context__.
    assert info.value.error_type == "ScriptRefusedError"
    assert isinstance(info.value.__context__, ScriptRefusedError)
    assert "invalid attribute name" in str(info.value.__context__)
