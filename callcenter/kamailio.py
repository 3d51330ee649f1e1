"""Render the SIP proxy (Kamailio) in front of a cluster's FreeSWITCH nodes.

``render`` writes ``kamailio.cfg`` (``kamailio_cfg.py``), ``dispatcher.list`` (the nodes of
``freeswitch.nodes``, dispatcher set 1) and ``dbtext/`` (the agents' SIP users for digest auth,
one password per extension, generated once and kept when rendered again).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from callcenter.config import ConfigError, Settings
from callcenter.kamailio_cfg import TEMPLATE

_ALGORITHMS = {"call_id_hash": ("0", "hash over Call-ID"), "round_robin": ("4", "round-robin")}
_SUBSCRIBER_HEADER = "id(int,auto) username(string) domain(string) password(string)\n"
_VERSION_TABLE = "table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n"
_ROW_RE = re.compile(r"^\d+:(\d+):[^:]*:(.+)$", re.MULTILINE)


def domain(settings: Settings) -> str:
    """The SIP domain agents register to: ``freeswitch.directory.sip_domain`` or the proxy."""
    return settings.freeswitch.directory.sip_domain or settings.freeswitch.kamailio.address


def dispatcher_list(settings: Settings) -> str:
    """Dispatcher set 1: one line per node (``setid destination flags priority attrs``)."""
    lines = [
        f"1 sip:{node.sip_ip}:{node.sip_port} 0 0 name={node.name}"
        for node in settings.freeswitch.nodes
    ]
    return "# setid destination flags priority attrs (callcenter freeswitch.nodes)\n" + "".join(
        line + "\n" for line in lines
    )


def kamailio_cfg(settings: Settings, out: Path) -> str:
    """The kamailio.cfg text for this cluster, with its files under ``out``."""
    proxy = settings.freeswitch.kamailio
    algorithm, algorithm_name = _ALGORITHMS[proxy.algorithm]
    numbers = "|".join(settings.freeswitch.hotline_numbers)
    values = {
        "ADDRESS": proxy.address,
        "PORT": str(proxy.sip_port),
        "DOMAIN": domain(settings),
        "DBTEXT": str(out / "dbtext"),
        "DISPATCHER_LIST": str(out / "dispatcher.list"),
        "PING_INTERVAL": str(proxy.ping_interval),
        "THRESHOLD": str(proxy.probing_threshold),
        "ALGORITHM": algorithm,
        "ALGORITHM_NAME": algorithm_name,
        "HOTLINE_REGEX": f"^({numbers})$",
    }
    text = TEMPLATE
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    return text


def _subscribers(settings: Settings, existing: dict[str, str]) -> str:
    first, last = (int(part) for part in settings.freeswitch.agent_extensions.split("-"))
    rows = [
        f"{number - first + 1}:{number}:{domain(settings)}:"
        f"{existing.get(str(number)) or secrets.token_urlsafe(12)}\n"
        for number in range(first, last + 1)
    ]
    return _SUBSCRIBER_HEADER + "".join(rows)


def render(settings: Settings, out: Path) -> list[Path]:
    """Write kamailio.cfg, dispatcher.list and dbtext/ into ``out``; return the files."""
    if not settings.freeswitch.nodes:
        raise ConfigError(
            "freeswitch.nodes is empty: describe the cluster's FreeSWITCH nodes (name, sip_ip, "
            "...) before rendering the proxy in front of them"
        )
    out = out.resolve()
    (out / "dbtext").mkdir(parents=True, exist_ok=True)
    subscriber = out / "dbtext" / "subscriber"
    existing = dict(_ROW_RE.findall(subscriber.read_text())) if subscriber.exists() else {}
    files = {
        out / "kamailio.cfg": kamailio_cfg(settings, out),
        out / "dispatcher.list": dispatcher_list(settings),
        out / "dbtext" / "version": _VERSION_TABLE,
        subscriber: _subscribers(settings, existing),
    }
    for path, text in files.items():
        path.write_text(text)
    subscriber.chmod(0o600)
    return list(files)
