"""``POST /freeswitch/directory``: FreeSWITCH's mod_xml_curl directory lookups, from the agents.

The documented exception to "every console route needs a sign-in": FreeSWITCH has no session.
It sends HTTP Basic credentials (``freeswitch.directory.username``/``password``, written into
xml_curl.conf.xml by ``callcenter freeswitch-conf render``) from an address in
``freeswitch.directory.allow_from`` (loopback by default). No password set: 404 (off); another
address: 403; missing or wrong credentials: 401. A known active agent's ``user``@``domain``
gets the directory document with its a1-hash (and, on a cluster's node, the dial-string through
Kamailio, as ``freeswitch-conf render --node`` writes it); anything else the "not found"
result, on which FreeSWITCH tries its next binding and then its own files (switch_xml_locate in
switch_xml.c), so a static directory keeps working beside this one.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select

from callcenter import sipdirectory
from callcenter.settings.switch import DirectorySettings, FreeswitchSettings
from callcenter.store.routing import Agent
from console.auth import db_session

bp = Blueprint("freeswitch", __name__, url_prefix="/freeswitch")

XML = "text/xml"


def _switch() -> FreeswitchSettings:
    return current_app.extensions["callcenter.settings"].freeswitch


def _settings() -> DirectorySettings:
    return _switch().directory


def _allowed(address: str | None, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


def _authorized(settings: DirectorySettings) -> bool:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    user_ok = hmac.compare_digest((auth.username or "").encode(), settings.username.encode())
    password_ok = hmac.compare_digest((auth.password or "").encode(), settings.password.encode())
    return user_ok and password_ok


@bp.post("/directory")
def directory() -> Response:
    """Answer one directory lookup (form fields ``section``, ``user``, ``domain``, ...)."""
    settings = _settings()
    if not settings.password:
        abort(404)
    if not _allowed(request.remote_addr, settings.allow_from):
        abort(403)
    if not _authorized(settings):
        return Response("credentials required\n", 401,
                        {"WWW-Authenticate": 'Basic realm="freeswitch-directory"'})  # fmt: skip
    form = request.form
    domain = form.get("domain", "")
    known_domain = domain == settings.sip_domain and bool(domain)
    if form.get("section") != "directory" or not known_domain:
        return Response(sipdirectory.not_found(), mimetype=XML)
    user = form.get("user", "")
    if not user:  # the domain alone (ACLs, gateways): FreeSWITCH's own files answer it
        return Response(sipdirectory.not_found(), mimetype=XML)
    with db_session() as session:
        agent = session.scalar(select(Agent).where(Agent.sip_user == user))
        if agent is None or not agent.active or not agent.sip_a1_hash:
            return Response(sipdirectory.not_found(), mimetype=XML)
        dial = sipdirectory.dial_string(_switch())
        body = sipdirectory.directory(domain, settings.user_context, agent, dial)
    return Response(body, mimetype=XML)
