"""Restricted script environment for BPMN scripts, gateway conditions and DMN cells.

Scripts are compiled with RestrictedPython and run with a small set of builtins and guards.
Anything the sandbox forbids raises :class:`ScriptRefusedError`; a plain syntax error stays a
``SyntaxError`` (so SpiffWorkflow can report its line). Task data is deep-copied before a
script runs, so a script never mutates objects that other tasks share. Every evaluation runs
under the budget of ``workflows.sandbox_budget`` (steps, time, size, memory): going past it
raises :class:`BudgetExceededError`, even if the code catches it.
"""
from __future__ import annotations

import ast
import builtins
import copy
import functools
import operator
import types
from datetime import date, datetime, timedelta
from decimal import Decimal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import sandbox_budget as budget
from .errors import BudgetExceededError, ScriptRefusedError

__all__ = ["RestrictedEnvironment", "make_script_engine", "check_source", "free_names"]

_EXTRA_BUILTINS = (
    "len", "min", "max", "sum", "sorted", "abs", "round", "any", "all", "list", "dict", "set",
    "tuple", "str", "int", "float", "bool", "range", "enumerate", "zip", "isinstance",
)
_DROPPED_BUILTINS = ("__build_class__", "setattr", "delattr", "_getattr_",  # and what `except Exception` misses:
                     "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit")
_FORBIDDEN_CALLS = frozenset((
    "open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr",
    "delattr", "hasattr", "type", "dir", "input", "breakpoint", "help", "exit", "quit",
    "memoryview", "object", "super", "classmethod", "staticmethod", "property", "__import__",
    "print",
))
_INPLACE_OPS = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "<<=": operator.ilshift, ">>=": operator.irshift, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor, "@=": operator.imatmul,
}
_CACHE_SIZE = 4096


def _build_builtins() -> dict:
    """RestrictedPython's safe builtins, minus a few, plus harmless extras and value types."""
    result = {k: v for k, v in safe_builtins.items() if k not in _DROPPED_BUILTINS}
    result.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS})
    result.update(Decimal=Decimal, date=date, datetime=datetime, timedelta=timedelta)
    result.update(budget.BUILTINS)
    return result


_BUILTINS = _build_builtins()


def _guarded_getattr(obj, name):
    """``safer_getattr`` that raises on missing names and turns refusals into ScriptRefusedError.

    A checked builtin (``str``, ``int``, ``range``) answers as the real type; string and list
    methods that take a size come back size-checked (``sandbox_budget.checks.METHODS``)."""
    if name.startswith("_") or name in INSPECT_ATTRIBUTES:
        raise ScriptRefusedError(f"'{name}' is an invalid attribute name")
    obj = obj.real if isinstance(obj, budget.StandInType) else obj
    try:
        value = safer_getattr_raise(obj, name)
    except NotImplementedError as err:
        raise ScriptRefusedError(f"'{name}' is not allowed: {err}") from err
    return budget.checked_method(obj, name) or value


def _guarded_write(obj):
    """Allow item assignment on dicts and lists only (slices of a list are checked for size)."""
    if isinstance(obj, dict):
        return obj
    if isinstance(obj, list):
        return budget.ListWrites(obj)
    raise ScriptRefusedError(f"changing a {type(obj).__name__} object is not allowed")


def _inplace(op: str, target, value):
    """``x += y`` and friends (``+=``, ``*=``, ``**=``, ``<<=``, ``%=`` checked for size)."""
    if op not in _INPLACE_OPS:
        raise ScriptRefusedError(f"operator {op} is not allowed")
    return budget.INPLACE.get(op, _INPLACE_OPS[op])(target, value)


def _apply(func, *args, **kwargs):
    """Calls with ``*args`` / ``**kwargs``."""
    budget.check_star_args(args)
    return func(*args, **kwargs)


_GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": _guarded_write,
    "_inplacevar_": _inplace,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_apply_": _apply,
    **budget.OPERATORS,
}


def _prescan(tree: ast.AST) -> list[str]:
    """Refusals RestrictedPython leaves to runtime: imports, classes, builtins, str.format."""
    problems = []
    for node in ast.walk(tree):
        where = f"Line {getattr(node, 'lineno', '?')}: "
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            problems.append(where + "import is not allowed")
        elif isinstance(node, ast.ClassDef):
            problems.append(where + "class definitions are not allowed")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _FORBIDDEN_CALLS:
            problems.append(where + f"'{node.func.id}' is not allowed")
        elif isinstance(node, ast.Attribute) and node.attr in ("format", "format_map") \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            problems.append(where + f"str.{node.attr}() is not allowed")
    return problems


