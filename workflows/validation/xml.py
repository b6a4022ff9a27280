"""Small helpers to read BPMN and DMN trees by local name (namespace versions differ between tools)."""
from __future__ import annotations

from lxml import etree

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
Problems = dict[str, list[str]]

TASKS = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask",
                   "sendTask", "receiveTask", "callActivity", "subProcess", "transaction"})
EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                    "boundaryEvent"})
GATEWAYS = frozenset({"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"})
FLOW_NODES = TASKS | EVENTS | GATEWAYS
FLOW_ELEMENTS = FLOW_NODES | {"sequenceFlow"}


def local(element) -> str:
    """The element's tag without its namespace ('' for comments and processing instructions)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children(element, *names: str) -> list:
    return [child for child in element if local(child) in names]


def descendants(element, *names: str) -> list:
    return [node for node in element.iter() if local(node) in names]


def text_of(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def first(element, name: str):
    found = children(element, name)
    return found[0] if found else None


def add(problems: Problems, element_id: str | None, message: str) -> None:
    """Record ``message`` against the element (``__all__`` when it has no id)."""
    problems.setdefault(element_id or "__all__", [])
    if message not in problems[element_id or "__all__"]:
        problems[element_id or "__all__"].append(message)


def spiff_extension(element, name: str) -> list:
    """``spiffworkflow:<name>`` children of the element's extensionElements."""
    ext = first(element, "extensionElements")
    if ext is None:
        return []
    return [node for node in ext.iter() if isinstance(node.tag, str)
            and etree.QName(node).namespace == SPIFF_NS and etree.QName(node).localname == name]


def spiff_property(element, name: str) -> str | None:
    for prop in spiff_extension(element, "property"):
        if prop.get("name") == name:
            return prop.get("value")
    return None
