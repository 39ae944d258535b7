"""Property-based run over /openapi.json (bounded): no generated input, sent as an accountant,
as an admin or without a token, yields a 5xx; every 4xx has a code and a Chinese message.

(schemathesis' own pytest plugin does not support pytest 9 yet, so the operations' Hypothesis
strategies are driven directly.)"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.server.conftest import draft, indicator, new_id

pytestmark = pytest.mark.slow

USERS = ("acc_a1", "admin", None)
EXAMPLES = 10


@pytest.fixture(scope="module")
def operations(world):
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("ST-1", "A1", 1_000_00)]}).status_code == 200
    assert world.api("acc_a1").put(f"/api/v1/applications/{new_id()}",
                                   json=draft("ST-1", 1_00)).status_code == 201
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    ops = [r.ok() for r in schema.get_all_operations()]
    assert len(ops) >= 25
    return ops


def test_no_server_errors(world, operations):
    failures = []
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for user in USERS:
                headers = {"X-Jincai-Protocol": "1"}
                if user:
                    headers["Authorization"] = f"Bearer {world.api(user).token}"
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append((user, case.method, case.formatted_path, case.body,
                                     case.query, response.status_code, response.text[:300]))
                elif response.status_code >= 400:
                    body = response.json()
                    assert body.get("code") and body.get("message"), body
        run()
    assert not failures, failures[:5]
