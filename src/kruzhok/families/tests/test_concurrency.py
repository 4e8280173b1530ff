import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import MunicipalityFactory, UserFactory
from kruzhok.families import corrections, services
from kruzhok.families.models import Child, ChildCorrection, CorrectionStatus, Guardianship
from kruzhok.families.tests.factories import ChildFactory, snils_with_checksum


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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_approving_the_same_snils_for_two_children_change_one(monkeypatch):
    """Two children's requests ask for the same СНИЛС (neither was registered when asked);
    both approvals pass the friendly check together, and the unique constraint decides."""
    municipality = MunicipalityFactory.create()
    wanted = snils_with_checksum("223344556")
    requests = []
    for n in range(2):
        parent = UserFactory.create(municipality=municipality)
        child = ChildFactory.create(guardian=parent, municipality=municipality)
        requests.append(
            corrections.child_correction_request(
                parent=parent, child=child, field="snils", new_value=wanted, reason=f"№ {n}"
            )
        )
    operators = [
        UserFactory.create(role=Role.OPERATOR, municipality=municipality) for _ in range(2)
    ]
    # Both pass the friendly check together, so the database constraint has to decide.
    barrier = threading.Barrier(2)
    check = corrections.snils_is_taken_by_another

    def check_then_wait(*, snils, child_id):
        taken = check(snils=snils, child_id=child_id)
        barrier.wait(timeout=10)
        return taken

    monkeypatch.setattr(corrections, "snils_is_taken_by_another", check_then_wait)
    outcomes: list[object] = []

    def approve(operator, correction):
        try:
            outcomes.append(
                corrections.child_correction_approve(actor=operator, correction=correction)
            )
        except ValidationError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=pair)
        for pair in zip(operators, requests, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(outcomes) == 2 and len(refused) == 1
    assert refused[0].messages == [corrections.SNILS_TAKEN_MESSAGE]
    assert Child.objects.filter(snils=wanted).count() == 1
    statuses = sorted(ChildCorrection.objects.values_list("status", flat=True))
    assert statuses == sorted([CorrectionStatus.APPROVED, CorrectionStatus.PENDING])
