"""Restricted script environment for BPMN scripts, gateway conditions and DMN cells.

Scripts are compiled with RestrictedPython and run with a small set of builtins and guards.
Anything the sandbox forbids raises :class:`ScriptRefusedError`; a plain syntax error stays a
``SyntaxError`` (so SpiffWorkflow can report its line). Task data is deep-copied before a
script runs, so a script never mutates objects that other tasks share.
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
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .errors import ScriptRefusedError

__all__ = ["RestrictedEnvironment", "make_script_engine", "check_source"]

_EXTRA_BUILTINS = (
    "len", "min", "max", "sum", "sorted", "abs", "round", "any", "all", "list", "dict", "set",
    "tuple", "str", "int", "float", "bool", "range", "enumerate", "zip", "isinstance",
)
_DROPPED_BUILTINS = ("__build_class__", "setattr", "delattr", "_getattr_")
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
    return result


_BUILTINS = _build_builtins()


def _guarded_getattr(obj, name):
    """``safer_getattr`` that raises on missing names and turns refusals into ScriptRefusedError."""
    if name.startswith("_") or name in INSPECT_ATTRIBUTES:
        raise ScriptRefusedError(f"'{name}' is an invalid attribute name")
    try:
        return safer_getattr_raise(obj, name)
    except NotImplementedError as err:
        raise ScriptRefusedError(f"'{name}' is not allowed: {err}") from err


def _guarded_write(obj):
    """Allow item assignment on dicts and lists only."""
    if isinstance(obj, (dict, list)):
        return obj
    raise ScriptRefusedError(f"changing a {type(obj).__name__} object is not allowed")


def _inplace(op: str, target, value):
    """``x += y`` and friends."""
    if op not in _INPLACE_OPS:
        raise ScriptRefusedError(f"operator {op} is not allowed")
    return _INPLACE_OPS[op](target, value)


def _apply(func, *args, **kwargs):
    """Calls with ``*args`` / ``**kwargs``."""
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


def _global_names(code: types.CodeType) -> frozenset[str]:
    """Every name the code (and nested lambdas/comprehensions) may look up globally."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return frozenset(names)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compile(source: str, mode: str) -> tuple[types.CodeType, frozenset[str]]:
    """Compile restricted code; raise SyntaxError or ScriptRefusedError (with ``.problems``)."""
    if mode not in ("eval", "exec"):
        raise ValueError(f"unknown mode {mode!r}")
    tree = ast.parse(source, "<string>", mode)
    problems = _prescan(tree)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(tree)
    problems.extend(result.errors)
    if problems:
        error = ScriptRefusedError("; ".join(problems))
        error.problems = problems
        raise error
    return result.code, _global_names(result.code)


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


def _is_code(value) -> bool:
    """Values that must not end up in task data (functions, classes, modules, generators)."""
    return callable(value) or isinstance(value, (types.ModuleType, types.GeneratorType))


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that runs everything through RestrictedPython."""

    def __init__(self, functions: dict | None = None):
        self.functions = dict(functions or {})
        super().__init__(dict(self.functions))

    def _namespace(self, names, context, external_context) -> dict:
        """Guards and functions, then deep copies of the referenced external and task data."""
        namespace = {**_GUARDS, **self.functions}
        for source in (external_context or {}, context):
            for name in names & source.keys():
                namespace[name] = copy.deepcopy(source[name])
        return namespace

    def evaluate(self, expression, context, external_context=None):
        """Evaluate an expression (a condition or a DMN cell) against the task data."""
        code, names = _compile(expression, "eval")
        return eval(code, self._namespace(names, context, external_context))  # noqa: S307

    def execute(self, script, context, external_context=None):
        """Run a script; new and changed variables go back into ``context``."""
        external_context = external_context or {}
        self._check_for_overwrite(context, external_context)
        code, names = _compile(script, "exec")
        namespace = self._namespace(names, context, external_context)
        exec(code, namespace)  # noqa: S102
        injected = set(_GUARDS) | set(self.functions) | set(external_context)
        for name in names & context.keys():
            if name not in namespace:
                del context[name]
        for name, value in namespace.items():
            if (name not in injected or name in context) and not _is_code(value):
                context[name] = value
        return True

    def _check_for_overwrite(self, context, external_context):
        """Refuse task data that hides an injected function (as SpiffWorkflow does)."""
        clashes = (set(self.functions) | set(external_context)) & context.keys()
        if clashes:
            raise ValueError(
                "Task data overwrites predefined function(s); rename these fields: "
                + ", ".join(sorted(clashes)))


def make_script_engine(functions: dict | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine using :class:`RestrictedEnvironment`."""
    return PythonScriptEngine(environment=RestrictedEnvironment(functions))
