"""What a request must be, checked against the OpenAPI document, so the API takes exactly what it documents.

Before every view (after the token check):

* a JSON body must be UTF-8 JSON (RFC 8259: no ``NaN`` or ``Infinity``, no number beyond a float) nesting at
  most ``MAX_JSON_DEPTH`` deep, else 400 ``bad_request``; the nesting is measured without recursion, so the
  parser never meets a body that could exhaust the stack;
* every query argument the operation documents must conform to its schema (given once, of its type, within
  its enum, bounds, lengths, pattern and format), else 422 ``invalid`` with a message per argument.
  Arguments the operation does not document are ignored.

``json_object(schema)`` is the body as an object conforming to a component of the document: views call it
after their permission check, so a refusal by role still comes first.
"""
from __future__ import annotations

import json
import math
import re
from functools import cache

from flask import request
from werkzeug.exceptions import BadRequest

from workflows.errors import FormInvalidError

from . import conformance, messages, openapi
from .base import MAX_JSON_DEPTH, bp, json_body

HUGE = 10**30  # stands for an integer argument of more digits than any bound (int() of thousands of digits fails)
# A string runs to its closing quote or to the end: every match succeeds at once, so the scan stays linear
# (a pattern that can fail on an unterminated string is quadratic on a body of many ``\"``).
STRINGS = re.compile(r'"(?:[^"\\]+|\\.)*(?:"|\\?\Z)', re.DOTALL)
NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
INNERMOST = re.compile(r"\[\]|\{\}")
RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
INTEGER = re.compile(r"-?[0-9]+")


@bp.before_request
def check_request() -> None:
    check_json_syntax()
    if request.url_rule is not None:
        check_query(query_parameters(request.url_rule.rule, request.method))


def check_json_syntax() -> None:
    """400 for a JSON body that is not UTF-8, nests too deep or is not JSON (the view parses it again)."""
    data = request.get_data(cache=True) if request.is_json else b""
    if not data:
        return
    try:
        text = data.decode("utf-8-sig")  # a byte order mark is tolerated, as the view's parser does
    except UnicodeDecodeError:
        raise BadRequest(str(messages.BAD_JSON)) from None
    if too_deep(text):
        raise BadRequest(messages.too_deep(MAX_JSON_DEPTH))
    try:
        json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except ValueError:
        raise BadRequest(str(messages.BAD_JSON)) from None


def _not_json(constant: str):
    raise ValueError(constant)


def _finite(number: str) -> float:
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(number)
    return value


def too_deep(text: str) -> bool:
    """Brackets outside strings nest deeper than ``MAX_JSON_DEPTH`` or do not pair up (no recursion: regexes)."""
    brackets = NOT_BRACKETS.sub("", STRINGS.sub("", text))
    for _ in range(MAX_JSON_DEPTH):
        inner = INNERMOST.sub("", brackets)
        if inner == brackets:
            break
        brackets = inner
    return bool(brackets)


def check_query(parameters: tuple[dict, ...]) -> None:
    found: dict[str, list[str]] = {}
    for parameter in parameters:
        name, given = parameter["name"], request.args.getlist(parameter["name"])
        if len(given) > 1:
            found[name] = [str(messages.REPEATED)]
        elif given:
            problems = conformance.problems(parameter["schema"], typed(parameter["schema"], given[0]), resolve)
            found.update({name: listed for listed in problems.values()})
        elif parameter.get("required"):
            found[name] = [str(messages.FIELD_MESSAGES["required"])]
    if found:
        raise FormInvalidError(found)


def typed(schema: dict, raw: str):
    """The query string's text as the schema's type: an integer when it is one (ASCII digits), else the text."""
    if schema.get("type") != "integer" or not INTEGER.fullmatch(raw):
        return raw
    if len(raw.lstrip("-")) > len(str(HUGE)):
        return -HUGE if raw.startswith("-") else HUGE
    return int(raw)


@cache
def query_parameters(rule: str, method: str) -> tuple[dict, ...]:
    """The query parameters the document gives the operation of a URL rule and method."""
    path = RULE_VARIABLE.sub(r"{\1}", rule.removeprefix(bp.url_prefix))
    operation = document()["paths"].get(path, {}).get("get" if method == "HEAD" else method.lower(), {})
    return tuple(p for p in operation.get("parameters", ()) if p["in"] == "query")


@cache
def document() -> dict:
    return openapi.document()


def resolve(reference: str) -> dict:
    return document()["components"]["schemas"][reference.rsplit("/", 1)[-1]]


def json_object(schema: str, *, required: bool = True) -> dict:
    """The body as a JSON object conforming to the component ``schema``; else 422 ``invalid`` per field."""
    payload = json_body(required=required)
    problems = conformance.problems(resolve(schema), payload, resolve)
    if problems:
        raise FormInvalidError(problems)
    return payload
