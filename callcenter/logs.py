"""Structured logging: one line per event, with call uuid and agent id as fields."""

from __future__ import annotations

import logging
import sys
from typing import Any, cast

import gevent
import structlog

__all__ = ["ACCESS_LOGGER", "QUIET_LOGGERS", "CallLog", "configure_logging", "get_logger"]

ACCESS_LOGGER = "callcenter.http.access"
"""One ``http request`` record per request of the console and the metrics listener."""

QUIET_LOGGERS = {"alembic": logging.WARNING}
"""Third-party loggers whose info lines are chatter on every start (alembic's plugin set-up,
"Context impl SQLiteImpl", "Will assume non-transactional DDL"): only warnings pass."""


def configure_logging(level: str = "info", fmt: str = "console", access: bool = False) -> None:
    """Route stdlib and structlog output through one renderer (console or JSON lines);
    ``access``: log each HTTP request of the console and the metrics listener."""
    renderer: structlog.typing.Processor
    if fmt == "json":
        # exc_info must become text before JSON rendering, or tracebacks are dropped.
        renderer = structlog.processors.JSONRenderer()
        extra: list[structlog.typing.Processor] = [structlog.processors.dict_tracebacks]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        extra = []
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        # filter_by_level first: a record below the level costs no timestamp or rendering
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *extra,
                renderer,
            ],
        )
    )
    # No record carries a thread or process name: without this, every greenlet that logs gets a
    # threading._DummyThread (gevent patches threading) for the record's threadName, per call
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet_level)
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.NOTSET if access else logging.WARNING)
    # warnings.warn() output (e.g. a library's DeprecationWarning) becomes a log record too
    logging.captureWarnings(True)
    # a greenlet's uncaught exception: a record, not gevent's traceback text on stderr
    gevent.get_hub().print_exception = _log_greenlet_error


def _log_greenlet_error(context: object, kind: type, value: BaseException, tb: object) -> None:
    """The hub's report of an exception that ended a greenlet, as one error record."""
    log = structlog.get_logger("gevent.hub")
    log.error("greenlet failed", context=repr(context), exc_info=(kind, value, tb))


def get_logger(name: str, **fields: object) -> structlog.stdlib.BoundLogger:
    """A logger bound to ``fields`` (use ``call_uuid=`` and ``agent_id=`` for call events).

    The logger stays lazy: created at import time (before ``configure_logging``), it still
    renders with the configuration in force when it first logs."""
    return cast(structlog.stdlib.BoundLogger, structlog.get_logger(name, **fields))


class CallLog:
    """A logger bound to ``fields`` only when it writes a line.

    structlog's ``bind`` builds a logger and a context dict at once (some 400 B); a call holds
    several (session, handler, IVR, queue) for its whole life and logs a few lines, so at
    thousands of calls binding per line is the cheaper side.
    """

    __slots__ = ("_logger", "_fields")

    def __init__(self, logger: Any, **fields: object) -> None:
        self._logger = logger
        self._fields = tuple(fields.items())

    def bind(self, **fields: object) -> CallLog:
        """This log with ``fields`` added."""
        return CallLog(self._logger, **{**dict(self._fields), **fields})

    def __getattr__(self, name: str) -> Any:  # info, warning, exception...: on a bound logger
        return getattr(self._logger.bind(**dict(self._fields)), name)
