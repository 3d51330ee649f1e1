"""Settings of the FreeSWITCH side: the event socket, the outbound socket, rendered config."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from callcenter.settings.base import ConfigError, Section


class EslSettings(Section):
    """Inbound Event Socket connection to FreeSWITCH (mod_event_socket)."""

    host: str = "127.0.0.1"
    port: int = Field(8021, ge=1, le=65535)
    password: str = Field("", description="required to talk to FreeSWITCH; no default")
    command_timeout: float = Field(10.0, gt=0, description="seconds to wait for any api reply")
    connect_timeout: float = Field(5.0, gt=0)
    reconnect_min: float = Field(0.5, gt=0, description="first reconnect delay, seconds")
    reconnect_max: float = Field(30.0, gt=0, description="longest reconnect delay, seconds")
    api_connections: int = Field(
        2,
        ge=0,
        le=32,
        description="extra event-less connections for api commands (FreeSWITCH runs one "
        "connection's commands one at a time); 0: every command on the main connection",
    )

    def required_password(self) -> str:
        """The password, or :class:`ConfigError` if none is set (there is no default)."""
        if not self.password:
            raise ConfigError(
                "setting esl.password (env CALLCENTER_ESL__PASSWORD) is empty; set the "
                "password of FreeSWITCH's event socket (event_socket.conf.xml)"
            )
        return self.password

    @field_validator("password")
    @classmethod
    def _not_stock_password(cls, value: str) -> str:
        if value.strip().casefold() == "cluecon":
            raise ValueError(
                "the stock FreeSWITCH password 'ClueCon' is not allowed; set a password of your "
                "own in event_socket.conf.xml and here"
            )
        return value


class OutboundSettings(Section):
    """The engine's server for the dialplan ``socket <host:port> async full`` application."""

    host: str = "127.0.0.1"
    port: int = Field(8084, ge=0, le=65535)
    app_timeout: float = Field(
        300.0, gt=0, description="longest wait for one dialplan application to complete"
    )


class DirectorySettings(Section):
    """FreeSWITCH's mod_xml_curl directory lookups answered by the console from the agents."""

    sip_domain: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_.-]*$",
        description="the SIP domain agents register to; part of each stored a1-hash "
        "(md5 of user:domain:password), so set it before setting SIP passwords",
    )
    url: str = Field(
        "http://127.0.0.1:8080/freeswitch/directory",
        description="the console's directory endpoint as FreeSWITCH reaches it (xml_curl.conf)",
    )
    username: str = Field("freeswitch", pattern=r"^[^:\s]+$")
    password: str = Field(
        "", description="HTTP Basic password FreeSWITCH sends; empty: the endpoint is off (404)"
    )
    allow_from: list[str] = Field(
        ["127.0.0.1/32", "::1/128"],
        description="networks FreeSWITCH asks from; other addresses get 403",
    )
    user_context: str = Field("default", description="dialplan context of agents' calls")

    @field_validator("allow_from")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad one
        return value


class NodeSettings(Section):
    """One FreeSWITCH node of a cluster and the engine beside it (same host)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="its engine's node_id")
    sip_ip: str = Field(description="address of the node's SIP profile (Kamailio sends here)")
    sip_port: int = Field(5060, ge=1, le=65535)
    rtp_ip: str = Field("", description="media address; empty: sip_ip")
    esl_port: int = Field(8021, ge=1, le=65535, description="event socket port on loopback")
    esl_password: str = Field("", description="this node's ESL password; empty: esl.password")
    engine: str = Field(
        "127.0.0.1:8084", pattern=r"^[^\s:]+:\d+$", description="the engine's outbound socket"
    )

    @field_validator("sip_ip", "rtp_ip")
    @classmethod
    def _address(cls, value: str) -> str:
        if value:
            ipaddress.ip_address(value)  # ValueError names the bad one
        return value

    @field_validator("esl_password")
    @classmethod
    def _not_stock(cls, value: str) -> str:
        return EslSettings._not_stock_password(value)


class KamailioSettings(Section):
    """What `callcenter kamailio-conf render` writes: the SIP proxy in front of the nodes."""

    address: str = Field("127.0.0.1", description="the proxy's SIP address (nodes and phones)")
    sip_port: int = Field(5060, ge=1, le=65535)
    algorithm: Literal["call_id_hash", "round_robin"] = Field(
        "round_robin", description="how hotline calls are spread over the nodes"
    )
    ping_interval: int = Field(10, ge=1, le=3600, description="seconds between OPTIONS probes")
    probing_threshold: int = Field(
        3, ge=1, le=100, description="failed probes before a node is taken out"
    )
    auth: Literal["file", "database"] = Field(
        "file",
        description="where phones' SIP passwords come from: 'file' (dbtext/subscriber, one "
        "generated password per extension) or 'database' (the agents' SIP passwords set in the "
        "console, read from database.url through the sip_subscribers view; needs "
        "freeswitch.directory.sip_domain)",
    )
    control_socket: str = Field(
        "unix:/run/kamailio/kamailio_ctl", description="kamailio's ctl (kamcmd) socket"
    )

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        ipaddress.ip_address(value)
        return value


class FreeswitchSettings(Section):
    """What `callcenter freeswitch-conf render` writes into a real FreeSWITCH's config."""

    hotline_numbers: list[str] = Field(["5000"], min_length=1)
    agent_extensions: str = Field(
        "1000-1019", pattern=r"^\d+-\d+$", description="range of SIP users for agents"
    )
    cdr_dir: str = Field(
        "/var/log/freeswitch",
        description="mod_cdr_csv's log-base on this host: the engine reads cdr-csv/Master.csv "
        "there to record calls that began and ended while no engine ran (empty: off)",
    )
    directory: DirectorySettings = DirectorySettings()
    nodes: list[NodeSettings] = Field(
        [], description="the cluster's FreeSWITCH nodes, one engine each (empty: one node)"
    )
    kamailio: KamailioSettings = KamailioSettings()

    def node(self, wanted: str) -> NodeSettings:
        """The node named ``wanted`` or numbered so (1-based); :class:`ConfigError` if none."""
        for number, node in enumerate(self.nodes, start=1):
            if wanted in (node.name, str(number)):
                return node
        known = ", ".join(n.name for n in self.nodes) or "none"
        raise ConfigError(
            f"no node {wanted!r} in freeswitch.nodes (known: {known}); describe the cluster's "
            "nodes there (name, sip_ip, ...)"
        )

    @field_validator("nodes")
    @classmethod
    def _unique_names(cls, value: list[NodeSettings]) -> list[NodeSettings]:
        names = [node.name for node in value]
        if len(set(names)) != len(names):
            raise ValueError(f"node names must be unique: {names}")
        return value

    @field_validator("hotline_numbers")
    @classmethod
    def _digits_only(cls, value: list[str]) -> list[str]:
        for number in value:
            if not number.isdigit():
                raise ValueError(f"hotline number {number!r} must be digits only")
        return value
