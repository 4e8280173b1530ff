"""A guardian asks to correct a child's СНИЛС or birth date; the operator of the child's
municipality approves (the child changes, recorded) or rejects (with an answer)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import MunicipalityFactory, UserFactory
from kruzhok.common.models import AuditEvent
from kruzhok.families.corrections import (
    child_correction_approve,
    child_correction_reject,
    child_correction_request,
)
from kruzhok.families.models import Child, ChildCorrection, CorrectionStatus, Guardianship
from kruzhok.families.tests.factories import ChildFactory, snils_with_checksum
from kruzhok.notifications.models import Notification

pytestmark = pytest.mark.django_db

RIGHT_SNILS = snils_with_checksum("112233446")
TODAY = datetime.date(2026, 11, 5)


@pytest.fixture
def child(parent):
    return ChildFactory.create(
        guardian=parent,
        municipality=parent.municipality,
        snils=snils_with_checksum("112233445"),
        birth_date=datetime.date(2016, 5, 20),
    )


@pytest.fixture
def operator(municipality):
    return UserFactory.create(role=Role.OPERATOR, municipality=municipality)


def ask_snils(parent, child, snils=RIGHT_SNILS):
    return child_correction_request(
        parent=parent, child=child, field="snils", new_value=snils, reason="Ошибка в цифре"
    )


def test_an_approved_snils_changes_the_child_and_is_recorded(parent, child, operator):
    old = child.snils
    correction = ask_snils(parent, child, snils="112-233-446 " + RIGHT_SNILS[-2:])
    assert Child.objects.get(pk=child.pk).snils == old, "nothing changes before the decision"

    child_correction_approve(actor=operator, correction=correction)

    assert Child.objects.get(pk=child.pk).snils == RIGHT_SNILS
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.APPROVED
    assert (correction.old_value, correction.new_value) == (old, RIGHT_SNILS)
    assert correction.decided_by == operator and correction.decided_at is not None
    event = AuditEvent.objects.get(action="child_correction_approve")
    assert (event.object_type, event.object_id) == ("families.child", str(child.pk))
    assert event.details == {"correction": correction.pk, "field": "snils"}
    assert old not in str(event.details) and RIGHT_SNILS not in str(event.details)
    assert event.actor == operator
    assert Notification.objects.filter(user=parent, subject__startswith="Данные ребёнка").exists()


def test_an_approved_birth_date_changes_the_child(parent, child, operator):
    correction = child_correction_request(
        parent=parent,
        child=child,
        field="birth_date",
        new_value=datetime.date(2016, 5, 21),
        reason="Опечатка в дне",
        today=TODAY,
    )
    child_correction_approve(actor=operator, correction=correction)
    assert Child.objects.get(pk=child.pk).birth_date == datetime.date(2016, 5, 21)
    assert correction.old_display == "20.05.2016" and correction.new_display == "21.05.2016"


@pytest.mark.parametrize(
    ("snils", "message"),
    [
        ("11223344600", "контрольн"),  # a wrong checksum
        ("1122", "11 цифр"),
    ],
)
def test_a_bad_snils_is_refused_in_russian_and_nothing_is_saved(parent, child, snils, message):
    with pytest.raises(ValidationError) as refused:
        ask_snils(parent, child, snils=snils)
    assert message in " ".join(refused.value.message_dict["new_value"]).lower()
    assert not ChildCorrection.objects.exists()


def test_a_snils_of_another_child_is_refused(parent, child, other_parent):
    ChildFactory.create(guardian=other_parent, snils=RIGHT_SNILS)
    with pytest.raises(ValidationError, match="уже указан у другого ребёнка"):
        ask_snils(parent, child)
    assert not ChildCorrection.objects.exists()


def test_the_current_value_is_not_a_correction(parent, child):
    with pytest.raises(ValidationError, match="нынешний СНИЛС"):
        ask_snils(parent, child, snils=child.snils)


def test_a_future_birth_date_is_refused(parent, child):
    with pytest.raises(ValidationError, match="позже сегодняшнего"):
        child_correction_request(
            parent=parent,
            child=child,
            field="birth_date",
            new_value=TODAY + datetime.timedelta(days=1),
            reason="Опечатка",
            today=TODAY,
        )


def test_one_request_per_field_waits_at_a_time(parent, child):
    ask_snils(parent, child)
    with pytest.raises(ValidationError, match="уже отправлен"):
        ask_snils(parent, child, snils=snils_with_checksum("112233447"))


def test_a_reason_is_required(parent, child):
    with pytest.raises(ValidationError, match="почему нужно исправить"):
        child_correction_request(
            parent=parent, child=child, field="snils", new_value=RIGHT_SNILS, reason="  "
        )


def test_only_a_guardian_asks(child, other_parent):
    with pytest.raises(PermissionDenied):
        ask_snils(other_parent, child)


def test_another_municipalitys_operator_cannot_decide(parent, child):
    elsewhere = UserFactory.create(
        role=Role.OPERATOR, municipality=MunicipalityFactory.create(name="Левокумский округ")
    )
    correction = ask_snils(parent, child)
    with pytest.raises(PermissionDenied):
        child_correction_approve(actor=elsewhere, correction=correction)
    with pytest.raises(PermissionDenied):
        child_correction_reject(actor=elsewhere, correction=correction, note="Нет")
    assert ChildCorrection.objects.get().status == CorrectionStatus.PENDING


def test_a_regional_administrator_decides_anywhere(parent, child):
    regional = UserFactory.create(role=Role.REGIONAL_ADMIN, municipality=None)
    child_correction_approve(actor=regional, correction=ask_snils(parent, child))
    assert Child.objects.get(pk=child.pk).snils == RIGHT_SNILS


def test_a_rejection_needs_an_answer_and_leaves_the_child(parent, child, operator):
    correction = ask_snils(parent, child)
    with pytest.raises(ValidationError, match="почему отказано"):
        child_correction_reject(actor=operator, correction=correction, note="")

    child_correction_reject(actor=operator, correction=correction, note="Принесите документ")

    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.REJECTED
    assert Child.objects.get(pk=child.pk).snils == child.snils
    note = Notification.objects.get(user=parent, subject__startswith="Запрос на исправление")
    assert "Принесите документ" in note.body


def test_a_decision_is_made_once(parent, child, operator):
    correction = ask_snils(parent, child)
    child_correction_approve(actor=operator, correction=correction)
    with pytest.raises(ValidationError, match="уже принято решение"):
        child_correction_approve(actor=operator, correction=correction)
    with pytest.raises(ValidationError, match="уже принято решение"):
        child_correction_reject(actor=operator, correction=correction, note="Нет")


def test_a_snils_taken_since_the_request_is_not_approved(parent, child, operator, other_parent):
    correction = ask_snils(parent, child)
    ChildFactory.create(guardian=other_parent, snils=RIGHT_SNILS)
    with pytest.raises(ValidationError, match="уже указан у другого ребёнка"):
        child_correction_approve(actor=operator, correction=correction)
    assert Child.objects.get(pk=child.pk).snils != RIGHT_SNILS


def test_a_stale_request_is_not_approved(parent, child, operator):
    correction = ask_snils(parent, child)
    Child.objects.filter(pk=child.pk).update(snils=snils_with_checksum("112233448"))
    with pytest.raises(ValidationError, match="изменились"):
        child_correction_approve(actor=operator, correction=correction)


def test_the_database_keeps_one_waiting_request_per_field(parent, child):
    ask_snils(parent, child)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChildCorrection.objects.create(
            child=child,
            field="snils",
            old_value=child.snils,
            new_value=snils_with_checksum("112233447"),
            reason="x",
            requested_by=parent,
        )


# Pages ----------------------------------------------------------------------------------------


def test_a_parent_asks_from_the_childs_page(client, parent, child):
    client.force_login(parent)
    page = client.get(reverse("cabinet:child_detail", args=[child.pk])).content.decode()
    url = reverse("families:child_correction", args=[child.pk])
    assert url in page

    response = client.post(
        url, {"field": "snils", "snils": RIGHT_SNILS, "reason": "Ошибка в цифре"}
    )

    assert response.status_code == 302
    assert ChildCorrection.objects.get().new_value == RIGHT_SNILS
    assert "На рассмотрении" in client.get(url).content.decode()


def test_the_form_says_which_value_is_missing(client, parent, child):
    client.force_login(parent)
    response = client.post(
        reverse("families:child_correction", args=[child.pk]),
        {"field": "birth_date", "snils": "", "reason": "Опечатка"},
    )
    assert response.status_code == 400
    assert "Укажите правильную дату рождения." in response.content.decode()
    assert not ChildCorrection.objects.exists()


def test_another_family_cannot_ask_for_the_child(client, child, other_parent):
    client.force_login(other_parent)
    url = reverse("families:child_correction", args=[child.pk])
    assert client.get(url).status_code == 404


def test_the_operator_approves_from_the_list(client, parent, child, operator):
    correction = ask_snils(parent, child)
    client.force_login(operator)

    assert child.initials_name in client.get(reverse("oversight:corrections")).content.decode()
    detail = client.get(reverse("oversight:correction_detail", args=[correction.pk]))
    assert RIGHT_SNILS[:3] in detail.content.decode()
    response = client.post(reverse("oversight:correction_approve", args=[correction.pk]))

    assert response.status_code == 302
    assert Child.objects.get(pk=child.pk).snils == RIGHT_SNILS


def test_an_approval_that_is_refused_says_why(client, parent, child, operator, other_parent):
    correction = ask_snils(parent, child)
    ChildFactory.create(guardian=other_parent, snils=RIGHT_SNILS)
    client.force_login(operator)
    response = client.post(reverse("oversight:correction_approve", args=[correction.pk]))
    assert response.status_code == 400
    assert "уже указан у другого ребёнка" in response.content.decode()


def test_a_second_guardian_is_told_of_the_decision_too(parent, child, operator, other_parent):
    Guardianship.objects.create(child=child, user=other_parent)
    child_correction_approve(actor=operator, correction=ask_snils(parent, child))
    assert Notification.objects.filter(user=other_parent).exists()


def test_the_operators_home_counts_the_waiting_requests(client, parent, child, operator):
    ask_snils(parent, child)
    client.force_login(operator)
    assert client.get(reverse("oversight:home")).context["today"].corrections_waiting == 1
