"""The API against its own OpenAPI document (schemathesis): for generated requests, valid and
not, to every operation — no 5xx, every status code and media type documented, every body
conforming to its schema. Each role's operations are called with that role's token."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kruzhok.api.api import api
from kruzhok.api.tests.conftest import bearer
from kruzhok.enrollment.tests.world import application_accepted, world_make

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def connection_kept():
    """Requests go through the plain WSGI application, whose end closes the database
    connection (Django's request_finished): the test's own, inside its transaction, on
    PostgreSQL. Kept open for the test, as Django's test client keeps it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def role_headers(db) -> dict[str, dict[str, str]]:
    """A small world whose objects the generated ids sometimes hit, and a token per role."""
    world = world_make()
    application_accepted(world)
    from kruzhok.accounts.models import Role
    from kruzhok.enrollment.tests.world import user_make

    operator = user_make(Role.OPERATOR, world.municipality)
    return {
        "Родитель": bearer(world.parent),
        "Уведомления": bearer(world.parent),
        "Профиль": bearer(world.parent),
        "Поставщик": bearer(world.admin, provider_id=world.provider.pk),
        "Оператор": bearer(operator),
        "Выгрузки": bearer(operator),
    }


# The document the API serves at /api/v1/openapi.json, built in-process (no database needed),
# and the WSGI application that answers the generated requests.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case, role_headers, connection_kept):
    tags = case.operation.tags or []
    headers = next((role_headers[tag] for tag in tags if tag in role_headers), {})
    case.call_and_validate(headers=headers, checks=CHECKS)
