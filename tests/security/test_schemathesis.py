"""Property-based API tests with schemathesis against the live gateway.

Every operation gets a bounded number of generated requests (valid and invalid ones); the
gateway must never answer 5xx, and every response must conform to the documented status
codes, content types, headers and schemas.

The schema is the gateway's own OpenAPI document, built from the app at import time (the
lazy `schemathesis.pytest.from_fixture` loader does not work with pytest 9); a separate test
checks the live /openapi.json is that same document. Requests go to the live suite.
"""

from __future__ import annotations

import httpx
import hypothesis
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from gateway.app import create_app
from gateway.settings import GatewaySettings
from suite.processes import Suite

MAX_EXAMPLES = 100
OPENAPI = create_app(GatewaySettings()).openapi()
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        # A too-long message is refused with 413 (Content Too Large), which is as much a rejection
        # as the 4xx codes schemathesis expects by default.
        "checks": {
            "negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]}
        },
    }
)
schema = schemathesis.openapi.from_dict(OPENAPI, config=CONFIG)


def test_live_schema_is_the_tested_schema(suite: Suite) -> None:
    assert httpx.get(f"{suite.base_url}/openapi.json").json() == OPENAPI


@schema.parametrize()
@hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_api_conforms_and_never_5xx(case, suite: Suite) -> None:
    # An upload's type is decided from its bytes (magic numbers), which no schema can express:
    # schema-valid random bytes are rightly refused with 415; a page cursor is an opaque token
    # only the API makes: a schema-valid string it did not give out is rightly a 400; and an
    # import's parent ids must name earlier messages of the same body. So "valid data is
    # accepted" is not checked for those. Every other check (no 5xx, status codes, schemas,
    # headers) is.
    opaque = case.path.endswith("/files") or case.path == "/conversations/import" or bool((case.query or {}).get("cursor"))
    excluded = [positive_data_acceptance] if opaque else []
    response = case.call_and_validate(base_url=suite.base_url, timeout=15, excluded_checks=excluded)
    assert response.status_code < 500


# The /auth operations again, with accounts on (in the shared suite they answer 404
# accounts_disabled). Sign-up and sign-in refuse most schema-valid bodies (not an email, a
# weak password), rightly, so "valid data is accepted" is not checked.
ACCOUNTS_OPERATIONS = schema.include(path_regex="^/auth/")


@ACCOUNTS_OPERATIONS.parametrize()
@hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_accounts_api_conforms_and_never_5xx(case, accounts_suite: Suite) -> None:
    response = case.call_and_validate(base_url=accounts_suite.base_url, timeout=15, excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500
