import pytest

from kruzhok.catalog.tests.factories import municipality_default
from kruzhok.common.models import Municipality


@pytest.fixture
def municipality(db) -> Municipality:
    return municipality_default()
