import datetime

import pytest

from kruzhok.catalog import selectors
from kruzhok.common.models import Municipality
from kruzhok.providers.tests.factories import municipality_default


@pytest.fixture
def municipality(db) -> Municipality:
    return municipality_default()


@pytest.fixture
def figures_expire(time_machine):  # type: ignore[no-untyped-def]
    """A call that moves the clock past the catalogue's kept seat figures
    (selectors.FIGURES_TTL_S): the next catalogue page reads them anew."""
    time_machine.move_to(datetime.datetime.now(tz=datetime.UTC))

    def expire() -> None:
        time_machine.shift(selectors.FIGURES_TTL_S + 1)

    return expire
