"""/api/openapi.json (the API's OpenAPI document) and /api/docs (the same, as a page).

Both need a signed-in user of any role, like every console route: the document lists what
the console's users may call, and nobody else has a use for it (tests/integration/
test_console_auth.py sweeps every route for that).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template

from console.auth import role_required
from console.openapi import openapi_document

bp = Blueprint("openapi", __name__, url_prefix="/api")


def _document() -> dict[str, Any]:
    cached = current_app.extensions.get("callcenter.openapi")
    if cached is None:  # the routes do not change while the app runs
        cached = current_app.extensions["callcenter.openapi"] = openapi_document(current_app)
    return cached


@bp.get("/openapi.json")
@role_required("agent", "supervisor")
def document() -> Response:
    """The OpenAPI 3.1 document of every JSON route under /api."""
    return jsonify(_document())


def _fields(schema: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """The body's fields: name, type, required, description (one level, for the page)."""
    model = schemas.get(schema.get("$ref", "").rsplit("/", 1)[-1], {})
    required = set(model.get("required", []))
    out = []
    for name, field in model.get("properties", {}).items():
        kinds = [o.get("type", "object") for o in field.get("anyOf", [])] or [
            field.get("type", "object")
        ]
        out.append({
            "name": name, "type": " | ".join(str(k) for k in kinds),
            "required": name in required, "description": field.get("description", ""),
        })  # fmt: skip
    return out


@bp.get("/docs")
@role_required("agent", "supervisor")
def page() -> str:
    """The API reference page, rendered from the OpenAPI document."""
    doc = _document()
    schemas = doc["components"]["schemas"]
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            groups.setdefault(operation["tags"][0], []).append(
                {"path": path, "method": method.upper(), "op": operation,
                 "body": _fields(body["schema"], schemas) if body else None}
            )  # fmt: skip
    return render_template("api_docs.html", groups=sorted(groups.items()), doc=doc)
