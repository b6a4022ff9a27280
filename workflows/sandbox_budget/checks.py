"""The checks that refuse to build something too big: operators, f-strings, builtins, methods.

Each refuses *before* computing, from the sizes of its operands: an int of more than
``limits.MAX_INT_BITS`` bits, or a string, list or range of more than ``limits.MAX_ITEMS``.
"""
from __future__ import annotations

import functools
import math
import operator
import re

from . import limits
from .limits import SEQUENCES, check_bits, check_decimal, check_length, check_value, weight


def _check_pow(base, exp, mod=None) -> None:
    if not (isinstance(base, int) and isinstance(exp, int)):
        return
    if mod is not None:
        check_bits(max(exp.bit_length(), mod.bit_length() if isinstance(mod, int) else 0), "a modular power")
    elif exp > 1 and abs(base) > 1:
        bits = exp * math.log2(abs(base)) if exp.bit_length() < 1000 else math.inf
        check_bits(math.ceil(bits) if bits < 2**63 else bits, "a power")


def _check_repeat(sequence, times: int) -> None:
    if times > 1 and len(sequence):
        each = weight(sequence, limits.MAX_ITEMS // times)
        check_length(each * times, f"repeating a {type(sequence).__name__} {times} times")


def _check_mul(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int):
        check_bits(a.bit_length() + b.bit_length(), "a product")
    elif isinstance(a, SEQUENCES) and isinstance(b, int):
        _check_repeat(a, b)
    elif isinstance(b, SEQUENCES) and isinstance(a, int):
        _check_repeat(b, a)


def _check_add(a, b) -> None:
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        check_length(len(a) + len(b), f"joining two {type(a).__name__}s")


def _check_lshift(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and a:
        check_bits(a.bit_length() + b, "a shift")


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)


def _number(digits: str) -> int:
    return int(digits) if len(digits) < 19 else 10**18


def _check_mod(template, args) -> None:
    """``'%5s' % x``: widths, precisions and the rendered arguments must fit in MAX_ITEMS."""
    if not isinstance(template, (str, bytes)):
        return
    values = tuple(args.values()) if isinstance(args, dict) else args if isinstance(args, tuple) else (args,)
    total, star, ints = len(template), False, False
    for width, precision, kind in _PRINTF.findall(template if isinstance(template, str) else template.decode("latin-1")):
        star |= "*" in (width, precision)
        total += sum(_number(n) for n in (width, precision) if n and n != "*")
        ints |= kind in "diu"
    for value in values:
        if star and isinstance(value, int):
            total += max(value, 0)
        if ints:
            check_decimal(value)
        total += 1 + weight(value, limits.MAX_ITEMS)
    check_length(total, "a %-formatted string")


def _pow(base, exp, mod=None):
    if isinstance(base, int) and isinstance(exp, int):
        _check_pow(base, exp, mod)
    return pow(base, exp, mod)


def _mul(a, b):
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > limits.MAX_INT_BITS:
            check_bits(a.bit_length() + b.bit_length(), "a product")
    elif isinstance(a, SEQUENCES) or isinstance(b, SEQUENCES):
        _check_mul(a, b)
    return a * b


def _add(a, b):
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        _check_add(a, b)
    return a + b


def _lshift(a, b):
    _check_lshift(a, b)
    return a << b


def _mod(a, b):
    if isinstance(a, (str, bytes)):
        _check_mod(a, b)
    return a % b


def _inplace(check, compute):
    def operation(target, value):
        check(target, value)
        return compute(target, value)
    return operation


INPLACE = {"+=": _inplace(_check_add, operator.iadd), "*=": _inplace(_check_mul, operator.imul),
           "**=": _inplace(_check_pow, operator.ipow), "<<=": _inplace(_check_lshift, operator.ilshift),
           "%=": _inplace(_check_mod, operator.imod)}


def format_value(value, conversion: int, spec: str) -> str:
    """One ``{value!r:spec}`` of an f-string: widths and the text must fit in MAX_ITEMS."""
    check_value(value, "an f-string value")
    if spec:
        check_length(sum(_number(n) for n in re.findall(r"\d+", spec)), "an f-string format")
    if conversion != -1:
        value = {ord("r"): repr, ord("a"): ascii}.get(conversion, str)(value)
    return built(format(value, spec))


def built(value):
    """A string or list just built by an f-string or a display with ``*``: at most MAX_ITEMS long."""
    check_length(len(value), f"a {type(value).__name__}")
    return value


OPERATORS = {"_pow_": _pow, "_mul_": _mul, "_lshift_": _lshift, "_add_": _add, "_mod_": _mod,
             "_format_": format_value, "_built_": built}


# --- builtins and methods ------------------------------------------------------------------------

class StandInType(type):
    """A builtin type whose calls are checked first; ``isinstance`` and attributes as the real type."""

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls.real)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, cls.real)

    def __call__(cls, *args, **kwargs):
        cls.check(*args, **kwargs)
        return cls.real(*args, **kwargs)

    def __getattr__(cls, name):
        return getattr(cls.real, name)


