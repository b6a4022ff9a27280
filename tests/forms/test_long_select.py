"""``LongSelect`` renders what WTForms' own ``Select`` renders, option for option."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms.widgets import Select

from forms.inbox import InboxFilterForm


def test_the_township_filter_renders_as_wtforms_does(app):
    townships = [(1, "汉丰街道"), (2, "<b>&\"'"), (17, "大德镇")]
    with app.test_request_context("/inbox"):
        for chosen in ("17", "", "bogus"):
            form = InboxFilterForm(MultiDict({"township": chosen}), tasks=[], townships=townships)
            html = str(form.township())
            assert html == str(Select()(form.township))
            assert ('<option selected value="17">' in html) == (chosen == "17")
        assert "&lt;b&gt;&amp;&#34;&#39;" in html
