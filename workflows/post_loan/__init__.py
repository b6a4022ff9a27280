"""Post-loan management (贷后管理): the timers, steps, extension rules and entry points of ``post_loan``.

The diagram (workflows/bpmn/post_loan.bpmn, docs/engine.md "Post-loan branches") runs visits, the
maturity round (reminder, review, extension) and recovery as parts that never wait on each other.
This package holds its Python side: ``timing`` (when each timer fires), ``extension`` (展期
preconditions), ``steps`` (the task pipeline's steps), ``standalone`` (``start_standalone``: the part
started on its own, for imported loans), ``facts`` (the extension facts of a task page) and
``upgrade`` (loans on the diagram of one timer moved on).
"""
from __future__ import annotations

from . import extension, facts, steps
from .extension import check_new_maturity, check_request, extension_allowed, limits
from .standalone import start_standalone
from .timing import check_instant, maturity_of, next_check, next_visit_on, reminder_on

PROCESS_KEY = "post_loan"

__all__ = ["PROCESS_KEY", "check_instant", "check_new_maturity", "check_request", "extension",
           "extension_allowed", "facts", "limits", "maturity_of", "next_check", "next_visit_on", "reminder_on",
           "start_standalone", "steps"]