def stand_in(real: type, check) -> type:
    return StandInType(real.__name__, (), {"real": real, "check": staticmethod(check)})


def _check_range(*args) -> None:
    try:
        length = len(range(*args))
    except OverflowError:
        length = limits.MAX_ITEMS + 1
    check_length(length, "a range")


def _check_int(value=0, *args, **kwargs) -> None:
    check_decimal(value)


def _check_str(*args, **kwargs) -> None:
    if len(args) + len(kwargs) == 1:
        check_value(args[0] if args else kwargs.get("object"), "str() of a value")


def _round(number, ndigits=None):
    if ndigits is None:
        check_decimal(number)
    return round(number, ndigits)


def _repr(value) -> str:
    return repr(check_value(value, "repr() of a value"))


def _sum(iterable, /, start=0):
    """``sum(lists, [])`` copies the growing list once per item: refuse that beyond MAX_ITEMS."""
    if not isinstance(start, SEQUENCES):
        return sum(iterable, start)
    items = list(iterable)
    length = len(start) + sum(len(item) for item in items if isinstance(item, SEQUENCES))
    check_length(length, "a sum of lists")
    check_length(length * len(items) // 100, "copying a sum of lists")
    return sum(items, start)


BUILTINS = {"range": stand_in(range, _check_range), "int": stand_in(int, _check_int),
            "str": stand_in(str, _check_str), "pow": _pow, "round": _round,
            "repr": _repr, "sum": _sum}


def _width(name: str):
    def method(self, width, *args):
        check_length(width if isinstance(width, int) else 0, f"{name}()")
        return getattr(type(self), name)(self, width, *args)
    return method


def _expandtabs(self, tabsize=8):
    check_length(len(self) + self.count("\t" if isinstance(self, str) else b"\t") * max(tabsize, 0), "expandtabs()")
    return self.expandtabs(tabsize)


def _replace(self, old, new, count=-1):
    if len(new) > len(old):
        found = self.count(old) if old else len(self) + 1
        found = min(found, count) if count >= 0 else found
        check_length(len(self) + found * (len(new) - len(old)), "replace()")
    return self.replace(old, new, count)


def _join(self, iterable):
    items = list(iterable)
    check_length(len(self) * max(len(items) - 1, 0) + sum(len(i) for i in items if isinstance(i, (str, bytes))),
                  "join()")
    return self.join(items)


def _translate(self, table):
    if isinstance(table, dict):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        check_length(len(self) * longest, "translate()")
    return self.translate(table)


def _extend(self, iterable):
    items = iterable if isinstance(iterable, SEQUENCES) else list(iterable)
    check_length(len(self) + len(items), "extend()")
    self.extend(items)


_STRINGS = (str, bytes)
METHODS = {name: (_STRINGS, _width(name)) for name in ("center", "ljust", "rjust", "zfill")}
METHODS.update(expandtabs=(_STRINGS, _expandtabs), replace=(_STRINGS, _replace), join=(_STRINGS, _join),
               translate=(str, _translate), extend=(list, _extend))


def checked_method(obj, name: str):
    """The size-checked stand-in for ``obj.name`` (bound, or as called on the class), or None."""
    receivers, method = METHODS.get(name, (None, None))
    if method is None:
        return None
    if isinstance(obj, receivers):
        return functools.partial(method, obj)
    if isinstance(obj, type) and issubclass(obj, receivers):
        return method
    return None


class ListWrites:
    """What ``_write_`` hands back for a list: item writes as usual, slice writes checked for size."""

    __slots__ = ("_target",)

    def __init__(self, target: list):
        self._target = target

    def __setitem__(self, key, value):
        if isinstance(key, slice):
            value = list(value)
            kept = len(self._target) - len(range(*key.indices(len(self._target))))
            check_length(kept + len(value), "a slice assignment")
        self._target[key] = value

    def __delitem__(self, key):
        del self._target[key]


def check_star_args(args: tuple) -> None:
    check_length(len(args), "a call's arguments")
