"""Hostile uploads (XXE, billion laughs, sandbox escapes) are refused without a trace: no draft,
no version, no audit event, over the services and over the API."""
from __future__ import annotations

import pytest

from forms.registry import TASK_FORMS
from models import AuditEvent, ProcessVersion, db
from models.drafts import ProcessDraft
from workflows import drafts
from workflows.deployment import bundled_sources
from workflows.validation import DiagramInvalidError

from ..conftest import count
from ..webapp.api.conftest import Api

KEY, LOAN, CREDIT = "microcredit_loan", "microcredit_loan.bpmn", "credit_line.dmn"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>'
XXE = HEADER + '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
LAUGHS = HEADER + ('<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                   '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>')
ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "__import__('os').system('touch /tmp/pwned')",
    "[c for c in ().__class__.__mro__[1].__subclasses__()]",
    "eval('1')",
    "getattr(policy_violations, '__class__')",
]


def hostile_sources() -> list[tuple[str, dict]]:
    sources = bundled_sources()
    loan = sources[LOAN]
    cases = [
        ("xxe", {**sources, LOAN: loan.replace(HEADER, XXE).replace('name="登记申请"', 'name="&x;"')}),
        ("laughs", {**sources, LOAN: loan.replace(HEADER, LAUGHS).replace('name="登记申请"', 'name="&c;"')}),
    ]
    for number, escape in enumerate(ESCAPES):
        cases.append((f"condition {number}", {**sources, LOAN: loan.replace("eligible == True", escape)}))
        cases.append((f"script {number}", {**sources, LOAN: loan.replace(
            'policy_violations = sorted(set(c for c in violation if c != "ok"))', f"x = {escape}")}))
    cases.append(("dmn cell", {**sources, CREDIT: sources[CREDIT].replace('"AAA"', "().__class__")}))
    return cases


CASES = hostile_sources()


def nothing_written() -> bool:
    db.session.rollback()
    return (count(ProcessDraft) == 0 and count(ProcessVersion, process_key="microcredit_loan") == 1
            and count(AuditEvent) == BASELINE["events"])


BASELINE: dict[str, int] = {}


@pytest.fixture
def admin(world):
    BASELINE["events"] = count(AuditEvent)  # the world's own events are not ours to count
    return world.actor("admin")


@pytest.mark.parametrize("name, sources", CASES, ids=[c[0] for c in CASES])
def test_a_draft_refuses_them(admin, name, sources):
    with pytest.raises(DiagramInvalidError) as refused:
        drafts.create_draft(admin, KEY, sources=sources)
    assert refused.value.problems and nothing_written()


def test_saving_them_into_a_draft_changes_nothing(admin):
    draft = drafts.create_draft(admin, KEY)
    events = count(AuditEvent)
    for _, sources in CASES:
        with pytest.raises(DiagramInvalidError):
            drafts.save_draft(admin, draft.id, sources, expected_revision=1)
    db.session.expire_all()
    assert db.session.get(ProcessDraft, draft.id).revision == 1 and count(AuditEvent) == events


@pytest.mark.parametrize("name, sources", CASES[:3] + CASES[-1:], ids=[c[0] for c in CASES[:3] + CASES[-1:]])
def test_the_api_refuses_them_with_422(client, admin, name, sources):
    api = Api(client)
    answer = api.post(f"/processes/{KEY}/drafts", as_="admin", json={"sources": sources})
    assert answer.status_code == 422 and answer.get_json()["codes"] == ["diagram_invalid"]
    xml = api.post(f"/processes/{KEY}/drafts", as_="admin", data=sources[LOAN].encode(),
                   content_type="application/xml")
    assert xml.status_code in (201, 422)
    if sources[LOAN] != bundled_sources()[LOAN]:
        assert xml.status_code == 422
    assert count(ProcessDraft) == (0 if sources[LOAN] != bundled_sources()[LOAN] else 1)
    assert count(ProcessVersion, process_key="microcredit_loan") == 1 and count(AuditEvent, action="draft_created") == count(ProcessDraft)


def test_hostile_xml_never_reaches_a_deploy(admin):
    draft = drafts.create_draft(admin, KEY)
    db.session.execute(ProcessDraft.__table__.update().values(sources=CASES[0][1]))  # as if stored by a bug
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(DiagramInvalidError) as refused:
        drafts.deploy_draft(admin, draft.id, "x", TASK_FORMS)
    assert LOAN in refused.value.problems and count(ProcessVersion, process_key="microcredit_loan") == 1
