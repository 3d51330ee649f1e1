"""Log lines: JSON keeps the traceback of an exception and the call/agent fields."""

from __future__ import annotations

import json
import logging

import pytest

from callcenter.logs import configure_logging, get_logger


def test_json_log_line_carries_fields_and_the_traceback(capsys: pytest.CaptureFixture) -> None:
    configure_logging("info", "json")
    try:
        log = get_logger("test", call_uuid="c-1", agent_id="1001")
        try:
            {}["missing"]
        except KeyError:
            log.exception("dispatcher match failed")
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        logging.getLogger().handlers.clear()
    assert (line["event"], line["call_uuid"], line["agent_id"]) == (
        "dispatcher match failed",
        "c-1",
        "1001",
    )
    assert line["exception"][0]["exc_type"] == "KeyError"
