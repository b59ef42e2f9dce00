"""Property-based checks of the running server against its own OpenAPI description
(schemathesis): no request it describes gets a server error or a response that breaks the
description. The budget is bounded so that it runs in CI."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.served import EXE, base_env, serving

AUTH: dict[str, str] = {}


@schemathesis.serializer("application/zip")
def _zip_body(_ctx: Any, value: Any) -> bytes:
    """Uploads are raw zip bytes; generated ones are mostly not valid zips, as it should be."""
    return value if isinstance(value, bytes) else str(value).encode()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo family on a served store, and its OpenAPI description."""
    store = tmp_path_factory.mktemp("schemathesis")
    env = base_env(store)
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run([str(EXE), *args], env=env, check=True, capture_output=True, timeout=300)
    made = subprocess.run(
        [str(EXE), "token", "create", "ops", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    AUTH["Authorization"] = "Bearer " + json.loads(made.stdout)["token"]
    with serving(store, env) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


schema = schemathesis.pytest.from_fixture("served")


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_responses_match_the_description(case: Any) -> None:
    case.call_and_validate(
        headers=AUTH,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
