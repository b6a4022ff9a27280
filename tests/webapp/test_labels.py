"""The label catalogue (标签目录) names every code a user may see, in Chinese and in English."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from models import LOAN_STATUSES, RISK_CLASSES
from models.process import HumanTaskState
from models.subsidy import SETTLEMENT_STATUSES
from webapp import labels
from models.organisation import ROLES
from workflows.safe_xml import parse_xml

ROOT = Path(__file__).resolve().parents[2]
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
ACTIVITIES = ("userTask", "serviceTask", "scriptTask", "manualTask", "task", "callActivity", "businessRuleTask",
              "sendTask", "receiveTask")


def bundled_diagrams():
    for path in sorted((ROOT / "workflows" / "bpmn").glob("*.bpmn")):
        yield path, parse_xml(path.read_bytes())


def recorded_actions() -> set[str]:
    """Every audit action named as a string literal where code records one (``record("…")``, ``_record("…")``)."""
    found = set()
    for path in [*(ROOT / "workflows").rglob("*.py"), *(ROOT / "webapp").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                     for target in node.targets if isinstance(target, ast.Name)}  # PROPOSED = "…_proposed"
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("record", "_record", "_change") and node.args:
                first = node.args[0]
                value = first.value if isinstance(first, ast.Constant) else constants.get(getattr(first, "id", ""))
                if isinstance(value, str) and re.fullmatch(r"[a-z]+(_[a-z]+)+|login|logout", value):
                    found.add(value)
    return found


def test_every_task_process_and_lane_of_the_bundled_diagrams_has_a_label():
    missing = []
    for path, root in bundled_diagrams():
        for process in root.iter(f"{BPMN}process"):
            if not labels.known("process", process.get("id")):
                missing.append(f"{path.name}: process {process.get('id')}")
        for kind in ACTIVITIES:
            for element in root.iter(f"{BPMN}{kind}"):
                if not labels.known("task", element.get("id")):
                    missing.append(f"{path.name}: {kind} {element.get('id')}")
        for lane in root.iter(f"{BPMN}lane"):
            if not labels.known("role", lane.get("name")):
                missing.append(f"{path.name}: lane {lane.get('name')}")
    assert missing == []


def test_every_recorded_audit_action_has_a_label():
    actions = recorded_actions()
    assert {"task_completed", "loan_imported", "risk_fund_topup_started"} <= actions  # the scan finds them
    assert sorted(a for a in actions if not labels.known("action", a)) == []


@pytest.mark.parametrize("kind, codes", [
    ("role", ROLES), ("status", LOAN_STATUSES), ("risk_class", RISK_CLASSES),
    ("task_state", [state.value for state in HumanTaskState]), ("settlement_status", SETTLEMENT_STATUSES),
])
def test_every_role_and_status_has_a_label(kind, codes):
    assert [code for code in codes if not labels.known(kind, code)] == []


def test_every_entry_has_a_chinese_and_an_english_name():
    for kind, entries in labels.CATALOGUE.items():
        for code, (chinese, english) in entries.items():
            assert re.search(r"[\u4e00-\u9fff]", chinese) or chinese in ("{}", "SHA-256"), (kind, code)
            assert english and not re.search(r"[\u4e00-\u9fff]", english), (kind, code)


def test_labels_follow_the_language_and_an_unknown_code_never_shows_raw(app, caplog):
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert labels.label("task", "post_loan_visit") == "贷后走访"
            assert labels.label("task", "brand_new_step") == "其他环节"
            assert labels.label("task", "brand_new_step", "新环节") == "新环节"
        with force_locale("en"):
            assert labels.label("task", "post_loan_visit") == "Post-loan visit"
            assert labels.label("action", "never_recorded_action") == "Other action"
    assert "never_recorded_action" in caplog.text


def test_a_finding_reads_as_a_sentence(app):
    with app.test_request_context(), force_locale("zh_CN"):
        assert labels.finding_detail({"minutes": "0.0", "limit": 30, "earlier_event_id": 17}) == \
            "用时 0.0 分钟，限 30 分钟，前一事件 #17"
        assert labels.finding_detail({"earlier_task": "investigate_credit", "earlier_event_id": 3}) == \
            "前一环节 贷前调查与评级，前一事件 #3"


def test_counts_read_with_a_measure_word_in_chinese(app):
    """The merged catalogues keep Chinese's one plural form: "共 5 笔贷款", never "5 loans"."""
    from flask_babel import ngettext
    with app.test_request_context(), force_locale("zh_CN"):
        assert ngettext("%(num)d loan", "%(num)d loans", 5) == "共 5 笔贷款"
        assert ngettext("%(num)d event", "%(num)d events", 82) == "82 条事件"


def test_the_five_class_chart_runs_from_green_to_dark_red(app):
    from webapp.reports import RISK_CLASS_COLOURS, chart_data
    from workflows.reports.base import ReportResult
    result = ReportResult([], [], None, {"labels": list(RISK_CLASSES), "series": {"principal": [1, 2, 3, 4, 5]}})
    with app.test_request_context(), force_locale("zh_CN"):
        chart = chart_data("overdue", result)
    assert chart["labels"] == ["正常", "关注", "次级", "可疑", "损失"]
    assert chart["colours"] == ["#198754", "#ffc107", "#fd7e14", "#dc3545", "#6a040f"]
    assert RISK_CLASS_COLOURS["special_mention"] != RISK_CLASS_COLOURS["normal"]


def test_rule_messages_read_their_numbers_from_the_settings_in_force(app):
    """The age message follows borrower_min_age / borrower_max_age: change the setting, the message follows."""
    from models import PolicySetting, db
    from webapp.rule_messages import rule_message
    from workflows import clock
    with app.test_request_context(), force_locale("zh_CN"):
        assert rule_message("age_out_of_range") == "申请人在申请日须年满18周岁且不超过65周岁（age_out_of_range）"
        for key, value in (("borrower_min_age", "18"), ("borrower_max_age", "70"), ("max_extensions", "2")):
            db.session.add(PolicySetting(key=key, effective_from=clock.today(), value=value, comment="test"))
        db.session.flush()
        assert rule_message("age_out_of_range") == "申请人在申请日须年满18周岁且不超过70周岁（age_out_of_range）"
        assert rule_message("extension_limit") == "每笔贷款最多只能续贷或展期2次（extension_limit）"
        db.session.rollback()


def test_every_policy_setting_has_a_label():
    import csv
    with open(ROOT / "workflows" / "data" / "policy_settings.csv", encoding="utf-8") as rows:
        keys = {row["key"].partition(".")[0] for row in csv.DictReader(rows)}
    assert sorted(key for key in keys if not labels.known("setting", key)) == []


def test_a_recorded_form_field_reads_by_its_form_label_and_choice(app):
    with app.test_request_context(), force_locale("en"):
        assert labels.field_label("maturity_decision") == "Decision"
        assert labels.field_choice("maturity_decision", "extend") == "Request an extension"
        assert labels.field_choice("maturity_decision", "nonsense") is None
