"""Does a value conform to a schema of the OpenAPI document? The subset of OpenAPI 3.0 this API's inputs use.

``problems(schema, value, resolve)`` answers ``{field: [messages]}``, empty when the value conforms
(``__all__`` for the value as a whole; a problem deep inside a property counts for the property).
Keywords checked: ``$ref`` (through ``resolve``), ``type``, ``nullable``, ``enum``, ``required``, ``properties``,
``additionalProperties``, ``items``, ``minimum``, ``maximum``, ``exclusiveMinimum``, ``minLength``, ``maxLength``,
``minProperties``, ``pattern`` (unanchored, as in JSON Schema), ``format: date`` (``YYYY-MM-DD``), ``oneOf``,
``allOf``. A test holds that the inputs of the document use no other keyword, so what the document says of a
request is what the API checks.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache

from . import messages

Resolve = Callable[[str], dict]
CHECKED = frozenset({"$ref", "type", "nullable", "enum", "required", "properties", "additionalProperties", "items",
                     "minimum", "maximum", "exclusiveMinimum", "minLength", "maxLength", "minProperties", "pattern",
                     "format", "oneOf", "allOf", "description", "example"})
TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "object": (dict,),
         "array": (list,)}
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def problems(schema: dict, value, resolve: Resolve) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    _check(schema, value, "", resolve, found)
    return found


def _check(schema: dict, value, where: str, resolve: Resolve, found: dict) -> None:
    if "$ref" in schema:
        return _check(resolve(schema["$ref"]), value, where, resolve, found)
    for part in schema.get("allOf", ()):
        _check(part, value, where, resolve, found)
    if value is None:
        if not schema.get("nullable"):
            _add(found, where, str(messages.FIELD_MESSAGES["required"]))
        return None
    if "oneOf" in schema and sum(not problems(part, value, resolve) for part in schema["oneOf"]) != 1:
        return _add(found, where, str(messages.NOT_VALID))
    kind = schema.get("type")
    if kind and not _is_type(kind, value):
        return _add(found, where, str(messages.TYPE_MESSAGES[kind]))
    for problem in _value_problems(schema, value):
        _add(found, where, problem)
    if isinstance(value, dict):
        _check_object(schema, value, where, resolve, found)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            _check(schema["items"], item, where, resolve, found)
    return None


def _is_type(kind: str, value) -> bool:
    return isinstance(value, TYPES[kind]) and (kind == "boolean" or not isinstance(value, bool))


def _value_problems(schema: dict, value) -> list[str]:
    """enum, bounds, lengths, pattern and format of one value."""
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(messages.one_of(schema["enum"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low = schema.get("minimum")
        if low is not None and (value < low or (schema.get("exclusiveMinimum") and value == low)):
            found.append(messages.at_least(low, bool(schema.get("exclusiveMinimum"))))
        if schema.get("maximum") is not None and value > schema["maximum"]:
            found.append(messages.at_most(schema["maximum"]))
    if isinstance(value, str):
        found.extend(_text_problems(schema, value))
    return found


def _text_problems(schema: dict, value: str) -> list[str]:
    found = []
    if len(value) < schema.get("minLength", 0):
        found.append(messages.shortest(schema["minLength"]))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        found.append(messages.longest(schema["maxLength"]))
    pattern_ok = "pattern" not in schema or ecma_pattern(schema["pattern"]).search(value)
    if schema.get("format") == "date" and not is_date(value):
        found.append(str(messages.NOT_A_DATE))
    elif not pattern_ok:  # the one pattern on a date is the years the API takes (openapi.DAY)
        found.append(str(messages.DAY_OUT_OF_RANGE if schema.get("format") == "date" else messages.BAD_FORMAT))
    return found


@cache
def ecma_pattern(pattern: str) -> re.Pattern:
    """The pattern as JSON Schema reads it: ``$`` is the end of the text (Python's ``$`` also matches before a
    final newline). The document's patterns use ``$`` only as an anchor and ``[0-9]`` for digits."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def is_date(value: str) -> bool:
    """``YYYY-MM-DD`` and a real day (``date.fromisoformat`` alone would also take ``20240101``)."""
    if not ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_object(schema: dict, value: dict, where: str, resolve: Resolve, found: dict) -> None:
    properties = schema.get("properties", {})
    if len(value) < schema.get("minProperties", 0):
        _add(found, where, str(messages.FIELD_MESSAGES["required"]))
    for name in schema.get("required", ()):
        if name not in value:
            _add(found, _join(where, name), str(messages.FIELD_MESSAGES["required"]))
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            _check(properties[name], item, _join(where, name), resolve, found)
        elif extra is False:
            _add(found, _join(where, name), str(messages.UNKNOWN_FIELD))
        elif isinstance(extra, dict):
            _check(extra, item, _join(where, name), resolve, found)


def _join(where: str, name: str) -> str:
    """The field a problem is reported under: the top-level property it lies in."""
    return where or name


def _add(found: dict, where: str, message: str) -> None:
    listed = found.setdefault(where or "__all__", [])
    if message not in listed:
        listed.append(message)
