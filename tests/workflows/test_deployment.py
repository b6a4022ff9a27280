"""Deploying diagrams: versions stored once, running loans keep theirs, hostile XML refused."""
from __future__ import annotations

import pytest

from models import ProcessInstance, ProcessVersion, db
from workflows import deployment
from workflows.errors import UnsafeXmlError

from ..conftest import count, one
from ..factories import make_household, register


def test_same_sources_make_no_new_version(world):
    assert count(ProcessVersion, process_key="microcredit_loan") == 1
    deployment.deploy_bundled()
    assert count(ProcessVersion, process_key="microcredit_loan") == 1


def test_a_changed_diagram_is_a_new_version_and_running_loans_stay(world):
    loan = register(world, make_household())
    sources = deployment.bundled_sources()
    sources["microcredit_loan.bpmn"] = sources["microcredit_loan.bpmn"].replace("登记申请", "登记贷款申请")
    version = deployment.deploy("microcredit_loan", sources, comment="rename")
    db.session.commit()
    assert version.version == 2
    assert one(ProcessInstance, loan_id=loan.id).process_version.version == 1
    newer = register(world, make_household())
    assert one(ProcessInstance, loan_id=newer.id).process_version.version == 2


XXE = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>')
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><definitions>&c;</definitions>')
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd"><definitions/>'


@pytest.mark.parametrize("xml", [XXE, LAUGHS, EXTERNAL_DTD])
def test_hostile_xml_is_refused_without_side_effects(world, xml):
    with pytest.raises(UnsafeXmlError):
        deployment.deploy("microcredit_loan", {**deployment.bundled_sources(), "microcredit_loan.bpmn": xml})
    db.session.rollback()
    assert count(ProcessVersion, process_key="microcredit_loan") == 1
