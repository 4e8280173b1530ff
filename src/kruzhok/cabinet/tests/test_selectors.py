import datetime

import pytest

from kruzhok.cabinet.selectors import child_summaries_for_guardian
from kruzhok.certificates.services import certificate_issue
from kruzhok.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_summaries_give_age_and_certificate_money(parent):
    with_certificate = ChildFactory.create(guardian=parent, birth_date=datetime.date(2016, 5, 17))
    certificate_issue(child=with_certificate)
    ChildFactory.create(guardian=parent, last_name="Яковлев")

    first, second = child_summaries_for_guardian(user=parent, today=datetime.date(2026, 11, 28))

    assert first.age == 10
    assert first.certificate is not None
    assert first.money is not None
    assert first.money.available == 0
    assert second.certificate is None
    assert second.money is None
