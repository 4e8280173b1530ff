import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kruzhok.accounts.tests.factories import MunicipalityFactory, UserFactory
from kruzhok.families import services
from kruzhok.families.models import Child, Guardianship


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_parents_adding_the_same_snils_at_once_end_with_one_child(monkeypatch):
    municipality = MunicipalityFactory.create()
    parents = [UserFactory.create(municipality=municipality) for _ in range(2)]
    # Both pass the friendly check together, so the database constraint has to decide.
    barrier = threading.Barrier(len(parents))
    check = services.snils_is_registered

    def check_then_wait(*, snils):
        taken = check(snils=snils)
        barrier.wait(timeout=10)
        return taken

    monkeypatch.setattr(services, "snils_is_registered", check_then_wait)
    outcomes: list[object] = []

    def add(parent):
        try:
            child = services.child_add(
                parent=parent,
                last_name="Иванов",
                first_name="Пётр",
                patronymic="",
                birth_date=datetime.date(2016, 5, 17),
                snils="11223344595",
            )
            outcomes.append(child)
        except ValidationError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(p,)) for p in parents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(outcomes) == 2
    assert len(refused) == 1
    assert refused[0].message_dict["snils"] == [services.SNILS_REGISTERED_MESSAGE]
    assert Child.objects.count() == 1
    assert Guardianship.objects.count() == 1
