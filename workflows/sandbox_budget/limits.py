"""The limits of the budget (运行预算的限额) and the ``Budget`` each evaluation spends.

Module constants, read at each check: tests may lower them with ``monkeypatch``. docs/engine.md
§Budgets says why each has its value.
"""
from __future__ import annotations

import sys
import time
from decimal import Decimal

from ..errors import BudgetExceededError

try:
    import resource
except ImportError:  # pragma: no cover  (not on Windows: no memory check there)
    resource = None

MAX_STEPS = 100_000  # loop turns, function calls and comprehension items per evaluation
MAX_SECONDS = 1.0  # wall clock per evaluation, checked at every step
MAX_ITEMS = 100_000  # characters or items of one value an operation builds or a script stores
MAX_INT_BITS = 4096  # an int an operation builds (about 1,233 decimal digits)
MAX_DEPTH = 32  # nesting of lists and dicts repeated, rendered or stored
MAX_MEMORY = 256 * 2**20  # growth of the process's peak resident memory during one evaluation
MEMORY_CHECK_EVERY = 64  # steps between two memory checks

SEQUENCES = (str, bytes, list, tuple)
CONTAINERS = (list, tuple, dict, set, frozenset)
WEIGHED = (str, bytes, *CONTAINERS)


def refuse(limit: str, message: str):
    raise BudgetExceededError(f"size budget exceeded ({limit}): {message}", limit=limit)


def _peak_memory() -> int:
    """The process's peak resident memory in bytes (0 where the platform cannot tell)."""
    if resource is None:  # pragma: no cover
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class Budget:
    """What one evaluation may still spend; ``step`` is its ``_step_``. Once exceeded, every step fails."""

    __slots__ = ("steps", "deadline", "memory_floor", "exceeded")

    def __init__(self):
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.memory_floor: int | None = None
        self.exceeded: BudgetExceededError | None = None

    def step(self) -> bool:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self._fail("MAX_STEPS", f"step budget exceeded (MAX_STEPS): more than {MAX_STEPS} loop turns and calls")
        if time.monotonic() > self.deadline:
            self._fail("MAX_SECONDS", f"time budget exceeded (MAX_SECONDS): ran longer than {MAX_SECONDS} s")
        if not self.steps % MEMORY_CHECK_EVERY:
            self._check_memory()
        return True

    def _check_memory(self) -> None:
        peak = _peak_memory()
        if self.memory_floor is None:
            self.memory_floor = peak
        elif peak - self.memory_floor > MAX_MEMORY:
            self._fail("MAX_MEMORY", f"memory budget exceeded (MAX_MEMORY): grew by more than {MAX_MEMORY // 2**20} MiB")

    def _fail(self, limit: str, message: str):
        error = BudgetExceededError(message, limit=limit)
        self.exceeded = self.exceeded or error
        raise error

    def verdict(self, error: BaseException | None = None) -> BaseException | None:
        """The error an evaluation ends with: a budget exceeded even if the code caught it, else ``error``."""
        if isinstance(error, BudgetExceededError):
            return error
        if self.exceeded is not None:
            return self.exceeded
        if isinstance(error, RecursionError):
            return BudgetExceededError("depth budget exceeded: calls or data nested deeper than Python's "
                                       "recursion limit", limit="recursion").with_traceback(error.__traceback__)
        if isinstance(error, MemoryError):
            return BudgetExceededError("memory budget exceeded: out of memory",
                                       limit="MAX_MEMORY").with_traceback(error.__traceback__)
        return error


STRAIGHT = Budget()  # for code without loops, functions or comprehensions: never steps, never exceeded


# --- weighing ----------------------------------------------------------------------------------

def weight(value, limit: int) -> int:
    """Characters plus items of ``value`` through nested containers; stops past ``limit``.

    An int weighs one per 64 bits (a short one nothing); other scalars weigh nothing."""
    if not isinstance(value, CONTAINERS):
        return _scalar_weight(value)
    total, stack = 0, [(value, 0)]
    while stack:
        container, depth = stack.pop()
        if depth >= MAX_DEPTH:
            refuse("MAX_DEPTH", f"lists or dicts nested more than {MAX_DEPTH} deep")
        total += len(container)
        if total > limit:
            return total
        for child in (*container, *container.values()) if isinstance(container, dict) else container:
            if isinstance(child, str):
                total += len(child)
            elif isinstance(child, CONTAINERS):
                stack.append((child, depth + 1))
            elif isinstance(child, (int, bytes)):
                total += _scalar_weight(child)
        if total > limit:
            return total
    return total


def _scalar_weight(value) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    return value.bit_length() >> 6 if isinstance(value, int) else 0


def check_value(value, what: str = "a value"):
    """A value that is rendered or goes into task data weighs at most ``MAX_ITEMS``."""
    if isinstance(value, WEIGHED) and weight(value, MAX_ITEMS) > MAX_ITEMS:
        refuse("MAX_ITEMS", f"{what} of more than {MAX_ITEMS} characters and items")
    return value


def check_length(length: int, what: str) -> None:
    if length > MAX_ITEMS:
        refuse("MAX_ITEMS", f"{what} would have {length} characters or items (limit {MAX_ITEMS})")


def check_bits(bits: int, what: str) -> None:
    if bits > MAX_INT_BITS:
        refuse("MAX_INT_BITS", f"{what} would have about {bits} bits (limit {MAX_INT_BITS})")


def check_decimal(number) -> None:
    """``int()`` of a Decimal with a huge exponent takes minutes: refuse those beyond MAX_INT_BITS."""
    if isinstance(number, Decimal) and number.is_finite() and number.adjusted() > MAX_INT_BITS * 0.302:
        refuse("MAX_INT_BITS", f"converting {number:.3e} to an int (limit {MAX_INT_BITS} bits)")
