"""Settings of the monitoring endpoints: the engine's /metrics and /healthz, the console's."""

from __future__ import annotations

from pydantic import Field

from callcenter.settings.base import Section


class MetricsSettings(Section):
    """Where the engine serves /metrics and /healthz, and the console's scrape token."""

    host: str = Field("127.0.0.1", description="address of the engine's metrics listener")
    port: int = Field(
        9180, ge=0, le=65535, description="port of the engine's /metrics and /healthz; 0 = off"
    )
    token: str = Field(
        "",
        description="bearer token the console's /metrics asks for; empty = console /metrics "
        "off (404)",
    )
