"""Suite-wide pytest configuration: tests marked `postgres` run only on PostgreSQL."""

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = connection.vendor == "postgresql"
    skip = pytest.mark.skip(reason="needs PostgreSQL (make test runs it there too)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)
