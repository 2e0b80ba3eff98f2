"""API fuzzing from our own OpenAPI schema (schemathesis): no generated request gets a server error,
and every answer matches what the schema documents (status codes, content types, bodies).

Runs in-process through the WSGI application against real PostgreSQL and the real node, as a US
channel client with approved content of each kind to find.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as st_checks

from cms.wsgi import application
from tests import factories
from tests.search.conftest import sync

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def api_schema(search_index, us_client, reference_obj, product, market, search_api_unthrottled):
    factories.claim(product=product, market=market, reference_obj=reference_obj, statement="Fewer events.")
    factories.text_block(product=product, market=market, title="Dosing in renal impairment")
    sync(search_index)
    # As Django's test client does: the WSGI handler would close the test's connection (and its
    # transaction) after every request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application)
    _client, token = us_client
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_generated_request_crashes_the_api_or_breaks_its_schema(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 7  # search, suggest, content list/detail/canonical/render, changes (+ events)
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call()
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                case.query,
                response.text[:500],
            )
            case.validate_response(
                response,
                checks=[
                    st_checks.not_a_server_error,
                    st_checks.status_code_conformance,
                    st_checks.content_type_conformance,
                    st_checks.response_schema_conformance,
                ],
            )

        check()
