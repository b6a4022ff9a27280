"""Validation of process diagrams before they are saved or deployed (流程校验).

Two levels, both reporting ``{element id: [message, ...]}`` (a file name for a file that cannot
be read, ``__all__`` for the set as a whole), so the editor can show each problem on its element:

* ``safety_problems(sources)``: every file parses safely (no DOCTYPE, entities or network) and
  every condition, script, timer expression and DMN cell compiles in the restricted environment
  and runs on sample data within the sandbox's budget (``expressions.SampleRuns``). Nothing that
  fails this is ever stored, not even as a draft.
* ``problems(process_key, sources, known_forms)``: safety, then the structural rules of
  ``structure``, the required shape of the process (``shape``: the tasks, lanes and order a
  loan or a payment relies on) and finally SpiffWorkflow's own parser. Required before a deploy.
  A shape problem is not added to an element the structural rules already reported (fix that first).

``known_forms`` is the set of form class names (``forms.registry.TASK_FORMS``) and
``check_form_fields`` the checker of forms defined in a diagram (``forms.diagram.check_form_fields``:
text -> list of problems): the caller in ``webapp`` passes them, since ``workflows`` may not import
``forms``. Without a checker the ``form_fields`` of a user task are not checked (only that a task does
not have both ``form`` and ``form_fields``). A ``FormCatalog`` carries both through callers that only
pass ``known_forms`` on (``drafts.create_draft``, ``drafts.deploy_draft``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .. import engine
from ..errors import FormInvalidError, UnsafeXmlError
from ..safe_xml import parse_xml
from .dry_run import TestRunReport, test_run
from .expressions import SampleRuns, bpmn_expressions, dmn_expressions
from .shape import shape_problems
from .structure import FieldChecker, bpmn_structure, decision_ids, dmn_structure, process_ids
from .xml import Problems, add

__all__ = ["DiagramInvalidError", "FieldChecker", "FormCatalog", "Problems", "TestRunReport", "check",
           "check_safety", "problems", "safety_problems", "test_run"]

FILE_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,95}\.(bpmn|dmn)\Z")
MAX_FILES = 32


class FormCatalog(frozenset):
    """The known form class names, with the checker of ``form_fields`` (``check_form_fields``).

    It is a set of names like any ``known_forms``, so it travels through every caller unchanged."""

    check_form_fields: FieldChecker | None

    def __new__(cls, names: Iterable[str] = (), check_form_fields: FieldChecker | None = None):
        catalog = super().__new__(cls, names)
        catalog.check_form_fields = check_form_fields
        return catalog

    def __reduce__(self):
        return type(self), (frozenset(self), self.check_form_fields)


def _field_checker(known_forms, check_form_fields: FieldChecker | None) -> FieldChecker | None:
    if check_form_fields is not None:
        return check_form_fields
    return getattr(known_forms, "check_form_fields", None)


class DiagramInvalidError(FormInvalidError):
    """The diagrams break a validation rule (HTTP 422, code ``diagram_invalid``).

    ``problems`` (also ``field_errors``) maps element ids to messages.
    """

    codes = ("diagram_invalid",)

    def __init__(self, problems: Problems):
        self.problems = problems
        super().__init__(problems)


def _parsed(sources: dict, found: Problems) -> dict:
    """The safely parsed roots by file name; unreadable files and bad names go into ``found``."""
    roots = {}
    if not isinstance(sources, dict) or not sources:
        add(found, None, "no diagram files")
        return roots
    if len(sources) > MAX_FILES:
        add(found, None, f"at most {MAX_FILES} files")
        return roots
    for name, text in sorted(sources.items()):
        if not isinstance(name, str) or not FILE_NAME.match(name):
            add(found, str(name)[:100], "file names end in .bpmn or .dmn and use letters, digits, _ . -")
        elif not isinstance(text, str):
            add(found, name, "the file is not text")
        else:
            try:
                roots[name] = parse_xml(text)
            except UnsafeXmlError as err:
                add(found, name, str(err))
    return roots


def safety_problems(sources: dict) -> Problems:
    found: Problems = {}
    roots, runs = _parsed(sources, found), SampleRuns()
    for name, root in roots.items():
        (dmn_expressions if name.endswith(".dmn") else bpmn_expressions)(root, found, runs)
    return found


def problems(process_key: str, sources: dict, known_forms: Iterable[str],
             check_form_fields: Callable[[str], Iterable[str]] | None = None) -> Problems:
    checker = _field_checker(known_forms, check_form_fields)
    found = safety_problems(sources)
    if found:
        return found
    roots = {name: parse_xml(text) for name, text in sources.items()}
    bpmn = [root for name, root in roots.items() if name.endswith(".bpmn")]
    processes, decisions = process_ids(bpmn), decision_ids([r for n, r in roots.items() if n.endswith(".dmn")])
    if process_key not in processes:
        add(found, None, f"no process with the id '{process_key}'")
    for name, root in roots.items():
        if name.endswith(".dmn"):
            dmn_structure(root, found)
        else:
            bpmn_structure(root, found, frozenset(known_forms), processes, decisions, checker)
    for element_id, messages in shape_problems(process_key, bpmn).items():
        found.setdefault(element_id, messages)
    if not found:
        _spiff_parser(process_key, sources, found)
    return found


def _spiff_parser(process_key: str, sources: dict, found: Problems) -> None:
    """SpiffWorkflow's own parser must accept the set (it checks what the rules above do not)."""
    try:
        engine.parse_sources(process_key, sources)
    except Exception as err:  # noqa: BLE001  any parser failure is a finding about the diagram
        add(found, getattr(err, "id", None) or getattr(err, "file_name", None),
            f"SpiffWorkflow cannot parse it: {err}")


def check_safety(sources: dict) -> None:
    found = safety_problems(sources)
    if found:
        raise DiagramInvalidError(found)


def check(process_key: str, sources: dict, known_forms: Iterable[str],
          check_form_fields: Callable[[str], Iterable[str]] | None = None) -> None:
    found = problems(process_key, sources, known_forms, check_form_fields)
    if found:
        raise DiagramInvalidError(found)
