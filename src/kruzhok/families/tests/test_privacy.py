import datetime

import pytest

from kruzhok.common.models import AuditEvent
from kruzhok.common.validators import snils_is_valid
from kruzhok.families.models import Child, DataDeletionRequest
from kruzhok.families.privacy import (
    family_anonymise,
    family_anonymise_due,
    family_deletion_request,
)
from kruzhok.families.tests.factories import ChildFactory, GuardianshipFactory
from kruzhok.notifications.models import Notification
from kruzhok.notifications.services import notify

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 29)


def test_without_financial_records_the_request_is_due_at_once(parent):
    request = family_deletion_request(parent=parent, last_financial_record=None, today=TODAY)

    assert request.anonymise_after == TODAY
    assert AuditEvent.objects.filter(action="family_deletion_request").exists()


def test_financial_records_are_kept_five_years_after_their_last_year(parent):
    request = family_deletion_request(
        parent=parent, last_financial_record=datetime.date(2027, 5, 31), today=TODAY
    )

    assert request.anonymise_after == datetime.date(2033, 1, 1)


def test_asking_twice_keeps_one_open_request(parent):
    first = family_deletion_request(parent=parent, last_financial_record=None, today=TODAY)
    second = family_deletion_request(parent=parent, last_financial_record=None, today=TODAY)

    assert first.pk == second.pk
    assert DataDeletionRequest.objects.count() == 1


def test_anonymising_removes_the_personal_data_and_keeps_the_rows(parent):
    child = ChildFactory.create(
        guardian=parent, snils="11223344595", birth_date=datetime.date(2016, 5, 17)
    )
    notify(user=parent, subject="Заявка принята", body="Пётр Иванов зачислен.")
    email = parent.email
    request = family_deletion_request(parent=parent, last_financial_record=None, today=TODAY)

    family_anonymise(request=request, today=TODAY)

    parent.refresh_from_db()
    child.refresh_from_db()
    assert email not in parent.email and parent.phone == ""
    assert parent.last_name == "Обезличен" and parent.patronymic == ""
    assert not parent.is_active and not parent.has_usable_password()
    assert child.last_name == "Обезличен" and child.first_name != "Пётр"
    assert child.snils != "11223344595" and not snils_is_valid(child.snils)
    assert child.birth_date == datetime.date(2016, 1, 1)
    assert not Notification.objects.filter(user=parent).exists()
    assert Child.objects.filter(pk=child.pk).exists()
    request.refresh_from_db()
    assert request.anonymised_at is not None


def test_anonymising_removes_corrections_invitations_and_the_calendar_address(parent):
    from kruzhok.families.calendar_feeds import calendar_feed_create
    from kruzhok.families.corrections import child_correction_request
    from kruzhok.families.invitations import guardian_invite
    from kruzhok.families.models import CalendarFeed, ChildCorrection, GuardianInvitation
    from kruzhok.families.tests.factories import snils_with_checksum

    child = ChildFactory.create(guardian=parent, snils=snils_with_checksum("112233445"))
    child_correction_request(
        parent=parent,
        child=child,
        field="snils",
        new_value=snils_with_checksum("112233446"),
        reason="Ошибка",
    )
    guardian_invite(inviter=parent, email="papa@example.ru", child_ids=[child.pk])
    calendar_feed_create(user=parent)
    request = family_deletion_request(parent=parent, last_financial_record=None, today=TODAY)

    family_anonymise(request=request, today=TODAY)

    assert not ChildCorrection.objects.exists()
    assert not GuardianInvitation.objects.exists()
    assert not CalendarFeed.objects.exists()
    assert AuditEvent.objects.filter(action="child_correction_request").exists()


def test_a_child_another_guardian_keeps_is_not_anonymised(parent, other_parent):
    child = ChildFactory.create(guardian=parent, first_name="Пётр")
    GuardianshipFactory.create(child=child, user=other_parent)
    request = family_deletion_request(parent=parent, last_financial_record=None, today=TODAY)

    family_anonymise(request=request, today=TODAY)

    child.refresh_from_db()
    assert child.first_name == "Пётр"


def test_a_request_is_not_anonymised_before_its_records_expire(parent):
    request = family_deletion_request(
        parent=parent, last_financial_record=datetime.date(2026, 10, 1), today=TODAY
    )

    with pytest.raises(ValueError, match="due on"):
        family_anonymise(request=request, today=TODAY)
    assert family_anonymise_due(today=TODAY) == 0
    assert family_anonymise_due(today=datetime.date(2032, 1, 1)) == 1
    parent.refresh_from_db()
    assert parent.last_name == "Обезличен"
