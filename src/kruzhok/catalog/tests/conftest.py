import pytest

from kruzhok.common.models import Municipality
from kruzhok.providers.tests.factories import municipality_default


@pytest.fixture
def municipality(db) -> Municipality:
    return municipality_default()