def _global_names(code: types.CodeType) -> set[str]:
    """Every name the code (and nested lambdas/comprehensions) may look up globally."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compile(source: str, mode: str) -> tuple[types.CodeType, frozenset[str], bool]:
    """Compile restricted code; raise SyntaxError or ScriptRefusedError (with ``.problems``).

    Returns the code, the names it may read from task data and whether it has steps to count
    (loops, functions, comprehensions: straight-line code needs no ``Budget``)."""
    if mode not in ("eval", "exec"):
        raise ValueError(f"unknown mode {mode!r}")
    tree = ast.parse(source, "<string>", mode)
    problems = _prescan(tree)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(tree, policy=budget.BudgetPolicy)
    problems.extend(result.errors)
    if problems:
        error = ScriptRefusedError("; ".join(problems))
        error.problems = problems
        raise error
    names = _global_names(result.code)  # names starting with "_" are the guards': task data never stands in for them
    return result.code, frozenset(n for n in names if not n.startswith("_")), "_step_" in names


def check_source(source: str, mode: str = "eval") -> list[str]:
    """Compile without running; return the problems found (empty when the source is fine)."""
    try:
        _compile(source, mode)
    except SyntaxError as err:
        return [f"Line {err.lineno}: SyntaxError: {err.msg}"]
    except ValueError as err:  # e.g. a null byte in the source
        return [str(err)]
    except ScriptRefusedError as err:
        return list(err.problems)
    return []


def free_names(source: str, mode: str = "eval") -> frozenset[str]:
    """The names the code reads from task data (neither builtins nor its guards); compiles it."""
    return _compile(source, mode)[1].difference(_BUILTINS)


def _is_code(value) -> bool:
    """Values that must not end up in task data (functions, classes, modules, generators)."""
    return callable(value) or isinstance(value, (types.ModuleType, types.GeneratorType))


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that runs everything through RestrictedPython."""

    def __init__(self, functions: dict | None = None):
        self.functions = dict(functions or {})
        super().__init__(dict(self.functions))

    def _namespace(self, names, context, external_context, spending: budget.Budget) -> dict:
        """Guards, this evaluation's budget and functions, then deep copies of the referenced data."""
        namespace = {**_GUARDS, "_step_": spending.step, **self.functions}
        for source in (external_context or {}, context):
            for name in names & source.keys():
                namespace[name] = copy.deepcopy(source[name])
        return namespace

    def evaluate(self, expression, context, external_context=None):
        """Evaluate an expression (a condition or a DMN cell) against the task data."""
        code, names, steps = _compile(expression, "eval")
        spending = budget.Budget() if steps else budget.STRAIGHT
        namespace = self._namespace(names, context, external_context, spending)
        return budget.check_value(_run(eval, code, namespace, spending), "the result")

    def execute(self, script, context, external_context=None):
        """Run a script; new and changed variables go back into ``context``."""
        external_context = external_context or {}
        self._check_for_overwrite(context, external_context)
        code, names, steps = _compile(script, "exec")
        spending = budget.Budget() if steps else budget.STRAIGHT
        namespace = self._namespace(names, context, external_context, spending)
        _run(exec, code, namespace, spending)
        injected = set(_GUARDS) | {"_step_"} | set(self.functions) | set(external_context)
        written = {name: value for name, value in namespace.items()
                   if (name not in injected or name in context) and not _is_code(value)}
        for name, value in written.items():
            budget.check_value(value, f"'{name}'")
        for name in names & context.keys():
            if name not in namespace:
                del context[name]
        context.update(written)
        return True

    def _check_for_overwrite(self, context, external_context):
        """Refuse task data that hides an injected function (as SpiffWorkflow does)."""
        clashes = (set(self.functions) | set(external_context)) & context.keys()
        if clashes:
            raise ValueError(
                "Task data overwrites predefined function(s); rename these fields: "
                + ", ".join(sorted(clashes)))


def _run(run, code: types.CodeType, namespace: dict, spending: budget.Budget):
    """``eval``/``exec`` ending with the budget's verdict: exceeded (even if the code caught it), or its own error."""
    try:
        result = run(code, namespace)
    except Exception as err:  # re-raised, or replaced by the budget error it amounts to
        verdict = spending.verdict(err)
        if verdict is err:
            raise
        raise verdict from err
    if spending.exceeded is not None:
        raise spending.exceeded
    return result


class RestrictedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine; an expression that exceeds its budget says which limit."""

    def evaluate(self, task, expression, external_context=None):
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as err:
            cause = err.__context__
            if not isinstance(cause, BudgetExceededError):
                raise
            raise WorkflowTaskException(f"{err.args[0]}: {cause}", task=task, exception=cause) from cause


def make_script_engine(functions: dict | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine using :class:`RestrictedEnvironment`."""
    return RestrictedScriptEngine(environment=RestrictedEnvironment(functions))
