"""Forms defined in the diagram (a user task's ``form_fields``): checked, built, labelled, described."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import flask_babel
import pytest
from werkzeug.datastructures import MultiDict

from forms import ApproveLoanForm, TASK_FORMS, check_form_fields, describe_fields, diagram_form_class
from forms import form_from_json, task_form_class
from forms.diagram import FIELD_TYPES, RESERVED_NAMES, DiagramText
from forms.fields import TaskForm

REQUIRED_EN = "This field is required."


def field(name: str, kind: str, **extra) -> dict:
    return {"name": name, "label": {"zh": f"中文{name}", "en": f"English {name}"}, "type": kind, **extra}


def text_of(*fields: dict) -> str:
    return json.dumps(list(fields), ensure_ascii=False)


CHOICES = [{"value": "pass", "label": {"zh": "通过", "en": "Pass"}},
           {"value": "fail", "label": {"zh": "不通过"}}]
EVERY_TYPE = text_of(
    field("title", "text", required=True), field("report", "textarea"), field("heads", "integer"),
    field("amount", "money"), field("visited_on", "date"), field("result", "choice", choices=CHOICES),
    field("risk_ok", "yesno", required=True))
GOOD = {"title": " 核查 ", "report": "情况属实", "heads": "12", "amount": "20000.50", "visited_on": "2026-03-02",
        "result": "pass", "risk_ok": "yes"}


@pytest.fixture
def english(app):
    with app.test_request_context("/?lang=en"):
        flask_babel.refresh()
        yield


@pytest.fixture
def chinese(app):
    with app.test_request_context("/"):
        flask_babel.refresh()
        yield


def submit(text: str, **data):
    form = diagram_form_class(text)(formdata=MultiDict({k: v for k, v in data.items() if v is not None}),
                                    meta={"csrf": False})
    form.validate()
    return form


def errors(form) -> dict:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


# ---- building and typed data ----

def test_every_type_builds_a_task_form_whose_data_is_typed_as_the_services_expect(english):
    form = submit(EVERY_TYPE, **GOOD)
    assert isinstance(form, TaskForm) and form.errors == {}
    assert form.to_data() == {"title": "核查", "report": "情况属实", "heads": 12, "amount": Decimal("20000.50"),
                              "visited_on": date(2026, 3, 2), "result": "pass", "risk_ok": True}
    assert [type(v) for v in form.to_data().values()] == [str, str, int, Decimal, date, str, bool]


def test_the_fields_keep_the_order_of_the_diagram_and_the_instance_version(english):
    form = submit(EVERY_TYPE, **GOOD, instance_version="3")
    assert [f.name for f in form] == ["instance_version", "title", "report", "heads", "amount", "visited_on",
                                      "result", "risk_ok"]
    assert form.expected_version == 3 and "instance_version" not in form.to_data()


def test_a_no_is_false_and_a_choice_starts_with_a_placeholder(english):
    form = submit(EVERY_TYPE, **{**GOOD, "risk_ok": "no"})
    assert form.to_data()["risk_ok"] is False
    assert [(c[0], str(c[1])) for c in form.result.iter_choices()] == [("", "— choose —"), ("pass", "Pass"),
                                                                        ("fail", "不通过")]


def test_the_same_text_gives_the_same_class_and_another_text_another(app):
    assert diagram_form_class(EVERY_TYPE) is diagram_form_class(EVERY_TYPE)
    other = diagram_form_class(text_of(field("risk_ok", "yesno")))
    assert other is not diagram_form_class(EVERY_TYPE) and issubclass(other, TaskForm)


def test_a_definition_with_problems_builds_no_class(app):
    with pytest.raises(ValueError, match="unknown type"):
        diagram_form_class(text_of(field("x", "colour")))


@pytest.mark.parametrize("kind, value, words", [
    ("integer", "12.5", "Not a valid integer value."),
    ("integer", "abc", "Not a valid integer value."),
    ("money", "abc", "Not a valid decimal value."),
    ("money", "1.005", "Use at most 2 decimals."),
    ("money", "0", "Must be greater than zero."),
    ("money", "1000000000000", "The number is too large."),
    ("date", "2026-13-01", "Not a valid date value."),
    ("date", "02/03/2026", "Not a valid date value."),
    ("choice", "maybe", "Not a valid choice."),
    ("yesno", "maybe", "Not a valid choice."),
])
def test_bad_input_is_refused_with_the_fields_message(english, kind, value, words):
    extra = {"choices": CHOICES} if kind == "choice" else {}
    form = submit(text_of(field("x", kind, **extra)), x=value)
    assert words in errors(form)["x"][0], errors(form)


# ---- bounds, inclusive ----

BOUNDS = [  # (field, good values, (bad value, message))
    (field("x", "integer", min=1, max=10), ["1", "10", "5"], [("0", "Between 1 and 10."), ("11", "Between 1 and 10.")]),
    (field("x", "integer", min=-5), ["-5", "1000"], [("-6", "At least -5.")]),
    (field("x", "integer", max=3), ["-100", "3"], [("4", "At most 3.")]),
    (field("x", "money", min=0.5, max=100), ["0.50", "100", "100.00"],
     [("0.49", "Between 0.5 and 100."), ("100.01", "Between 0.5 and 100.")]),
    (field("x", "money", min=0), ["0", "0.00"], [("-0.01", "At least 0.")]),
    (field("x", "date", min="2026-01-01", max="2026-12-31"), ["2026-01-01", "2026-12-31"],
     [("2025-12-31", "Between 2026-01-01 and 2026-12-31."), ("2027-01-01", "Between 2026-01-01 and 2026-12-31.")]),
    (field("x", "date", min="2026-01-01"), ["2026-01-01"], [("2025-12-31", "Not before 2026-01-01.")]),
    (field("x", "date", max="2026-01-01"), ["2026-01-01"], [("2026-01-02", "Not after 2026-01-01.")]),
    (field("x", "text", min=2, max=5), ["ab", "abcde"], [("a", "Between 2 and 5 characters."),
                                                         ("abcdef", "Between 2 and 5 characters.")]),
    (field("x", "text"), ["a" * 200], [("a" * 201, "At most 200 characters.")]),
    (field("x", "textarea"), ["字" * 2000], [("字" * 2001, "At most 2000 characters.")]),
    (field("x", "textarea", max=10), ["a" * 10], [("a" * 11, "At most 10 characters.")]),
]


@pytest.mark.parametrize("spec, good, bad", BOUNDS, ids=[f"{b[0]['type']}-{i}" for i, b in enumerate(BOUNDS)])
def test_bounds_hold_both_ends_inclusive(english, spec, good, bad):
    text = text_of(spec)
    assert check_form_fields(text) == []
    for value in good:
        assert submit(text, x=value).errors == {}, value
    for value, message in bad:
        assert errors(submit(text, x=value)) == {"x": [message]}, value


def test_bound_messages_are_in_chinese_by_default(chinese):
    form = submit(text_of(field("x", "integer", min=1, max=10), field("y", "date", min="2026-01-01"),
                          field("z", "text", min=2, max=5)), x="0", y="2025-01-01", z="a")
    assert errors(form) == {"x": ["应在1至10之间。"], "y": ["不能早于2026-01-01。"], "z": ["应为2至5个字。"]}


def test_bounds_reach_the_browser_as_input_attributes(english):
    form = submit(text_of(field("x", "integer", min=1, max=10), field("y", "date", max="2026-12-31"),
                          field("z", "textarea", max=30)))
    assert 'min="1"' in form.x() and 'max="10"' in form.x() and 'type="number"' in form.x()
    assert 'max="2026-12-31"' in form.y() and 'type="date"' in form.y()
    assert 'maxlength="30"' in form.z()


# ---- required and optional ----

@pytest.mark.parametrize("kind", FIELD_TYPES)
def test_a_required_field_needs_a_value(english, kind):
    extra = {"choices": CHOICES} if kind == "choice" else {}
    form = submit(text_of(field("x", kind, required=True, **extra)), x="")
    assert errors(form) == {"x": [REQUIRED_EN]}
    assert errors(submit(text_of(field("x", kind, required=True, **extra)))) == {"x": [REQUIRED_EN]}


@pytest.mark.parametrize("kind", FIELD_TYPES)
def test_an_optional_field_may_stay_empty_and_gives_none(english, kind):
    extra = {"choices": CHOICES} if kind == "choice" else {}
    text = text_of(field("x", kind, **extra))
    assert submit(text, x="").errors == {} and submit(text, x="").to_data() == {"x": None}
    assert submit(text).errors == {} and submit(text).to_data() == {"x": None}


def test_blanks_do_not_fill_a_required_text(english):
    assert errors(submit(text_of(field("x", "text", required=True)), x="   ")) == {"x": [REQUIRED_EN]}


def test_the_required_message_is_the_projects(chinese):
    assert errors(submit(text_of(field("x", "yesno", required=True)))) == {"x": ["此项为必填项。"]}


# ---- labels: the diagram's own words in the language of the request ----

def test_labels_are_chinese_by_default(chinese):
    form = submit(EVERY_TYPE)
    assert str(form.title.label.text) == "中文title" and "<label for=\"title\">中文title</label>" == str(form.title.label)
    assert [str(c[1]) for c in form.result.iter_choices()][1:] == ["通过", "不通过"]


def test_labels_are_english_when_the_request_asks_for_english(english):
    form = submit(EVERY_TYPE)
    assert str(form.title.label.text) == "English title"
    assert [str(c[1]) for c in form.result.iter_choices()][1:] == ["Pass", "不通过"]  # no English: the Chinese


def test_a_label_without_english_shows_the_chinese_in_english(english):
    form = submit(text_of({"name": "x", "label": {"zh": "只有中文"}, "type": "text"}))
    assert str(form.x.label.text) == "只有中文"


def test_one_class_speaks_the_language_of_each_request(app):
    cls = diagram_form_class(EVERY_TYPE)
    assert str(cls(formdata=None, meta={"csrf": False}).title.label.text) == "中文title"  # no request: Chinese
    for url, words in (("/?lang=en", "English title"), ("/", "中文title"), ("/?lang=en", "English title")):
        with app.test_request_context(url):
            flask_babel.refresh()
            assert str(cls(formdata=None, meta={"csrf": False}).title.label.text) == words


def test_labels_are_escaped_like_any_label(english):
    form = submit(text_of({"name": "x", "label": {"zh": "<b>粗</b>", "en": "<script>x</script>"}, "type": "text"}))
    assert "<script>" not in str(form.x.label) and "&lt;script&gt;" in str(form.x.label)


def test_diagram_text_is_plain_words():
    words = DiagramText("中文", "")
    assert str(words) == "中文" and words == DiagramText("中文") and repr(words) == "DiagramText('中文', None)"


# ---- description for the API ----

def test_the_fields_are_described_with_the_api_types_labels_and_bounds(english):
    text = text_of(field("title", "text", required=True, min=2), field("report", "textarea", max=500),
                   field("heads", "integer", min=1, max=99), field("amount", "money", min=0.5, max=50000),
                   field("visited_on", "date", min="2026-01-01"), field("result", "choice", choices=CHOICES),
                   field("risk_ok", "yesno", required=True))
    described = describe_fields(diagram_form_class(text)(formdata=None, meta={"csrf": False}))
    assert described == [
        {"name": "title", "type": "string", "required": True, "choices": None, "label": "English title",
         "min": 2, "max": 200},
        {"name": "report", "type": "string", "required": False, "choices": None, "label": "English report",
         "max": 500},
        {"name": "heads", "type": "integer", "required": False, "choices": None, "label": "English heads",
         "min": 1, "max": 99},
        {"name": "amount", "type": "decimal", "required": False, "choices": None, "label": "English amount",
         "min": "0.5", "max": "50000"},
        {"name": "visited_on", "type": "date", "required": False, "choices": None, "label": "English visited_on",
         "min": "2026-01-01"},
        {"name": "result", "type": "choice", "required": False, "choices": ["pass", "fail"],
         "label": "English result"},
        {"name": "risk_ok", "type": "boolean", "required": True, "choices": None, "label": "English risk_ok"},
    ]
    json.dumps(described)  # plain JSON


def test_registered_forms_are_described_with_their_labels_too(app):
    for url, words in (("/?lang=en", "Decision"), ("/", None)):
        with app.test_request_context(url):
            flask_babel.refresh()
            form = ApproveLoanForm(formdata=None, meta={"csrf": False})
            described = {d["name"]: d for d in describe_fields(form)}
            assert described["decision"]["label"] == str(form.decision.label.text)
            if words:
                assert described["decision"]["label"] == words
            else:
                assert described["decision"]["label"] != "Decision"
            assert described["approved_term_months"]["min"] == 1 and described["approval_comment"]["max"] == 500


def test_a_json_body_fills_a_form_defined_in_the_diagram(english):
    form = form_from_json(diagram_form_class(EVERY_TYPE), {
        "title": "核查", "heads": 3, "amount": "12.30", "visited_on": "2026-03-02", "result": "fail",
        "risk_ok": False, "unknown": 1, "report": None})
    assert form.validate(), form.errors
    assert form.to_data() == {"title": "核查", "report": None, "heads": 3, "amount": Decimal("12.30"),
                              "visited_on": date(2026, 3, 2), "result": "fail", "risk_ok": False}


# ---- task_form_class ----

def test_a_task_form_is_the_registered_class_or_the_diagrams(app):
    assert task_form_class("ApproveLoanForm", None) is TASK_FORMS["ApproveLoanForm"]
    assert task_form_class(None, EVERY_TYPE) is diagram_form_class(EVERY_TYPE)
    assert task_form_class("", EVERY_TYPE) is diagram_form_class(EVERY_TYPE)
    assert task_form_class("ApproveLoanForm", EVERY_TYPE) is ApproveLoanForm  # the validation refuses both


@pytest.mark.parametrize("form, form_fields, error", [
    ("NoSuchForm", None, KeyError), (None, None, KeyError), ("", "", KeyError),
    (None, "[", ValueError), (None, text_of(field("csrf_token", "text")), ValueError),
])
def test_a_task_form_that_does_not_resolve_is_an_error(app, form, form_fields, error):
    with pytest.raises(error):
        task_form_class(form, form_fields)


# ---- the checker ----

def test_the_example_of_the_brief_has_no_problems():
    example = ('[{"name": "risk_ok", "label": {"zh": "合规结论", "en": "Compliance conclusion"}, '
               '"type": "yesno", "required": true}]')
    assert check_form_fields(example) == [] and check_form_fields(EVERY_TYPE) == []


def test_the_reserved_names_are_the_pipelines_and_the_forms_own():
    assert {"csrf_token", "instance_version", "loan_id", "typename", "data", "errors", "validate", "meta",
            "to_data", "process"} <= RESERVED_NAMES
    assert "comment" not in RESERVED_NAMES and check_form_fields(text_of(field("comment", "textarea"))) == []


PROBLEMS = [  # (form_fields text, words of the one problem)
    ("[", "form_fields is not valid JSON"),
    ('[{"name": "x", "label": {"zh": "x"}, "type": "integer", "min": NaN}]', "form_fields is not valid JSON"),
    ("", "form_fields is not valid JSON"),
    ('{"name": "x"}', "form_fields must be a JSON array of fields"),
    ("[]", "form_fields lists no fields"),
    (text_of(*[field(f"f{i}", "text") for i in range(51)]), "at most 50"),
    ('["x"]', "field 1: must be an object"),
    (text_of(field("x", "colour")), "field 'x': unknown type \"colour\""),
    (text_of({"name": "x", "label": {"zh": "x"}}), "field 'x': unknown type null"),
    (text_of(field("x", "text"), field("y", "text"), field("x", "date")), "field 'x': duplicate name 'x'"),
    (text_of(field("csrf_token", "text")), "field 'csrf_token': the name 'csrf_token' is reserved"),
    (text_of(field("instance_version", "integer")), "field 'instance_version': the name 'instance_version' is"),
    (text_of(field("loan_id", "integer")), "field 'loan_id': the name 'loan_id' is reserved"),
    (text_of(field("typename", "text")), "field 'typename': the name 'typename' is reserved"),
    (text_of(field("data", "text")), "field 'data': the name 'data' is reserved"),
    (text_of(field("validate_x", "text")), "field 'validate_x': the name 'validate_x' is reserved"),
    (text_of(field("Risk", "text")), 'field 1: bad name "Risk"'),
    (text_of(field("1risk", "text")), 'field 1: bad name "1risk"'),
    (text_of(field("risk-ok", "text")), 'field 1: bad name "risk-ok"'),
    (text_of(field("a" * 41, "text")), "field 1: bad name"),
    (text_of({"label": {"zh": "x"}, "type": "text"}), "field 1: bad name null"),
    (text_of(field("x", "choice")), "field 'x': a choice field needs choices"),
    (text_of(field("x", "choice", choices=[])), "field 'x': a choice field needs choices"),
    (text_of(field("x", "choice", choices=[{"value": "a", "label": {"zh": "甲"}},
                                           {"value": "a", "label": {"zh": "乙"}}])),
     "field 'x': choice 2: value 'a' appears twice"),
    (text_of(field("x", "choice", choices=[{"value": "", "label": {"zh": "甲"}}])),
     "field 'x': choice 1: value must be"),
    (text_of(field("x", "choice", choices=[{"value": "a", "label": {"en": "A"}}])),
     "field 'x': choice 1: label needs the Chinese words (zh)"),
    (text_of(field("x", "text", choices=CHOICES)), "field 'x': only choice fields take choices"),
    (text_of(field("x", "integer", min=5, max=4)), "field 'x': min 5 is greater than max 4"),
    (text_of(field("x", "money", min=10.5, max=10)), "field 'x': min 10.5 is greater than max 10"),
    (text_of(field("x", "date", min="2026-02-01", max="2026-01-31")),
     "field 'x': min 2026-02-01 is greater than max 2026-01-31"),
    (text_of(field("x", "text", min=10, max=5)), "field 'x': min 10 is greater than max 5"),
    (text_of(field("x", "text", min=300)), "field 'x': min is above the limit of 200 characters for text"),
    (text_of(field("x", "text", max=201)), "field 'x': max is above the limit of 200 characters for text"),
    (text_of(field("x", "textarea", max=2001)), "field 'x': max is above the limit of 2000 characters"),
    (text_of(field("x", "text", min=-1)), "field 'x': min (a number of characters) cannot be negative"),
    (text_of(field("x", "integer", min=1.5)), "field 'x': min must be a whole number"),
    (text_of(field("x", "integer", max="10")), "field 'x': max must be a whole number"),
    (text_of(field("x", "integer", max=2 ** 60)), "field 'x': max is too large"),
    (text_of(field("x", "money", min="1")), "field 'x': min must be a number"),
    ('[{"name": "x", "label": {"zh": "x"}, "type": "money", "min": 0.001}]', "field 'x': min has more than 2 decimals"),
    (text_of(field("x", "date", min="2026-1-1")), "field 'x': min must be an ISO date"),
    (text_of(field("x", "date", max="2026-02-30")), "field 'x': max must be an ISO date"),
    (text_of(field("x", "yesno", min=1)), "field 'x': yesno fields take no min"),
    (text_of(field("x", "choice", choices=CHOICES, max=1)), "field 'x': choice fields take no max"),
    (text_of(field("x", "text", required="yes")), "field 'x': required must be true or false"),
    (text_of({"name": "x", "type": "text"}), "field 'x': label must be an object"),
    (text_of({"name": "x", "label": "风险", "type": "text"}), "field 'x': label must be an object"),
    (text_of({"name": "x", "label": {"zh": " "}, "type": "text"}), "field 'x': label needs the Chinese words (zh)"),
    (text_of({"name": "x", "label": {"zh": "x", "en": 1}, "type": "text"}), "field 'x': label en must be text"),
    (text_of({"name": "x", "label": {"zh": "x", "fr": "x"}, "type": "text"}), "field 'x': label has unknown keys 'fr'"),
    (text_of({"name": "x", "label": {"zh": "字" * 101}, "type": "text"}), "field 'x': a label has at most 100"),
    (text_of(field("x", "text", requried=True)), "field 'x': unknown keys 'requried'"),
]


@pytest.mark.parametrize("text, words", PROBLEMS, ids=[p[1][:60] for p in PROBLEMS])
def test_each_problem_is_reported_naming_its_field(text, words):
    problems = check_form_fields(text)
    assert len(problems) == 1 and words in problems[0], problems


def test_every_problem_of_a_definition_is_reported_at_once():
    problems = check_form_fields(text_of(field("x", "colour"), field("x", "choice"), field("csrf_token", "text")))
    assert problems == [
        "field 'x': unknown type \"colour\" (use text, textarea, integer, money, date, choice, yesno)",
        "field 'x': duplicate name 'x'",
        "field 'x': a choice field needs choices (a non-empty list of {value, label})",
        "field 'csrf_token': the name 'csrf_token' is reserved",
    ]


def test_text_that_is_not_text_is_a_problem():
    assert check_form_fields(None) == ["form_fields is not valid JSON: it is not text"]
