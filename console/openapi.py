"""The OpenAPI 3.1 document of every JSON route under /api, built from the running app.

Paths, methods and path parameters come from ``app.url_map``; summaries and descriptions
from the views' docstrings; roles from ``role_required``; bodies, query parameters and
answers from :mod:`console.openapi_operations` and the pydantic models it names.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from console.api_schemas import Problem
from console.openapi_operations import OPERATIONS, Operation
from console.request_input import MAX_ID

VERSION = "1.0"
SCHEMAS = "#/components/schemas/{model}"
PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
REFUSALS = {
    400: "Bad input (the reason names the field), or the CSRF token is missing or wrong",
    401: "Not signed in",
    403: "Signed in, but this role or user may not do it",
    404: "No such object (or a path value out of range)",
    409: "Not allowed in the object's current state",
    413: "The body is larger than the console's limit",
    503: "The live state (Redis) cannot be reached",
}
ANSWERS = {200: "OK", 201: "Created", 202: "Accepted: the engine carries it out"}
SECURITY_NOTE = (
    "Sign in at /login (the console's form); the session cookie carries the sign-in. "
    "POST, PUT, PATCH and DELETE also need the CSRF token in the X-CSRFToken header "
    '(any console page has it in <meta name="csrf-token">).'
)


def api_rules(app: Flask) -> list[Rule]:
    """The app's routes under /api except the document and its page."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    return sorted((r for r in rules if not r.endpoint.startswith("openapi.")), key=str)


def _methods(rule: Rule) -> list[str]:
    return sorted(m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"})


def _path_schema(rule: Rule, name: str, operation: Operation) -> dict[str, Any]:
    converter = rule._converters[name]  # noqa: SLF001 - werkzeug keeps no public accessor
    if isinstance(converter, IntegerConverter):
        return {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    if isinstance(converter, AnyConverter):
        return {"type": "string", "enum": sorted(converter.items)}
    if name in operation.enums:
        return {"type": "string", "enum": list(operation.enums[name])}
    return {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}


def _docstring(view: Any) -> tuple[str, str]:
    text = inspect.getdoc(view) or ""
    first, _, rest = text.partition("\n\n")
    return " ".join(first.split()), rest.strip()


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": SCHEMAS.format(model=model.__name__)}


def _responses(rule: Rule, operation: Operation) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status, model in operation.answers.items():
        answer: dict[str, Any] = {"description": ANSWERS.get(status, "OK")}
        if model is not None:
            answer["content"] = _json(_ref(model))
        elif operation.media_type != "application/json":
            answer["content"] = {operation.media_type: {"schema": {"type": "string"}}}
        answers[str(status)] = answer
    refusals = {400, 401, 403, *operation.refusals}
    if rule.arguments:
        refusals.add(404)
    if operation.body is not None:
        refusals.add(413)
    for status in sorted(refusals):
        answers[str(status)] = {"description": REFUSALS[status], "content": _json(_ref(Problem))}
    return answers


def _operation(app: Flask, rule: Rule, method: str, operation: Operation) -> dict[str, Any]:
    view = app.view_functions[rule.endpoint]
    summary, description = _docstring(view)
    roles = getattr(view, "roles", ())
    parameters = [
        {"name": name, "in": "path", "required": True,
         "schema": _path_schema(rule, name, operation)}
        for name in PARAMETER.findall(rule.rule)
    ] + [
        {"name": q.name, "in": "query", "required": False, "schema": dict(q.schema),
         **({"description": q.description} if q.description else {})}
        for q in operation.query
    ]  # fmt: skip
    document: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_"),
        "tags": [rule.endpoint.split(".")[0]],
        "summary": summary,
        "description": description,
        "x-roles": list(roles),
        "parameters": parameters,
        "responses": _responses(rule, operation),
        "security": [{"session": [], "csrf": []}] if method != "get" else [{"session": []}],
    }
    if operation.body is not None:
        document["requestBody"] = {
            "required": operation.body_required,
            "content": _json(_ref(operation.body)),
        }
    return document


def _schemas() -> dict[str, Any]:
    models = {Problem}
    for operation in OPERATIONS.values():
        models.update(m for m in operation.answers.values() if m is not None)
        if operation.body is not None:
            models.add(operation.body)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, found = models_json_schema([(m, "validation") for m in ordered], ref_template=SCHEMAS)
    return dict(sorted(found.get("$defs", {}).items()))


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s /api routes (KeyError: a route without entry)."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in api_rules(app):
        operation = OPERATIONS[rule.endpoint]
        path = PARAMETER.sub(r"{\1}", rule.rule)
        for method in _methods(rule):
            paths.setdefault(path, {})[method] = _operation(app, rule, method, operation)
    cookie = app.config.get("SESSION_COOKIE_NAME", "session")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "callcenter console API",
            "version": VERSION,
            "description": "JSON API of the call-center console. " + SECURITY_NOTE,
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": cookie},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }
