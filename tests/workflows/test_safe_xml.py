"""Uploaded BPMN/DMN XML: DOCTYPEs and entities refused, ordinary documents parsed."""
from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from workflows.errors import UnsafeXmlError
from workflows.safe_xml import parse_xml
from workflows.sandbox import make_script_engine

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="x">
  <!-- 脱贫人口小额信贷 -->
  <bpmn:process id="proc" name="小额信贷审批" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="t1" name="计算"><bpmn:script>note = "已审核"</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t1"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d" namespace="x">
  <decision id="dec" name="Dec"><decisionTable id="dt">
    <input id="i"><inputExpression id="e"><text>score</text></inputExpression></input>
    <output id="o" name="grade"/>
    <rule id="r"><inputEntry id="ri"><text>-</text></inputEntry>
      <outputEntry id="ro"><text>"A"</text></outputEntry></rule>
  </decisionTable></decision>
</definitions>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>"""
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]><lolz>&lol4;</lolz>"""
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>'
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><x/>"""
EMPTY_DOCTYPE = "<!DOCTYPE x><x/>"
SPACED_DOCTYPE = "<! DOCTYPE x><x/>"
BARE_ENTITY = '<x><!ENTITY e "v"></x>'

UNSAFE = [XXE, BILLION_LAUGHS, EXTERNAL_DTD, PARAMETER_ENTITY, EMPTY_DOCTYPE, SPACED_DOCTYPE,
          BARE_ENTITY, "<!doctype x><x/>", "<!DOCTYPE x []><x/>"]


@pytest.mark.parametrize("document", UNSAFE)
@pytest.mark.parametrize("as_bytes", [True, False])
def test_doctype_and_entities_are_refused(document, as_bytes):
    with pytest.raises(UnsafeXmlError, match="not allowed"):
        parse_xml(document.encode() if as_bytes else document)


@pytest.mark.parametrize("document", [XXE, BILLION_LAUGHS, EXTERNAL_DTD, EMPTY_DOCTYPE])
def test_doctype_is_refused_in_utf16(document):
    """The raw byte check cannot see UTF-16; the parsed tree's doctype is checked as well."""
    data = document.replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(UnsafeXmlError):
        parse_xml(data)


@pytest.mark.parametrize("document", [
    "", "not xml", "<a>", "<a></b>", "<a>&undefined;</a>", "<a/><b/>", "<a x='1' x='2'/>",
])
def test_malformed_xml_is_refused(document):
    with pytest.raises(UnsafeXmlError, match="^not well-formed XML: "):
        parse_xml(document)


def test_refusal_is_a_domain_error_with_code():
    with pytest.raises(UnsafeXmlError) as info:
        parse_xml(XXE)
    assert info.value.codes == ("unsafe_xml",)


def test_plain_bpmn_parses_with_comments_kept():
    root = parse_xml(BPMN.encode())
    assert root.tag == f"{{{BPMN_NS}}}definitions"
    assert "脱贫人口小额信贷" in root[0].text


@pytest.mark.parametrize("source", [
    BPMN,
    BPMN.encode("utf-8"),
    BPMN.replace('encoding="UTF-8"', "encoding='GBK'"),
    BPMN.replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk"),
    "\ufeff" + BPMN,
    BPMN.split("\n", 1)[1],
])
def test_chinese_text_parses_in_any_declared_encoding(source):
    root = parse_xml(source)
    process = root.find(f"{{{BPMN_NS}}}process")
    assert process.get("name") == "小额信贷审批"


def test_other_types_are_rejected():
    with pytest.raises(TypeError):
        parse_xml(None)


def test_result_feeds_spiffworkflow_parser():
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(parse_xml(BPMN), filename="x.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=make_script_engine())
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.data["note"] == "已审核"


def test_result_feeds_spiffworkflow_validator_and_dmn_parser():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(parse_xml(BPMN), filename="x.bpmn")
    parser.add_dmn_xml(parse_xml(DMN), filename="x.dmn")
    assert parser.get_process_ids() == ["proc"]
    assert "dec" in parser.dmn_parsers
