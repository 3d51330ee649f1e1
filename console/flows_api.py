"""Admin JSON API of the IVR flows kept in the database: versions, diff, graph, publish (and
roll back), validation as you type, and the hotline numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import graphviz
from flask import Blueprint, Response, current_app, jsonify
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from callcenter.flows.checking import FlowChecks, check_text, parse_text
from callcenter.flows.errors import FlowNotFound, FlowStoreError, PublishRefused
from callcenter.flows.numbers import hotline_numbers, replace_numbers
from callcenter.flows.publish import publish, rollback
from callcenter.flows.versions import (
    FLOW_NAME,
    diff_versions,
    find_flow,
    get_version,
    list_flows,
    list_versions,
    save_version,
    version_dict,
)
from callcenter.ivr.errors import Problem
from callcenter.ivr.graph import flow_graph
from callcenter.ivr.limits import FlowLimits
from callcenter.store.users import User
from console.api import problem
from console.auth import db_session, role_required
from console.request_input import InputError, json_body, query_int, text

bp = Blueprint("flows_api", __name__)
MAX_VERSION = 1_000_000


def _checks() -> FlowChecks:
    ivr = current_app.extensions["callcenter.settings"].ivr
    return FlowChecks(Path(ivr.prompts), FlowLimits.of(ivr))


def _problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {"file": p.file, "line": p.line, "column": p.column, "message": p.message, "text": str(p)}
        for p in problems
    ]


def _yaml(body: dict[str, Any]) -> str:
    value = text(body, "yaml", _checks().limits.max_bytes, strip=False)
    if not value.strip():
        raise InputError("field yaml must be the flow's YAML text")
    return value


def _name(body: dict[str, Any], default: str = "") -> str:
    name = text(body, "name", 64, default=default)
    if not FLOW_NAME.match(name):
        raise InputError("field name must be a flow name: a letter, then letters, digits, _ or -")
    return name


@bp.get("/api/admin/flows")
@role_required("admin")
def flows() -> Response:
    """Every flow with its published and newest version."""
    with db_session() as session:
        return jsonify(flows=list_flows(session))


@bp.post("/api/admin/flows/validate")
@role_required("admin")
def validate() -> Response:
    """Problems of ``{"yaml", "name"?}`` as ``file:line:col`` (saves nothing)."""
    body = json_body()
    source = _yaml(body)
    guess = parse_text("flow", source, _checks().limits).name or ""
    name = _name(body, guess if FLOW_NAME.match(guess) else "flow")
    with db_session() as session:
        found = check_text(session, name, source, _checks())
    return jsonify(valid=not found, problems=_problems(found))


@bp.get("/api/admin/flows/<flow>/versions")
@role_required("admin")
def versions(flow: str) -> tuple[Response, int]:
    """The flow's versions, newest first (without their text)."""
    with db_session() as session:
        try:
            found = list_versions(session, flow)
        except FlowNotFound as exc:
            return problem(404, str(exc))
        return jsonify(name=flow, versions=[version_dict(v) for v in found]), 200


@bp.post("/api/admin/flows/<flow>/versions")
@role_required("admin")
def save(flow: str) -> tuple[Response, int]:
    """Save ``{"yaml", "comment"}`` as the flow's next version (a draft if it has problems)."""
    body = json_body()
    source, comment = _yaml(body), text(body, "comment", 500)
    with db_session() as session:
        try:
            saved = save_version(
                session, flow, source, author=current_user.username, comment=comment,
                checks=_checks(),
            )  # fmt: skip
        except FlowStoreError as exc:
            return problem(400, str(exc))
        answer = version_dict(saved.version) | {"problems": _problems(saved.problems)}
        try:
            session.commit()
        except IntegrityError:  # another save took the same number
            return problem(409, "another version was saved at the same time; save again")
    return jsonify(answer), 201


@bp.get("/api/admin/flows/<flow>/versions/<int:version>")
@role_required("admin")
def one_version(flow: str, version: int) -> tuple[Response, int]:
    """One version with its YAML text."""
    with db_session() as session:
        try:
            return jsonify(version_dict(get_version(session, flow, version), text=True)), 200
        except FlowNotFound as exc:
            return problem(404, str(exc))


@bp.get("/api/admin/flows/<flow>/versions/<int:version>/graph")
@role_required("admin")
def graph(flow: str, version: int) -> tuple[Response, int]:
    """The version drawn as a graph (``ivr graph``): ``{"dot": DOT text, "svg": picture}``
    (``svg`` is null when graphviz's dot program is missing); 409 while it has problems."""
    with db_session() as session:
        try:
            source = get_version(session, flow, version).yaml
        except FlowNotFound as exc:
            return problem(404, str(exc))
        found = check_text(session, flow, source, _checks())
    if found:
        reason = "the version has problems; fix them to draw it"
        return jsonify(error=True, reason=reason, problems=_problems(found)), 409
    dot = flow_graph(parse_text(flow, source, _checks().limits).to_flow())
    try:
        svg: str | None = dot.pipe(format="svg", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        svg = None
    return jsonify(dot=dot.source, svg=svg), 200


@bp.get("/api/admin/flows/<flow>/diff")
@role_required("admin")
def diff(flow: str) -> tuple[Response, int]:
    """Unified diff ``?from=&to=`` between two versions."""
    old = query_int("from", 0, 1, MAX_VERSION)
    new = query_int("to", 0, 1, MAX_VERSION)
    if not old or not new:
        return problem(400, "give both versions: ?from=N&to=M")
    with db_session() as session:
        try:
            return jsonify(diff=diff_versions(session, flow, old, new)), 200
        except FlowNotFound as exc:
            return problem(404, str(exc))


@bp.post("/api/admin/flows/<flow>/publish")
@role_required("admin")
def publish_version(flow: str) -> tuple[Response, int]:
    """Publish ``{"version"}`` (an earlier one than the published: a rollback); 409 with the
    problems if it is invalid."""
    number = json_body().get("version")
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= MAX_VERSION:
        return problem(400, "field version must be a version number")
    with db_session() as session:
        user = session.get(User, current_user.id)
        try:
            current = find_flow(session, flow).published
            step = rollback if current is not None and number < current else publish
            step(session, flow, number, user=user, checks=_checks())
        except FlowNotFound as exc:
            return problem(404, str(exc))
        except PublishRefused as exc:
            return jsonify(error=True, reason=str(exc), problems=_problems(exc.problems)), 409
        session.commit()
    return jsonify(name=flow, published=number, before=current), 200


@bp.get("/api/admin/hotline_numbers")
@role_required("admin")
def numbers() -> Response:
    """Every hotline number with its flow and comment."""
    with db_session() as session:
        return jsonify(numbers=hotline_numbers(session))


@bp.put("/api/admin/hotline_numbers")
@role_required("admin")
def replace() -> tuple[Response, int]:
    """Replace the hotline numbers with ``{"numbers": [{"number", "flow", "comment"}]}``."""
    entries = json_body().get("numbers")
    if not isinstance(entries, list) or len(entries) > 10_000:
        return problem(400, "field numbers must be a list of {number, flow, comment}")
    with db_session() as session:
        user = session.get(User, current_user.id)
        try:
            after = replace_numbers(session, entries, user=user)
        except FlowStoreError as exc:
            return problem(400, str(exc))
        session.commit()
    return jsonify(numbers=after), 200
