"""The version diff in words (版本差异): what changed, with names, and nothing that did not."""
from __future__ import annotations

from workflows import versions
from workflows.deployment import bundled_sources

OLD = bundled_sources()
LOAN = "microcredit_loan.bpmn"


def edit(file: str, old: str, new: str, count: int = 1) -> dict[str, str]:
    assert old in OLD[file]
    return {**OLD, file: OLD[file].replace(old, new, count)}


def only(changes):
    assert len(changes) == 1, changes
    return changes[0]


def details(change) -> dict:
    return {d.field: (d.before, d.after) for d in change.details}


def test_a_due_period_and_a_form_change_name_the_task_and_the_values():
    new = edit(LOAN, '<spiffworkflow:property name="due_period" value="P1D" />',
               '<spiffworkflow:property name="due_period" value="P2D" />')
    change = only(versions.changes(OLD, new))
    assert (change.kind, change.what, change.id, change.name) == ("changed", "task", "register_application", "登记申请")
    assert details(change) == {"due_period": ("P1D", "P2D")} and not change.cosmetic
    new = edit(LOAN, 'value="ConfirmEligibilityForm"', 'value="RegisterApplicationForm"')
    assert details(only(versions.changes(OLD, new))) == {"form": ("ConfirmEligibilityForm", "RegisterApplicationForm")}


def test_a_condition_of_a_flow_is_named_with_before_and_after():
    flows = [c for c in versions.changes(OLD, edit(LOAN, 'decision == "approve"', 'decision == "approved"'))]
    assert flows and all(c.what == "flow" and c.kind == "changed" for c in flows)
    assert details(flows[0])["condition"] == ('decision == "approve"', 'decision == "approved"')


def test_a_renamed_task_is_a_cosmetic_change():
    change = only(versions.changes(OLD, edit(LOAN, 'name="登记申请"', 'name="登记贷款申请"')))
    assert details(change) == {"name": ("登记申请", "登记贷款申请")} and change.cosmetic


def test_lanes_are_added_removed_and_renamed_by_name():
    lane = OLD[LOAN].split('<bpmn:lane id="', 1)[1].split('"', 1)[0]
    renamed = OLD[LOAN].replace(f'<bpmn:lane id="{lane}" name="', f'<bpmn:lane id="{lane}" name="新', 1)
    change = only(versions.changes(OLD, {**OLD, LOAN: renamed}))
    assert (change.what, change.id, change.cosmetic) == ("lane", lane, True)


def test_dmn_cells_and_annotations_are_named_by_their_column():
    new = edit("loan_policy.dmn", "<text>&gt; 50000</text>", "<text>&gt; 40000</text>")
    change = only(versions.changes(OLD, new))
    assert (change.what, change.id) == ("rule", "loan_policy_rule_amount_over_cap")
    assert details(change) == {"申请金额 amount": ("> 50000", "> 40000")} and not change.cosmetic
    note = only(versions.changes(OLD, edit("credit_line.dmn", "<description>AAA级 5万元</description>",
                                           "<description>AAA 级</description>")))
    assert details(note) == {"annotation": ("AAA级 5万元", "AAA 级")} and note.cosmetic and note.name == "AAA 级"


def test_a_new_row_is_added_and_the_rows_below_do_not_change():
    row = OLD["credit_line.dmn"].split('<rule id="credit_line_rule_aa">', 1)
    copy = '<rule id="credit_line_rule_extra"><description>新行</description>' + row[1].split("</rule>", 1)[0].split(
        "</description>", 1)[1].replace('id="credit_line_rule_aa_', 'id="credit_line_rule_extra_') + "</rule>\n"
    new = {**OLD, "credit_line.dmn": row[0] + copy + '<rule id="credit_line_rule_aa">' + row[1]}
    change = only(versions.changes(OLD, new))
    assert (change.kind, change.what, change.id, change.name) == ("added", "rule", "credit_line_rule_extra", "新行")


def test_defaults_left_out_layout_and_incoming_outgoing_change_nothing():
    """bpmn-js leaves out cancelActivity="true" and rewrites incoming/outgoing: no spurious loan_repaid."""
    new = OLD[LOAN].replace(' cancelActivity="true"', "").replace(
        "<bpmn:outgoing>flow_repaid_to_loan_closed</bpmn:outgoing>", "")
    new = new.replace('<dc:Bounds x="', '<dc:Bounds x="1', 3)
    assert versions.changes(OLD, {**OLD, LOAN: new}) == []
    assert versions.version_diff(OLD, {**OLD, LOAN: new}) == {"added": [], "removed": [], "changed": []}
    non_interrupting = OLD[LOAN].replace(
        'attachedToRef="post_loan" cancelActivity="true"', 'attachedToRef="post_loan" cancelActivity="false"')
    change = only(versions.changes(OLD, {**OLD, LOAN: non_interrupting}))
    assert change.id == "loan_repaid" and details(change) == {"cancelActivity": (None, "false")}


def test_a_removed_task_and_an_added_event_are_listed_with_their_names():
    new = edit(LOAN, '<bpmn:message id="loan_repaid_message"',
               '<bpmn:endEvent id="spare_end" name="备用结束" />\n<bpmn:message id="loan_repaid_message"')
    change = only(versions.changes(OLD, new))
    assert (change.kind, change.what, change.id, change.name) == ("added", "event", "spare_end", "备用结束")
    assert change.as_dict()["cosmetic"] is False


def test_a_task_moved_to_another_lane_names_both_lanes():
    text = OLD[LOAN]
    lanes = [part.split('"', 1)[0] for part in text.split('<bpmn:lane id="')[1:]]
    first, second = lanes[0], lanes[1]
    ref = "<bpmn:flowNodeRef>register_application</bpmn:flowNodeRef>"
    assert ref in text
    moved = text.replace(ref, "", 1)
    head, tail = moved.split(f'<bpmn:lane id="{second}"', 1)
    tail = tail.replace(">", ">" + ref, 1)
    change = only(versions.changes(OLD, {**OLD, LOAN: head + f'<bpmn:lane id="{second}"' + tail}))
    before, after = details(change)["lane"]
    assert change.id == "register_application" and before != after and not change.cosmetic
    assert first in text and before and after
