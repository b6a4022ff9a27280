"""Safety checks of everything a diagram runs: conditions, scripts, timer expressions, DMN cells.

Each piece of code is compiled in the restricted environment (``workflows.sandbox.check_source``)
exactly as the engine will run it, then run there on sample data (``SampleRuns``, 试算) under the
sandbox's budget: a loop that never ends or a ``9 ** 9 ** 9`` is refused with the element's id,
while an error the sample data provokes (a NameError, a TypeError…) is not held against the draft.
DMN input cells are first turned into the expression SpiffWorkflow's DMN engine builds (see
``SpiffWorkflow.dmn.engine.DMNEngine``): ``-`` or empty matches anything; ``?`` stands for the
input value; a cell that parses on its own is compared with ``(input) == (cell)``; otherwise the
cell is appended to the input (``> 5``).
"""
from __future__ import annotations

import ast
import re
import time
from decimal import Decimal

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .. import clock
from ..errors import BudgetExceededError
from ..sandbox import RestrictedEnvironment, check_source, free_names
from .xml import Problems, add, children, descendants, first, local, spiff_extension, text_of

_QUESTION_MARK = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')  # as DMNEngine.evaluate
_TIMER_PARSERS = {
    "timeDate": TimerEventDefinition.get_datetime,
    "timeDuration": TimerEventDefinition.parse_iso_duration,
    "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
}
MAX_DRAFT_SECONDS = 10.0  # all sample runs of one draft together


class SampleRuns:
    """Runs code on sample data under the sandbox's budget, all of a draft within ``MAX_DRAFT_SECONDS``.

    Every name the code reads gets the same neutral value: one round with ``1``, then ``Decimal("1")``,
    ``""`` and today's date."""

    def __init__(self):
        self.deadline = time.monotonic() + MAX_DRAFT_SECONDS
        self.environment = RestrictedEnvironment()
        self.samples = (1, Decimal("1"), "", clock.today())

    def breach(self, source: str, mode: str) -> str | None:
        """The budget a sample run exceeds (None: within budget, or failed for another reason)."""
        run = self.environment.evaluate if mode == "eval" else self.environment.execute
        names = free_names(source, mode)
        for sample in self.samples:
            if time.monotonic() > self.deadline:
                return f"not checked: the draft's code ran longer than {MAX_DRAFT_SECONDS} s on sample data"
            try:
                run(source, dict.fromkeys(names, sample))
            except BudgetExceededError as err:
                return f"{err} (on sample data)"
            except Exception:  # noqa: BLE001, S112  sample data need not suit the code: only budgets count here
                continue
        return None


def _code(problems: Problems, element_id: str, source: str, mode: str, what: str,
          runs: SampleRuns | None = None) -> None:
    try:
        found = check_source(source, mode)
    except (RecursionError, MemoryError):
        found = ["the expression is nested too deeply"]
    if not found and runs is not None:
        found = [breach] if (breach := runs.breach(source, mode)) else []
    for problem in found:
        add(problems, element_id, f"{what}: {problem}")


def bpmn_expressions(root, problems: Problems, runs: SampleRuns | None = None) -> None:
    """Conditions, scripts (script tasks, pre- and post-scripts) and timer expressions."""
    runs = runs or SampleRuns()
    for flow in descendants(root, "sequenceFlow"):
        condition = first(flow, "conditionExpression")
        if condition is not None and text_of(condition):
            _code(problems, flow.get("id"), text_of(condition), "eval", "condition", runs)
    for task in descendants(root, "scriptTask"):
        script = first(task, "script")
        if script is not None and text_of(script):
            _code(problems, task.get("id"), script.text, "exec", "script", runs)
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("id"):
            for kind in ("preScript", "postScript"):
                for script in spiff_extension(node, kind):
                    if text_of(script):
                        _code(problems, node.get("id"), script.text, "exec", kind, runs)
    for timer in descendants(root, "timerEventDefinition"):
        event = timer.getparent()
        for expression in children(timer, *_TIMER_PARSERS):
            _timer(problems, event.get("id"), local(expression), text_of(expression), runs)


def _timer(problems: Problems, event_id: str, kind: str, expression: str, runs: SampleRuns) -> None:
    """A literal string must parse as its ISO 8601 kind; anything else must compile."""
    if not expression:
        add(problems, event_id, "timer: the expression is empty")
        return
    try:
        value = ast.literal_eval(expression)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        _code(problems, event_id, expression, "eval", "timer", runs)
        return
    if not isinstance(value, str):
        add(problems, event_id, f"timer: {kind} must be a string, e.g. \"P30D\" with the quotes")
        return
    try:
        _TIMER_PARSERS[kind](value)
    except Exception:  # noqa: BLE001  SpiffWorkflow's parsers raise bare Exception / ValueError
        add(problems, event_id, f"timer: {value!r} is not a valid ISO 8601 {kind}")


def cell_expression(input_expression: str, cell: str | None) -> str | None:
    """The Python expression SpiffWorkflow evaluates for one DMN input cell (None: matches all)."""
    if cell is None or cell == "-":
        return None
    replaced = _QUESTION_MARK.sub("dmninputexpr", cell)
    if "dmninputexpr" in replaced:
        return replaced
    try:
        ast.parse(cell)
    except SyntaxError:
        return input_expression + cell
    return f"({input_expression}) == ({cell})"


def dmn_expressions(root, problems: Problems, runs: SampleRuns | None = None) -> None:
    """Input expressions, input cells (as the engine builds them) and output cells, per rule."""
    runs = runs or SampleRuns()
    for table in descendants(root, "decisionTable"):
        inputs = children(table, "input")
        expressions = [text_of(first(first(i, "inputExpression"), "text"))
                       if first(i, "inputExpression") is not None else "" for i in inputs]
        for column, expression in zip(inputs, expressions):
            if not expression:
                add(problems, column.get("id"), "input column: the expression is empty")
            else:
                _code(problems, column.get("id"), expression, "eval", "input expression", runs)
        for rule in children(table, "rule"):
            _rule(problems, rule, inputs, expressions, runs)


def _rule(problems: Problems, rule, inputs: list, expressions: list[str], runs: SampleRuns) -> None:
    entries = children(rule, "inputEntry")
    for column, expression, entry in zip(inputs, expressions, entries):
        text = first(entry, "text")
        built = cell_expression(expression or "None", text.text if text is not None else None)
        if built is not None:
            label = column.get("label") or column.get("id")
            _code(problems, rule.get("id"), built, "eval", f"cell '{label}'", runs)
    for entry in children(rule, "outputEntry"):
        if text_of(first(entry, "text")):
            _code(problems, rule.get("id"), text_of(first(entry, "text")), "eval", "output", runs)
