import datetime

import pytest
from django.core.exceptions import ValidationError

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.common.models import AuditEvent
from kruzhok.families import services
from kruzhok.families.models import Child, Guardianship
from kruzhok.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)
VALID_SNILS = "112-233-445 95"


def add(parent, **overrides):
    data = {
        "parent": parent,
        "last_name": "Иванов",
        "first_name": "Пётр",
        "patronymic": "Сергеевич",
        "birth_date": datetime.date(2016, 5, 17),
        "snils": VALID_SNILS,
        "today": TODAY,
    }
    data.update(overrides)
    return services.child_add(**data)


def messages_of(exc, field):
    return " ".join(exc.value.message_dict[field])


def test_a_parent_adds_a_child_and_becomes_its_primary_guardian(parent):
    child = add(parent)

    assert child.snils == "11223344595"
    assert child.full_name == "Иванов Пётр Сергеевич"
    assert child.municipality == parent.municipality
    guardianship = Guardianship.objects.get(child=child)
    assert guardianship.user == parent
    assert guardianship.is_primary


def test_adding_a_child_is_recorded_in_the_audit_journal(parent):
    child = add(parent)

    event = AuditEvent.objects.get(action="child_add")
    assert event.actor == parent
    assert event.object_id == str(child.pk)


@pytest.mark.parametrize("typed", ["11223344595", "112 233 445 95", "112-233-445-95"])
def test_snils_is_stored_as_eleven_digits_however_it_was_typed(parent, typed):
    assert add(parent, snils=typed).snils == "11223344595"


def test_a_snils_with_a_wrong_check_number_is_refused(parent):
    with pytest.raises(ValidationError) as exc:
        add(parent, snils="112-233-445 96")

    assert "Контрольное число СНИЛС не сходится" in messages_of(exc, "snils")
    assert not Child.objects.exists()


def test_a_snils_with_one_digit_changed_is_refused(parent):
    with pytest.raises(ValidationError) as exc:
        add(parent, snils="112-233-455 95")

    assert "Контрольное число СНИЛС не сходится" in messages_of(exc, "snils")


@pytest.mark.parametrize("typed", ["", "1122334459", "112233445955", "112-233-44A 95"])
def test_a_snils_that_is_not_eleven_digits_is_refused(parent, typed):
    with pytest.raises(ValidationError) as exc:
        add(parent, snils=typed)

    assert "СНИЛС состоит из 11 цифр" in messages_of(exc, "snils")


def test_a_birth_date_in_the_future_is_refused(parent):
    with pytest.raises(ValidationError) as exc:
        add(parent, birth_date=TODAY + datetime.timedelta(days=1))

    assert "не может быть позже сегодняшнего дня" in messages_of(exc, "birth_date")


def test_a_child_born_today_may_be_added(parent):
    assert add(parent, birth_date=TODAY).age_on(TODAY) == 0


def test_a_child_who_turns_eighteen_tomorrow_may_still_be_added(parent):
    child = add(parent, birth_date=datetime.date(2008, 11, 29))

    assert child.age_on(TODAY) == 17


def test_a_child_who_turned_eighteen_today_is_refused(parent):
    with pytest.raises(ValidationError) as exc:
        add(parent, birth_date=datetime.date(2008, 11, 28))

    assert "исполнилось 18 лет" in messages_of(exc, "birth_date")


@pytest.mark.parametrize("field", ["last_name", "first_name"])
def test_a_child_needs_a_last_and_a_first_name(parent, field):
    with pytest.raises(ValidationError) as exc:
        add(parent, **{field: "  "})

    assert messages_of(exc, field)


def test_a_parent_without_a_municipality_is_told_whom_to_ask(parent):
    parent.municipality = None
    parent.save()

    with pytest.raises(ValidationError) as exc:
        add(parent)

    assert "не указан муниципалитет" in exc.value.messages[0]


def test_only_a_parent_may_add_a_child():
    staff = UserFactory.create(role=Role.PROVIDER)

    with pytest.raises(ValidationError):
        add(staff)


def test_a_snils_registered_by_another_family_is_refused_without_revealing_the_child(
    parent, other_parent
):
    ChildFactory.create(
        guardian=other_parent,
        snils="11223344595",
        last_name="Петрова",
        first_name="Варвара",
        patronymic="Алексеевна",
        birth_date=datetime.date(2015, 3, 14),
    )

    with pytest.raises(ValidationError) as exc:
        add(parent)

    message = messages_of(exc, "snils")
    assert "зарегистрирован" not in message  # nor that the child exists at all
    assert "Проверьте номер" in message and "по приглашению" in message
    for secret in (
        "Петров",
        "Варвара",
        "Алексеевна",
        "14.03.2015",
        "2015",
        other_parent.email,
        "Алексей",
    ):
        assert secret not in message
    assert Child.objects.count() == 1
    assert not Guardianship.objects.filter(user=parent).exists()


def test_a_parent_adding_their_own_child_twice_is_told_it_is_already_there(parent):
    add(parent)

    with pytest.raises(ValidationError) as exc:
        add(parent)

    assert "уже есть в вашем личном кабинете" in messages_of(exc, "snils")
    assert Child.objects.count() == 1


def test_a_duplicate_that_slips_past_the_check_is_stopped_by_the_unique_constraint(
    parent, other_parent, monkeypatch
):
    add(other_parent)
    monkeypatch.setattr(services, "snils_is_registered", lambda *, snils: False)

    with pytest.raises(ValidationError) as exc:
        add(parent)

    assert messages_of(exc, "snils") == services.SNILS_REGISTERED_MESSAGE
    assert Child.objects.count() == 1
    assert not Guardianship.objects.filter(user=parent).exists()


@pytest.mark.parametrize("name", ["😀", "Петя😀", "Иван2", "<b>", "Анна!"])
def test_a_name_that_is_not_letters_is_refused(parent, name):
    with pytest.raises(ValidationError) as exc:
        add(parent, first_name=name)

    assert "буквами" in messages_of(exc, "first_name")
    assert not Child.objects.exists()


@pytest.mark.parametrize("name", ["Анна-Мария", "Д'Артаньян", "Ли", "Оглы Али"])
def test_names_of_letters_hyphens_apostrophes_and_spaces_are_kept(parent, name):
    assert add(parent, first_name=name).first_name == name
