"""Typed domain errors. ``webapp/errors.py`` maps each to an HTTP answer.

A policy refusal carries the rule codes of docs/policy.md (``amount_over_cap``…) and, where a form
field is to blame, the messages per field, so a page can show them beside the field.
"""
from __future__ import annotations


class DomainError(Exception):
    """Base of every error the services raise on purpose."""

    codes: tuple[str, ...] = ()


class PolicyViolationError(DomainError):
    """A rule of docs/policy.md refuses the request (HTTP 422)."""

    def __init__(self, codes, field_errors: dict[str, list[str]] | None = None, message: str = ""):
        self.codes = tuple(codes)
        self.field_errors = field_errors or {}
        super().__init__(message or ", ".join(self.codes))


class FormInvalidError(DomainError):
    """Plain bad input (HTTP 422), e.g. a missing field or a task data key that is refused."""

    codes = ("invalid",)

    def __init__(self, field_errors: dict[str, list[str]]):
        self.field_errors = field_errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in field_errors.items()))


class ForbiddenError(DomainError):
    """The user's role or scope does not allow this (HTTP 403)."""

    codes = ("forbidden",)


class FourEyesError(ForbiddenError):
    """四眼原则: the user performed an earlier task this one names (HTTP 403, code ``four_eyes``)."""

    codes = ("four_eyes",)


class ClaimedByColleagueError(ForbiddenError):
    """The task is claimed by a colleague (HTTP 403, code ``claimed``): says who, and since when."""

    codes = ("claimed",)

    def __init__(self, holder: str | None, since=None):
        self.holder = holder
        self.since = since
        super().__init__(f"claimed by {holder} since {since}")


class NotFoundError(DomainError):
    """No such object, or not visible to this user (HTTP 404)."""

    codes = ("not_found",)


class ConcurrentUpdateError(DomainError):
    """Somebody else saved this process instance first (HTTP 409, code ``stale``)."""

    codes = ("stale",)


class AlreadyCompletedError(DomainError):
    """The task was completed already (HTTP 409, code ``already_completed``)."""

    codes = ("already_completed",)

    def __init__(self, completed_by: str | None, completed_at):
        self.completed_by = completed_by
        self.completed_at = completed_at
        super().__init__(f"already completed by {completed_by} at {completed_at}")


class ScriptRefusedError(DomainError):
    """A script or condition in a diagram tries something the sandbox forbids."""

    codes = ("script_refused",)


class BudgetExceededError(ScriptRefusedError):
    """Diagram code ran past a limit of the sandbox's budget (steps, time, size, memory, depth).

    The message names the limit (docs/engine.md §Budgets); ``limit`` is its constant's name."""

    codes = ("budget_exceeded",)

    def __init__(self, message: str = "", *, limit: str | None = None):
        self.limit = limit
        super().__init__(message)


class UnsafeXmlError(DomainError):
    """An uploaded BPMN/DMN document uses DOCTYPE, entities or is not well-formed XML."""

    codes = ("unsafe_xml",)


class ProcessError(DomainError):
    """The engine stopped on an uncaught error event or a failing task (HTTP 422, code ``process_error``).

    ``process``, ``task`` and ``line`` name where: the process id, the BPMN element id and, for a
    script, the line of the script that failed."""

    codes = ("process_error",)

    def __init__(self, message: str = "", *, process: str | None = None, task: str | None = None,
                 line: int | None = None):
        self.process, self.task, self.line = process, task, line
        super().__init__(message)

    def where(self) -> dict:
        return {k: v for k, v in (("process", self.process), ("task", self.task), ("line", self.line)) if v}
