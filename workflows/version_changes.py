"""What changed between two sets of process sources, element by element, in words (版本差异).

Each BPMN flow element (task, event, gateway, sequence flow), lane and message, and each DMN
decision, input, output and rule, is read into a small record of what matters about it: its name,
lane, form (``form`` / ``form_fields``), due period and the other extension properties, condition,
script, timer, message, attributes (defaults filled in, so an editor that leaves out a default
attribute changes nothing), and for a rule its cells and annotation. Layout (DI), the
``incoming``/``outgoing`` references (derived from the flows) and the order of attributes never
count. A change of name, label, documentation or annotation is *cosmetic*: it cannot affect a
running instance (the migration check in workflows/migration.py ignores the same things).

``changes(old, new)`` answers a list of ``Change`` records; each detail is a ``Detail`` with the
field, its value before and after. Ids stay in the record (the designer shows them); the versions
page shows the names.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .safe_xml import parse_xml
from .validation.xml import EVENTS, FLOW_ELEMENTS, GATEWAYS, TASKS, local

COSMETIC_FIELDS = frozenset({"name", "documentation", "annotation", "label"})
DEFAULT_ATTRIBUTES = {
    "cancelActivity": "true", "isInterrupting": "true", "instantiate": "false", "isForCompensation": "false",
    "parallelMultiple": "false", "triggeredByEvent": "false", "gatewayDirection": "Unspecified",
    "isExecutable": "false", "startQuantity": "1", "completionQuantity": "1", "implementation": "##unspecified",
}
SKIPPED_CHILDREN = frozenset({"incoming", "outgoing", "documentation", "extensionElements", "conditionExpression",
                              "script", "flowNodeRef", "childLaneSet"})
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@dataclass(frozen=True)
class Detail:
    field: str
    before: str | None
    after: str | None

    @property
    def cosmetic(self) -> bool:
        return self.field in COSMETIC_FIELDS


@dataclass(frozen=True)
class Change:
    """One added, removed or changed element: ``what`` is task, event, gateway, flow, lane,
    message, decision, input, output or rule."""

    kind: str
    what: str
    id: str
    name: str
    file: str
    details: tuple[Detail, ...] = field(default_factory=tuple)

    @property
    def cosmetic(self) -> bool:
        """Only names, labels, documentation or annotations changed."""
        return self.kind == "changed" and all(d.cosmetic for d in self.details)

    def as_dict(self) -> dict:
        return {**asdict(self), "details": [asdict(d) for d in self.details], "cosmetic": self.cosmetic}


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _what(tag: str) -> str:
    if tag in TASKS:
        return "task"
    if tag in EVENTS:
        return "event"
    if tag in GATEWAYS:
        return "gateway"
    return {"sequenceFlow": "flow"}.get(tag, tag)


def _attributes(element, skip=("id", "name")) -> dict[str, str]:
    values = {}
    for key, value in element.attrib.items():
        name = key.split("}")[-1] if key != XSI_TYPE else "type"
        if name in skip or key == XSI_TYPE or DEFAULT_ATTRIBUTES.get(name) == value:
            continue
        values[name] = value
    return values


def _describe_child(child, messages: dict[str, str]) -> str:
    """An event definition, loop marker or other child: its kind, attributes and texts."""
    parts = [local(child)]
    for key, value in sorted(_attributes(child, skip=("id",)).items()):
        parts.append(f"{key}={messages.get(value, value)}" if key == "messageRef" else f"{key}={value}")
    for inner in child:
        if isinstance(inner.tag, str):
            parts.append(f"{local(inner)}={_text(inner)}")
    return " ".join(parts)


def _bpmn_record(element, lane_of: dict[str, str], messages: dict[str, str]) -> dict[str, str]:
    record = {"type": local(element), "name": element.get("name") or ""}
    for key, value in _attributes(element).items():
        record[key] = value
    if element.get("id") in lane_of:
        record["lane"] = lane_of[element.get("id")]
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = local(child)
        if tag == "documentation":
            record["documentation"] = _text(child)
        elif tag == "conditionExpression":
            record["condition"] = _text(child)
        elif tag == "script":
            record["script"] = (child.text or "").strip()
        elif tag == "extensionElements":
            for ext in child.iter():
                if not isinstance(ext.tag, str) or ext is child:
                    continue
                if local(ext) == "property" and ext.get("name"):
                    record[ext.get("name")] = ext.get("value") or ""
                elif local(ext) not in ("properties", "property") and len(ext) == 0:
                    record[local(ext)] = (ext.text or "").strip()
        elif tag not in SKIPPED_CHILDREN and tag not in FLOW_ELEMENTS and tag != "laneSet":
            record[tag] = _describe_child(child, messages)
    return record


def _bpmn(name: str, root, out: dict) -> None:
    messages = {m.get("id"): m.get("name") or m.get("id") for m in root.iter() if local(m) == "message"}
    lanes, lane_of = {}, {}
    for lane in root.iter():
        if local(lane) == "lane" and lane.get("id"):
            lanes[lane.get("id")] = lane
            for ref in lane:
                if isinstance(ref.tag, str) and local(ref) == "flowNodeRef":
                    lane_of[(ref.text or "").strip()] = lane.get("id")
    for lane_id, lane in lanes.items():
        out[(name, "lane", lane_id)] = {"name": lane.get("name") or ""}
    for message_id, message_name in messages.items():
        out[(name, "message", message_id)] = {"name": message_name}
    for element in root.iter():
        if isinstance(element.tag, str) and local(element) in FLOW_ELEMENTS and element.get("id"):
            out[(name, _what(local(element)), element.get("id"))] = _bpmn_record(element, lane_of, messages)


def _dmn(name: str, root, out: dict) -> None:
    for decision in root.iter():
        if not isinstance(decision.tag, str) or local(decision) != "decision":
            continue
        table = next((t for t in decision.iter() if isinstance(t.tag, str) and local(t) == "decisionTable"), None)
        record = {"name": decision.get("name") or "", "documentation": next(
            (_text(d) for d in decision if isinstance(d.tag, str) and local(d) == "description"), "")}
        if table is not None:
            record["hitPolicy"] = table.get("hitPolicy") or "UNIQUE"
        out[(name, "decision", decision.get("id"))] = record
        if table is None:
            continue
        columns = []
        for column in table:
            if not isinstance(column.tag, str) or local(column) not in ("input", "output"):
                continue
            columns.append(column.get("id"))
            entry = {"name": column.get("label") or column.get("name") or "", "typeRef": column.get("typeRef") or ""}
            if local(column) == "output":
                entry["variable"] = column.get("name") or ""
            for inner in column:
                if isinstance(inner.tag, str) and local(inner) == "inputExpression":
                    entry["typeRef"] = inner.get("typeRef") or entry["typeRef"]
                    entry["expression"] = _text(inner)
            out[(name, local(column), column.get("id"))] = entry
        rows = [r for r in table if isinstance(r.tag, str) and local(r) == "rule"]
        for number, rule in enumerate(rows, start=1):
            cells = [c for c in rule if isinstance(c.tag, str) and local(c) in ("inputEntry", "outputEntry")]
            annotation = next((_text(c) for c in rule if isinstance(c.tag, str) and local(c) == "description"), "")
            entry = {"annotation": annotation, "position": str(number)}
            for index, cell in enumerate(cells):
                entry[columns[index] if index < len(columns) else f"cell {index + 1}"] = _text(cell)
            out[(name, "rule", rule.get("id"))] = entry


def records(sources: dict[str, str]) -> dict[tuple[str, str, str], dict[str, str]]:
    """(file, what, id) -> the record of every element worth comparing."""
    out: dict = {}
    for name in sorted(sources):
        root = parse_xml(sources[name])
        (_dmn if name.endswith(".dmn") else _bpmn)(name, root, out)
    return out


def _named(key, record, node_names=None) -> tuple[str, str, str, str]:
    """A flow without a name is called by its ends (``登记申请 → 政策检查``); a row by its annotation."""
    file, what, element_id = key
    name = record.get("name") or record.get("annotation") or (f"#{record['position']}" if "position" in record else "")
    if not name and what == "flow" and node_names is not None:
        ends = [node_names.get((file, record.get(end)), record.get(end)) for end in ("sourceRef", "targetRef")]
        name = " → ".join(str(end or "?") for end in ends)
    return file, what, element_id, name


def _detail(file, name, before, after, column_names, lane_names, node_names) -> Detail:
    """A lane or a flow's end by its name (its id when it has none), a DMN cell by its column's label."""
    if name == "lane":
        return Detail(name, lane_names[0].get((file, before), before), lane_names[1].get((file, after), after))
    if name in ("sourceRef", "targetRef"):
        return Detail(name, node_names.get((file, before), before), node_names.get((file, after), after))
    return Detail(column_names.get((file, name), name), before, after)


def changes(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    """Added, removed and changed elements between two source sets, in file and element order."""
    before, after = records(old), records(new)
    column_names = {(k[0], k[2]): r.get("name") or k[2] for k, r in (before | after).items()
                    if k[1] in ("input", "output")}
    lane_names = ({(k[0], k[2]): r.get("name") or k[2] for k, r in before.items() if k[1] == "lane"},
                  {(k[0], k[2]): r.get("name") or k[2] for k, r in after.items() if k[1] == "lane"})
    node_names = {(k[0], k[2]): r.get("name") or k[2] for k, r in (before | after).items()
                  if k[1] in ("task", "event", "gateway")}
    found = []
    for key in after.keys() - before.keys():
        file, what, element_id, name = _named(key, after[key], node_names)
        found.append(Change("added", what, element_id, name, file))
    for key in before.keys() - after.keys():
        file, what, element_id, name = _named(key, before[key], node_names)
        found.append(Change("removed", what, element_id, name, file))
    for key in before.keys() & after.keys():
        if key[1] == "rule":  # a row's position moves when a row above it comes or goes
            moved = {k: v for k, v in before[key].items() if k != "position"}, \
                    {k: v for k, v in after[key].items() if k != "position"}
            old_record, new_record = moved
        else:
            old_record, new_record = before[key], after[key]
        if old_record == new_record:
            continue
        fields = sorted(old_record.keys() | new_record.keys())
        details = tuple(_detail(key[0], f, old_record.get(f), new_record.get(f), column_names, lane_names, node_names)
                        for f in fields if old_record.get(f) != new_record.get(f))
        file, what, element_id, name = _named(key, after[key], node_names)
        found.append(Change("changed", what, element_id, name, file, details))
    order = {"added": 0, "removed": 1, "changed": 2}
    return sorted(found, key=lambda c: (c.file, order[c.kind], c.what, c.id))
