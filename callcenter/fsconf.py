"""Render the shipped FreeSWITCH configuration with this engine's settings.

The XML in ``freeswitch-conf/`` and ``dialplan/`` never holds a secret: the ESL password, the
engine's outbound-socket address, the hotline numbers and the agents' SIP users are written into
``callcenter_vars.xml`` and ``callcenter_agents.xml`` in the target folder. Agents' SIP
passwords are generated once and kept when the folder is rendered again. With
``freeswitch.directory.password`` set, ``autoload_configs/xml_curl.conf.xml`` binds the directory
to the console's endpoint (agents from the database); loading mod_xml_curl switches it on.

For a cluster (``freeswitch.nodes``), ``render(..., node=...)`` writes one node's files: each
node's agents' calls go through Kamailio (``kamailio.py``), where the phones register.
"""

from __future__ import annotations

import re
import secrets
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import quoteattr

from callcenter.config import Settings
from callcenter.settings.switch import NodeSettings
from callcenter.sipdirectory import DIAL_STRING, proxy_dial_string

_REPO_ROOT = Path(__file__).resolve().parent.parent
_PASSWORD_RE = re.compile(r'<user id="(\d+)">\s*<params>\s*<param name="password" value="([^"]+)"')


def _node_values(settings: Settings, node: NodeSettings | None) -> dict[str, str]:
    """The values that differ between one FreeSWITCH alone and a node of a cluster."""
    if node is None:
        return {
            "callcenter_esl_password": settings.esl.required_password(),
            "callcenter_esl_port": str(settings.esl.port),
            "callcenter_outbound": f"{settings.outbound.host}:{settings.outbound.port}",
            "callcenter_sip_ip": "$${local_ip_v4}",
            "callcenter_rtp_ip": "$${local_ip_v4}",
            "callcenter_sip_port": "5060",
            "callcenter_domain": settings.freeswitch.directory.sip_domain or "$${local_ip_v4}",
            "callcenter_proxy_cidr": "127.0.0.1/32",
            "callcenter_agent_dial_string": DIAL_STRING,
        }
    proxy = settings.freeswitch.kamailio
    return {
        "callcenter_node": node.name,
        "callcenter_esl_password": node.esl_password or settings.esl.required_password(),
        "callcenter_esl_port": str(node.esl_port),
        "callcenter_outbound": node.engine,
        "callcenter_sip_ip": node.sip_ip,
        "callcenter_rtp_ip": node.rtp_ip or node.sip_ip,
        "callcenter_sip_port": str(node.sip_port),
        "callcenter_domain": settings.freeswitch.directory.sip_domain or proxy.address,
        "callcenter_proxy_cidr": f"{proxy.address}/{32 if '.' in proxy.address else 128}",
        "callcenter_agent_dial_string": proxy_dial_string(proxy),
    }


def _vars_xml(settings: Settings, node: NodeSettings | None = None) -> str:
    numbers = "|".join(re.escape(n) for n in settings.freeswitch.hotline_numbers)
    values = {
        **_node_values(settings, node),
        "callcenter_hotline_regex": f"^({numbers})$",
        "callcenter_cdr_dir": settings.freeswitch.cdr_dir or "$${log_dir}",
    }
    lines = [
        f'  <X-PRE-PROCESS cmd="set" data={quoteattr(f"{k}={v}")}/>' for k, v in values.items()
    ]
    return "<include>\n" + "\n".join(lines) + "\n</include>\n"


def _agents_xml(extensions: range, existing: dict[str, str]) -> str:
    users = []
    for ext in map(str, extensions):
        password = existing.get(ext) or secrets.token_urlsafe(12)
        users.append(
            f'<user id="{ext}">\n  <params>\n    <param name="password" value="{password}"/>\n'
            f"  </params>\n  <variables>\n"
            f'    <variable name="effective_caller_id_name" value="Agent {ext}"/>\n'
            f'    <variable name="effective_caller_id_number" value="{ext}"/>\n'
            f"  </variables>\n</user>"
        )
    return "<include>\n" + "\n".join(users) + "\n</include>\n"


def _xml_curl_xml(settings: Settings) -> str:
    """mod_xml_curl's binding of the directory section to the console, with its credentials."""
    directory = settings.freeswitch.directory
    root = ET.Element("configuration", name="xml_curl.conf", description="cURL XML Gateway")
    binding = ET.SubElement(ET.SubElement(root, "bindings"), "binding", name="directory")
    params = {
        "gateway-url": directory.url,
        "gateway-credentials": f"{directory.username}:{directory.password}",
        "auth-scheme": "basic",
        "timeout": "5",
    }
    for name, value in params.items():
        param = ET.SubElement(binding, "param", name=name, value=value)
        if name == "gateway-url":
            param.set("bindings", "directory")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def render(settings: Settings, out: Path, node: str | None = None) -> list[Path]:
    """Copy the shipped config into ``out`` and write the settings-derived files; return them.

    ``node`` (a name or 1-based number from ``freeswitch.nodes``) renders that node of a
    cluster: its ESL port and password, SIP/RTP address, its engine, and Kamailio in front.
    """
    chosen = settings.freeswitch.node(node) if node is not None else None
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(_REPO_ROOT / "freeswitch-conf", out, dirs_exist_ok=True)
    for context in ("public", "default"):
        shutil.copytree(
            _REPO_ROOT / "dialplan" / context, out / "dialplan" / context, dirs_exist_ok=True
        )
    agents_file = out / "directory" / "agents" / "callcenter_agents.xml"
    agents_file.parent.mkdir(parents=True, exist_ok=True)
    existing = dict(_PASSWORD_RE.findall(agents_file.read_text())) if agents_file.exists() else {}
    first, last = (int(part) for part in settings.freeswitch.agent_extensions.split("-"))
    vars_file = out / "callcenter_vars.xml"
    vars_file.write_text(_vars_xml(settings, chosen))
    agents_file.write_text(_agents_xml(range(first, last + 1), existing))
    written = [vars_file, agents_file]
    if settings.freeswitch.directory.password:
        xml_curl_file = out / "autoload_configs" / "xml_curl.conf.xml"
        xml_curl_file.write_text(_xml_curl_xml(settings))
        written.append(xml_curl_file)
    for path in written:
        path.chmod(0o600)
    return written
