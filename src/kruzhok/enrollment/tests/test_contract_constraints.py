"""The database's backstop behind a contract's dates, whatever code writes them."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from kruzhok.enrollment.models import Contract
from kruzhok.enrollment.tests.world import contract_made

pytestmark = pytest.mark.django_db


def test_a_contract_cannot_end_before_it_starts(world):
    contract = contract_made(world)

    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(
            end_date=contract.start_date - datetime.timedelta(days=1)
        )
    contract.refresh_from_db()
    assert contract.end_date >= contract.start_date
