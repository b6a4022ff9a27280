"""Every English string of the work area (forms, inbox, task pages) has its Chinese in the work catalogue."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "webapp/translations/work/zh_CN/LC_MESSAGES/messages.po"
SOURCES = [
    *[("python", p) for p in sorted((ROOT / "forms").glob("*.py")) if p.name != "auth.py"],
    ("python", ROOT / "webapp/inbox.py"), ("python", ROOT / "webapp/tasks.py"),
    *[("jinja2.ext:babel_extract", p) for p in sorted((ROOT / "webapp/templates/inbox").glob("*.html"))],
    *[("jinja2.ext:babel_extract", p) for p in sorted((ROOT / "webapp/templates/tasks").glob("*.html"))],
]
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None}


def source_strings() -> set[str]:
    found = set()
    for method, path in SOURCES:
        for _line, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def merged_ids() -> set:
    """Translated ids of every area's catalogue (they merge at run time)."""
    ids = set()
    for path in ROOT.glob("webapp/translations/*/zh_CN/LC_MESSAGES/messages.po"):
        with path.open("rb") as handle:
            ids |= {m.id for m in read_po(handle, locale="zh_CN") if m.id and m.string}
    return ids


def test_every_string_has_a_chinese_translation():
    assert sorted(source_strings() - merged_ids()) == []


def test_placeholders_survive_translation(catalogue):
    for message in catalogue:
        if message.id and "%(" in message.id:
            names = sorted(part.split(")")[0] for part in message.id.split("%(")[1:])
            assert sorted(part.split(")")[0] for part in message.string.split("%(")[1:]) == names, message.id


def test_forms_speak_chinese_by_default(app, world):
    """The compiled catalogue is in use (``make translations``): labels, choices and messages."""
    from werkzeug.datastructures import MultiDict

    from forms import RegisterApplicationForm

    with app.test_request_context("/"):
        form = RegisterApplicationForm(formdata=MultiDict({"amount": "0", "purpose_category": "wedding"}),
                                       meta={"csrf": False})
        form.validate()
        assert str(form.amount.label.text) == "金额（元）"
        assert [str(c[1]) for c in form.purpose_category.iter_choices()][6] == "婚丧嫁娶"
        assert [str(m) for m in form.amount.errors] == ["必须大于零。"]
        assert [str(m) for m in form.purpose.errors] == ["此项为必填项。"]
