"""FreeSWITCH directory documents for agents' SIP users (what mod_xml_curl is answered with).

A directory lookup names ``user`` and ``domain`` (form fields of mod_xml_curl's POST); the
answer is ``<document type="freeswitch/xml"><section name="directory"><domain name=..>
<user id=..><params><param name="a1-hash" ../>`` or, for anything unknown,
``<section name="result"><result status="not found"/>``. The a1-hash is md5 of
``user:realm:password`` (sofia_reg.c uses it as the digest's HA1; with the shipped
``challenge-realm=auto_from`` the realm is the domain phones register to), so no plaintext
is stored.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from callcenter.settings.switch import FreeswitchSettings, KamailioSettings
from callcenter.store.routing import Agent

DIAL_STRING = (
    "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
    "${sofia_contact(*/${dialed_user}@${dialed_domain})}"
)
"""The domain's dial-string, as in freeswitch-conf/directory/default.xml."""


def proxy_dial_string(proxy: KamailioSettings) -> str:
    """A cluster node's dial-string: the agent's AOR, sent through Kamailio (``fs_path``),
    which finds the phone in its location table - so every node reaches every phone."""
    return (
        "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
        f"sofia/internal/${{dialed_user}}@${{dialed_domain}};fs_path=<sip:{proxy.address}:"
        f"{proxy.sip_port};lr>"
    )


def dial_string(switch: FreeswitchSettings) -> str:
    """The agents' dial-string: straight to the phone registered here, or through the
    cluster's proxy when ``freeswitch.nodes`` describes several nodes."""
    return proxy_dial_string(switch.kamailio) if switch.nodes else DIAL_STRING


def a1_hash(user: str, domain: str, password: str) -> str:
    """FreeSWITCH's a1-hash: hex md5 of ``user:domain:password``."""
    return hashlib.md5(f"{user}:{domain}:{password}".encode()).hexdigest()


def _document(section: str) -> tuple[ET.Element, ET.Element]:
    document = ET.Element("document", type="freeswitch/xml")
    return document, ET.SubElement(document, "section", name=section)


def _text(document: ET.Element) -> str:
    return ET.tostring(document, encoding="unicode", xml_declaration=False) + "\n"


def not_found() -> str:
    """The documented answer for a lookup this directory does not know."""
    document, section = _document("result")
    ET.SubElement(section, "result", status="not found")
    return _text(document)


def _pairs(parent: ET.Element, group: str, item: str, values: dict[str, str]) -> None:
    holder = ET.SubElement(parent, group)
    for name, value in values.items():
        ET.SubElement(holder, item, name=name, value=value)


def directory(domain: str, context: str, agent: Agent, dial: str = DIAL_STRING) -> str:
    """The domain (dial-string ``dial``, user_context) holding the agent's user and a1-hash."""
    document, section = _document("directory")
    node = ET.SubElement(section, "domain", name=domain)
    _pairs(node, "params", "param", {"dial-string": dial})
    _pairs(node, "variables", "variable", {"record_stereo": "true", "user_context": context})
    group = ET.SubElement(ET.SubElement(node, "groups"), "group", name="agents")
    user = ET.SubElement(ET.SubElement(group, "users"), "user", id=agent.sip_user)
    _pairs(user, "params", "param", {"a1-hash": agent.sip_a1_hash or ""})
    _pairs(user, "variables", "variable", {
        "user_context": context,
        "effective_caller_id_name": agent.display_name,
        "effective_caller_id_number": agent.sip_user,
        "callcenter_agent": agent.number,
    })  # fmt: skip
    return _text(document)
