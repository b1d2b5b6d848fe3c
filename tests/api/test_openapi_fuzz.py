"""schemathesis against the live `/openapi.json`, signed in: no endpoint answers 5xx.

Each operation gets its own Hypothesis run over schemathesis' generated cases; the
failures of all operations are collected so one run reports every broken endpoint.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.support.servers import ServerProcess


def sign_in(base_url: str) -> dict[str, str]:
    response = httpx.post(
        base_url + "/auth/register",
        json={
            "email": f"fuzz-{uuid.uuid4().hex[:8]}@example.com",
            "password": "fuzzing password",
            "name": "Fuzz",
        },
    )
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_no_endpoint_answers_a_server_error(online_server: ServerProcess) -> None:
    base = online_server.base_url
    headers = sign_in(base)
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    server_errors: list[str] = []
    operations = 0
    calls = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            nonlocal calls
            calls += 1
            response = case.call(base_url=base, headers=headers, timeout=30)
            if response.status_code >= 500:
                server_errors.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        call()

    assert operations >= 10, "the schema lists fewer operations than the product has"
    assert calls >= operations * 5, "too few generated requests to mean anything"
    assert server_errors == []
