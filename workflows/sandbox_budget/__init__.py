"""The budget of diagram code (运行预算): steps, time, size and memory of each evaluation.

``workflows.sandbox`` compiles every script, condition, DMN cell and timer expression with
``rewrite.BudgetPolicy``: RestrictedPython's checks first, then ``rewrite.BudgetRewriter``, which

* calls ``_step_()`` at the top of every ``for``/``while`` body and function body, in every lambda
  and once per item of every comprehension; a fresh ``Budget`` per evaluation counts the steps
  (``MAX_STEPS``) and checks at each one the clock (``MAX_SECONDS``) and, every
  ``MEMORY_CHECK_EVERY`` steps, the process's peak memory (``MAX_MEMORY``);
* routes ``**``, ``*``, ``<<``, ``+`` and ``%``, f-strings and starred lists through ``checks``,
  which refuse an int of more than ``MAX_INT_BITS`` or a string, list or range of more than
  ``MAX_ITEMS`` *before* building it.

The builtins ``range``, ``pow``, ``int``, ``round``, ``sum``, ``str`` and ``repr`` and the string
and list methods that take a size are checked the same way, and what a script writes back to task
data is weighed (``MAX_ITEMS`` characters and items, nested at most ``MAX_DEPTH`` deep). Anything
refused raises ``BudgetExceededError`` naming the limit (docs/engine.md §Budgets). The limits are
the constants of ``limits``, read at each check (tests may lower them with ``monkeypatch``).
"""
from __future__ import annotations

from . import limits
from .checks import BUILTINS, INPLACE, OPERATORS, ListWrites, StandInType, check_star_args, checked_method
from .limits import STRAIGHT, Budget, check_value
from .rewrite import BudgetPolicy

__all__ = ["BUILTINS", "INPLACE", "OPERATORS", "STRAIGHT", "Budget", "BudgetPolicy", "ListWrites", "StandInType",
           "check_star_args", "check_value", "checked_method", "limits"]
