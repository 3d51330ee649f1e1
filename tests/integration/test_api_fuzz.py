"""#17 item 4: schemathesis fuzzes every operation of the OpenAPI document against the
running console (werkzeug on a real socket, real SQLite and Redis), signed in as an admin with
the CSRF header: no 5xx, every status documented, every answer of the documented shape.

Each operation gets generated valid input (positive) and input that breaks its schema
(negative), half of it with path values that exist (agent 1001, the ticket, the flow, ...)
so the handlers get past their 404s. Bounded by a fixed number of examples per operation.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.openapi_center import Center, center, http_session, served  # noqa: F401

# per operation and mode; API_FUZZ_EXAMPLES=60 for a longer hunt
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The desktop's event stream never ends: a fuzzed request would hang (tests/integration/
# test_console_desktop.py covers it). Nothing else ends the admin's session: signing out and
# users are not under /api.
NOT_FUZZED = {"GET /api/desktop/{agent_id}/stream"}


def _known(center: Center) -> dict[str, Any]:
    """Path values that exist in the seeded center."""
    return {
        "agent_id": "1001", "call_uuid": "c1", "number": center.ticket, "flow": "main",
        "customer_id": center.customer_id, "obj_id": 1, "session_id": 1, "version": 1,
    }  # fmt: skip


def _strategy(operation: APIOperation, known: dict[str, Any]) -> st.SearchStrategy[Case]:
    names = {p.name for p in operation.path_parameters}
    fixed = {name: value for name, value in known.items() if name in names}
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    return st.one_of(
        *(operation.as_strategy(mode) for mode in modes),
        *(operation.as_strategy(mode, path_parameters=fixed) for mode in modes if fixed),
    )


def _fuzz(operation: APIOperation, session: requests.Session, csrf: dict[str, str], known):
    @settings(
        max_examples=EXAMPLES * 2,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, known))
    def run(case: Case) -> None:
        case.call_and_validate(session=session, headers=csrf, checks=CHECKS, timeout=30)

    run()


@pytest.mark.timeout(600)
def test_schemathesis_finds_no_server_error_or_undocumented_answer(
    center: Center,  # noqa: F811
    served: str,  # noqa: F811
) -> None:
    session, csrf = http_session(served, "boss")
    document = session.get(f"{served}/api/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=served)
    operations = [
        result.ok() for result in schema.get_all_operations()
        if result.ok().label not in NOT_FUZZED
    ]  # fmt: skip
    assert len(operations) == sum(map(len, document["paths"].values())) - len(NOT_FUZZED)
    known = _known(center)
    for operation in operations:
        _fuzz(operation, session, csrf, known)
    assert session.get(f"{served}/api/openapi.json").status_code == 200  # still signed in
