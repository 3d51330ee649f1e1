"""Reading FreeSWITCH's CDR lines for calls no engine saw (engine/restart/unseen_calls.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from callcenter.engine.restart.unseen_calls import CDR_TEMPLATE, never_served, parse_line

CONF = Path(__file__).resolve().parents[2] / "freeswitch-conf/autoload_configs/cdr_csv.conf.xml"


def test_the_shipped_cdr_template_is_the_one_the_engine_reads() -> None:
    root = ET.parse(CONF).getroot()
    default = root.find("settings/param[@name='default-template']").get("value")
    template = root.find(f"templates/template[@name='{default}']").text
    assert template == CDR_TEMPLATE


def _line(**values: str) -> str:
    row = {
        "uuid": "u1", "callcenter_hotline": "5000", "cc_unserved": "true", "cc_owner": "",
        "start_uepoch": "1796525849926831", "end_uepoch": "1796525859123456",
        "hangup_cause": "ORIGINATOR_CANCEL", "sip_hangup_disposition": "recv_cancel",
        "caller_id_number": "13800138000", "caller_id_name": "Ann",
    } | values  # fmt: skip
    text = CDR_TEMPLATE
    for name, value in row.items():
        text = text.replace("${" + name + "}", value)
    return text + "\n"


def test_a_line_of_a_caller_who_never_reached_an_engine() -> None:
    line = parse_line(_line())
    assert line is not None and never_served(line)
    assert line.started_at == datetime(2026, 12, 6, 2, 57, 29, 926831, tzinfo=UTC)
    assert (line.ended_at - line.started_at).total_seconds() > 9
    assert line.hung_up_by_caller and line.caller_number == "13800138000"


def test_a_caller_name_with_quotes_and_commas_stays_in_its_column() -> None:
    line = parse_line(_line(caller_id_name='Evil", "x","y'))
    assert line is not None and line.caller_name == 'Evil", "x","y' and line.uuid == "u1"


def test_served_calls_other_legs_and_broken_lines_are_not_recorded() -> None:
    assert not never_served(parse_line(_line(cc_owner="node1/abc")))  # an engine had it
    assert not never_served(parse_line(_line(callcenter_hotline="")))  # not a hotline call
    assert not never_served(parse_line(_line(cc_unserved="")))  # went straight to an engine
    assert parse_line(_line(start_uepoch="")) is None
    assert parse_line("garbage\n") is None
    assert not parse_line(_line(sip_hangup_disposition="send_bye")).hung_up_by_caller
