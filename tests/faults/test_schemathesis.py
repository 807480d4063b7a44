"""The Famille API against generated input: schemathesis on the embedded portal's
`/openapi.json`, every operation, authenticated as martin.

No answer may be a 5xx, and every answer must conform to the schema the portal publishes
(documented status code, content type, body). `make test` runs a bounded number of examples
per operation (20); `make bench` runs the same test at length
(FAMILLE_TUI_SCHEMATHESIS_EXAMPLES=200).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from famille_tui.portal.launcher import PortalProcess
from tests.support import CHAMBON, start_test_portal

EXAMPLES = int(os.environ.get("FAMILLE_TUI_SCHEMATHESIS_EXAMPLES", "20"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def api_portal(tmp_path_factory: pytest.TempPathFactory,
               demo_database: Path) -> Iterator[PortalProcess]:
    process = start_test_portal(tmp_path_factory.mktemp("schemathesis"), demo_database)
    try:
        yield process
    finally:
        process.stop()


class Martin:
    """martin's bearer token, renewed when a generated call ends the session."""

    def __init__(self, portal: PortalProcess) -> None:
        self.portal = portal
        self.token = ""
        self.renew()

    def renew(self) -> None:
        answer = httpx.post(self.portal.base_url(CHAMBON) + "api/v1/session",
                            json={"login": "martin", "password": "demo-martin"}, trust_env=False)
        answer.raise_for_status()
        self.token = answer.json()["token"]


def operations(portal: PortalProcess) -> list[APIOperation[Any, Any, Any, Any]]:
    schema = schemathesis.openapi.from_url(portal.origin + "/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


def test_openapi_lists_the_famille_api(api_portal: PortalProcess) -> None:
    """The schema is the Famille API of DESIGN.md: the operations are all there."""
    paths = {f"{op.method.upper()} {op.path}" for op in operations(api_portal)}
    for wanted in ("POST /{commune}/api/v1/session", "GET /{commune}/api/v1/invoices",
                   "POST /{commune}/api/v1/payments",
                   "GET /{commune}/api/v1/payments/{payment_id}"):
        assert wanted in paths


def test_every_operation_against_generated_input(api_portal: PortalProcess) -> None:
    martin = Martin(api_portal)
    failures: list[str] = []
    for operation in operations(api_portal):

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
            # Mostly the real commune, so that the calls reach the API behind it.
            commune = (case.path_parameters or {}).get("commune")
            if commune is not None and not str(commune).startswith("x"):
                case.path_parameters["commune"] = CHAMBON
            if "wait" in (case.query or {}) and isinstance(case.query["wait"], int):
                case.query["wait"] = min(case.query["wait"], 1)  # long polls: keep it short
            case.call_and_validate(headers={"Authorization": f"Bearer {martin.token}"},
                                   checks=CHECKS, timeout=30)
            if case.method.upper() == "DELETE" and case.path.endswith("/session"):
                martin.renew()

        try:
            check()
        except Exception as error:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:2000])
    assert not failures, "\n\n".join(failures)
