"""Log lines: JSON keeps the traceback of an exception and the call/agent fields; the standard
library's records (third-party libraries) come out in the same JSON, without alembic's chatter."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import gevent
import pytest
import structlog

from callcenter.logs import CallLog, configure_logging, get_logger


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    logging.getLogger().handlers.clear()
    logging.getLogger("alembic").setLevel(logging.NOTSET)
    logging.captureWarnings(False)
    vars(gevent.get_hub()).pop("print_exception", None)


def _lines(capsys: pytest.CaptureFixture) -> list[dict]:
    captured = capsys.readouterr()
    assert captured.out == ""
    return [json.loads(line) for line in captured.err.splitlines()]


def test_json_log_line_carries_fields_and_the_traceback(capsys: pytest.CaptureFixture) -> None:
    configure_logging("info", "json")
    log = get_logger("test", call_uuid="c-1", agent_id="1001")
    try:
        {}["missing"]
    except KeyError:
        log.exception("dispatcher match failed")
    line = _lines(capsys)[-1]
    assert (line["event"], line["call_uuid"], line["agent_id"]) == (
        "dispatcher match failed",
        "c-1",
        "1001",
    )
    assert line["exception"][0]["exc_type"] == "KeyError"


def test_a_stdlib_logger_writes_the_same_json_records(capsys: pytest.CaptureFixture) -> None:
    configure_logging("info", "json")
    logging.getLogger("urllib3.connectionpool").warning("retrying %s", "/x", extra={"tries": 2})
    [line] = _lines(capsys)
    assert (line["event"], line["level"], line["logger"], line["tries"]) == (
        "retrying /x",
        "warning",
        "urllib3.connectionpool",
        2,
    )
    assert line["timestamp"].endswith("Z")


def test_a_call_log_writes_its_fields_and_those_bound_later(
    capsys: pytest.CaptureFixture,
) -> None:
    configure_logging("debug", "json")
    log = CallLog(get_logger("callcenter.test"), conn="outbound 1").bind(call_uuid="c-2")
    log.info("call gone", reason="caller hung up")
    log.bind(queue="support").warning("no agent")
    first, second = _lines(capsys)[-2:]
    assert first["event"] == "call gone" and first["reason"] == "caller hung up"
    assert (first["conn"], first["call_uuid"], first["logger"]) == (
        "outbound 1",
        "c-2",
        "callcenter.test",
    )
    assert (second["level"], second["queue"], second["call_uuid"]) == ("warning", "support", "c-2")


def test_alembic_info_chatter_is_dropped_but_its_warnings_pass(
    capsys: pytest.CaptureFixture,
) -> None:
    configure_logging("info", "json")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate.types")
    logging.getLogger("alembic.runtime.migration").warning("revision gap")
    assert [(r["logger"], r["event"]) for r in _lines(capsys)] == [
        ("alembic.runtime.migration", "revision gap")
    ]


def test_a_logger_made_before_configuration_follows_it(capsys: pytest.CaptureFixture) -> None:
    structlog.reset_defaults()  # as at import time, before the command configures logging
    log = get_logger("callcenter.ivr.registry", flow="main")
    configure_logging("info", "json")
    log.info("ivr_flow_loaded", nodes=3)
    [line] = _lines(capsys)
    assert (line["event"], line["flow"], line["nodes"], line["logger"]) == (
        "ivr_flow_loaded",
        "main",
        3,
        "callcenter.ivr.registry",
    )


def test_python_warnings_become_log_records(capsys: pytest.CaptureFixture) -> None:
    configure_logging("info", "json")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("old api", UserWarning, stacklevel=1)
    [line] = _lines(capsys)
    assert (line["logger"], line["level"]) == ("py.warnings", "warning")
    assert "old api" in line["event"]


def test_console_format_names_the_stdlib_logger(capsys: pytest.CaptureFixture) -> None:
    configure_logging("info", "console")
    logging.getLogger("gevent.pywsgi").error("socket closed")
    err = capsys.readouterr().err
    assert "socket closed" in err and "[gevent.pywsgi]" in err and "error" in err


def test_a_greenlets_uncaught_exception_is_one_record(capsys: pytest.CaptureFixture) -> None:
    configure_logging("info", "json")

    def fail() -> None:
        raise ValueError("bad frame")

    gevent.spawn(fail).join()
    [line] = _lines(capsys)
    assert (line["event"], line["level"], line["logger"]) == (
        "greenlet failed",
        "error",
        "gevent.hub",
    )
    assert line["exception"][0]["exc_value"] == "bad frame"
    assert "fail" in line["context"]
