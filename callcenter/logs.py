"""Structured logging: one line per event, with call uuid and agent id as fields."""

from __future__ import annotations

import logging
import sys

import structlog

__all__ = ["configure_logging", "get_logger"]


def configure_logging(level: str = "info", fmt: str = "console") -> None:
    """Route stdlib and structlog output through one renderer (console or JSON lines)."""
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
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *extra,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def get_logger(name: str, **fields: object) -> structlog.stdlib.BoundLogger:
    """A logger bound to ``fields`` (use ``call_uuid=`` and ``agent_id=`` for call events)."""
    return structlog.get_logger(name).bind(**fields)
