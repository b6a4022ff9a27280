"""Rule messages name the limits the system really applies: the caps held in the deployed DMN table
``loan_policy`` (per loan, per household, term) and the ages held in the dated settings; an
administrator's edit of the table changes the message with it."""
from __future__ import annotations

from models import db
from webapp.rule_messages import rule_message
from workflows import deployment, instances


def message(app, code: str) -> str:
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        return str(rule_message(code))


def test_the_caps_come_from_the_deployed_table(app, world):
    assert "50,000" in message(app, "amount_over_cap")
    assert "100,000" in message(app, "total_over_cap")
    assert "36" in message(app, "term_over_cap")
    assert "18" in message(app, "age_out_of_range") and "65" in message(app, "age_out_of_range")


def test_an_edited_table_changes_the_message(app, world):
    sources = dict(instances.latest_version("microcredit_loan").sources)
    sources["loan_policy.dmn"] = sources["loan_policy.dmn"].replace("&gt; 50000", "&gt; 30000")
    deployment.deploy("microcredit_loan", sources, world.actor("admin"), comment="单笔上限改为3万")
    db.session.commit()
    assert "30,000" in message(app, "amount_over_cap") and "50,000" not in message(app, "amount_over_cap")
