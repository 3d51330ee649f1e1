"""Render the SIP proxy (Kamailio) in front of a cluster's FreeSWITCH nodes.

``render`` writes ``kamailio.cfg`` (``kamailio_cfg.py``), ``dispatcher.list`` (the nodes of
``freeswitch.nodes``, dispatcher set 1) and, with ``kamailio.auth: file``, ``dbtext/`` (the agents'
SIP users for digest auth, one password per extension, generated once and kept when rendered
again). With ``kamailio.auth: database`` phones authenticate with the SIP passwords set in the
console: Kamailio reads the ``sip_subscribers`` view (migration 0019) of ``database.url``.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

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


def database_url(url: str) -> tuple[str, str]:
    """Kamailio's db_url and db module for the engine's SQLAlchemy ``database.url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ConfigError(f"kamailio.auth: database needs a database file, not {url!r}")
        return f"sqlite://{Path(parsed.database).resolve()}", "db_sqlite.so"
    if parsed.get_backend_name() == "postgresql":
        plain = parsed.set(drivername="postgres")
        return plain.render_as_string(hide_password=False), "db_postgres.so"
    raise ConfigError(f"kamailio.auth: database reads SQLite or PostgreSQL, not {url!r}")


def _auth_values(settings: Settings, out: Path) -> dict[str, str]:
    if settings.freeswitch.kamailio.auth == "file":
        return {
            "AUTH_SOURCE": "dbtext/subscriber", "DB_MODULE": "db_text.so",
            "AUTH_DB_URL": f"text://{out / 'dbtext'}", "CALCULATE_HA1": "1",
            "PASSWORD_COLUMN": "password", "AUTH_TABLE": "subscriber",
        }  # fmt: skip
    if not settings.freeswitch.directory.sip_domain:
        raise ConfigError(
            "kamailio.auth: database needs freeswitch.directory.sip_domain: the agents' stored "
            "SIP secrets are hashed with that domain, the realm Kamailio challenges with"
        )
    db_url, module = database_url(settings.database.url)
    return {
        "AUTH_SOURCE": "the agents' SIP passwords in the console's database", "DB_MODULE": module,
        "AUTH_DB_URL": db_url, "CALCULATE_HA1": "0", "PASSWORD_COLUMN": "ha1",
        "AUTH_TABLE": "sip_subscribers",
    }  # fmt: skip


def kamailio_cfg(settings: Settings, out: Path) -> str:
    """The kamailio.cfg text for this cluster, with its files under ``out``."""
    proxy = settings.freeswitch.kamailio
    algorithm, algorithm_name = _ALGORITHMS[proxy.algorithm]
    numbers = "|".join(settings.freeswitch.hotline_numbers)
    values = {
        "ADDRESS": proxy.address,
        "PORT": str(proxy.sip_port),
        "DOMAIN": domain(settings),
        "CONTROL_SOCKET": proxy.control_socket,
        **_auth_values(settings, out),
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
    out.mkdir(parents=True, exist_ok=True)
    files = {
        out / "kamailio.cfg": kamailio_cfg(settings, out),
        out / "dispatcher.list": dispatcher_list(settings),
    }
    if settings.freeswitch.kamailio.auth == "file":
        files.update(_user_files(settings, out / "dbtext"))
    for path, text in files.items():
        path.write_text(text)
        if path.name == "subscriber":
            path.chmod(0o600)
    return list(files)


def _user_files(settings: Settings, folder: Path) -> dict[Path, str]:
    """dbtext's version table and subscriber rows (passwords kept from an earlier render)."""
    folder.mkdir(exist_ok=True)
    subscriber = folder / "subscriber"
    existing = dict(_ROW_RE.findall(subscriber.read_text())) if subscriber.exists() else {}
    return {folder / "version": _VERSION_TABLE, subscriber: _subscribers(settings, existing)}
