"""A person edits their own name and phone, and changes the e-mail address they log in with
only through a link sent to the new address."""

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role, User
from kruzhok.accounts.profile import (
    EMAIL_CHANGES_PER_HOUR,
    email_change_token,
    user_email_change_confirm,
    user_email_change_request,
    user_profile_update,
)
from kruzhok.accounts.tests.factories import PASSWORD, UserFactory
from kruzhok.common.models import AuditEvent

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
EMAIL = "/accounts/profile/email/"


def link_in(mail) -> str:
    return mail.body.split("http://testserver")[1].split()[0]


@pytest.mark.parametrize("role", [Role.PARENT, Role.PROVIDER, Role.OPERATOR])
def test_every_person_edits_their_name_and_phone(client, role):
    user = UserFactory.create(role=role)
    client.force_login(user)

    response = client.post(
        PROFILE,
        {
            "last_name": " Петрова ",
            "first_name": "Анна",
            "patronymic": "",
            "phone": "8 (900) 765-43-21",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.last_name, user.first_name, user.patronymic, user.phone) == (
        "Петрова",
        "Анна",
        "",
        "+79007654321",
    )
    event = AuditEvent.objects.get(action="user_profile_update")
    assert event.details == {"fields": "last_name, first_name, patronymic, phone"}


def test_bad_names_and_phone_are_refused_with_what_to_fix_and_nothing_saved(client):
    user = UserFactory.create()
    client.force_login(user)

    response = client.post(
        PROFILE, {"last_name": "Иванова😀", "first_name": "", "patronymic": "", "phone": "123"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Имя пишется буквами" in html
    assert "Укажите имя." in html
    assert "Укажите номер телефона из 11 цифр" in html
    user.refresh_from_db()
    assert (user.last_name, user.first_name) == ("Иванова", "Мария")


def test_a_parent_keeps_a_phone_and_an_operator_may_leave_it_out(client):
    parent = UserFactory.create()
    operator = UserFactory.create(role=Role.OPERATOR)
    form = {"last_name": "Петрова", "first_name": "Анна", "patronymic": "", "phone": ""}
    client.force_login(parent)
    assert client.post(PROFILE, form).status_code == 400
    client.force_login(operator)
    assert client.post(PROFILE, form).status_code == 302
    operator.refresh_from_db()
    assert operator.phone == ""
    parent.refresh_from_db()
    assert parent.phone == "+79001234567"


def test_the_service_checks_names_itself():
    user = UserFactory.create()
    with pytest.raises(Exception, match="буквами"):
        user_profile_update(
            user=user, last_name="R2-D2", first_name="Анна", patronymic="", phone="+79001234567"
        )


def test_the_profile_needs_a_log_in(client):
    response = client.get(PROFILE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_address_changes_only_when_its_link_is_opened(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory.create(email="old@example.ru")
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EMAIL, {"email": "New@Example.ru", "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "old@example.ru", "not before the new address confirms"
    assert [m.to for m in mailoutbox] == [["new@example.ru"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(link_in(mailoutbox[0]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.ru" and user.email_confirmed_at is not None
    assert mailoutbox[1].to == ["old@example.ru"], "the old address is told"
    assert AuditEvent.objects.filter(action="user_email_change", object_id=str(user.pk)).exists()


def test_a_wrong_password_changes_nothing_and_sends_nothing(client, mailoutbox):
    user = UserFactory.create()
    client.force_login(user)

    response = client.post(EMAIL, {"email": "new@example.ru", "password": "wrong"})

    assert response.status_code == 400
    assert "Неверный пароль" in response.content.decode()
    assert mailoutbox == []


def test_an_address_taken_is_not_revealed_and_never_changes_hands(
    django_capture_on_commit_callbacks, mailoutbox
):
    UserFactory.create(email="taken@example.ru")
    user = UserFactory.create(email="mine@example.ru")

    with django_capture_on_commit_callbacks(execute=True):
        assert user_email_change_request(
            user=user, new_email="taken@example.ru", password=PASSWORD
        ) == ("taken@example.ru")

    assert mailoutbox == []
    # Even a link made by hand for it cannot take the address.
    with pytest.raises(Exception, match="уже занят"):
        user_email_change_confirm(token=email_change_token(user=user, new_email="taken@example.ru"))
    assert User.objects.get(pk=user.pk).email == "mine@example.ru"


def test_a_link_stops_working_once_the_address_has_changed(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory.create(email="a@example.ru")
    first = email_change_token(user=user, new_email="b@example.ru")
    second = email_change_token(user=user, new_email="c@example.ru")
    user_email_change_confirm(token=first)

    with pytest.raises(Exception, match="недействительна"):
        user_email_change_confirm(token=second)
    assert User.objects.get(pk=user.pk).email == "b@example.ru"


def test_a_damaged_link_says_so(client):
    response = client.get(reverse("accounts:email_change_confirm", args=["broken"]))
    assert response.status_code == 400
    assert "Ссылка для смены адреса недействительна" in response.content.decode()


def test_address_change_letters_are_limited_per_hour(client):
    user = UserFactory.create()
    client.force_login(user)
    for n in range(EMAIL_CHANGES_PER_HOUR):
        assert (
            client.post(EMAIL, {"email": f"n{n}@example.ru", "password": PASSWORD}).status_code
            == 302
        )

    response = client.post(EMAIL, {"email": "last@example.ru", "password": PASSWORD})

    assert response.status_code == 400
    assert "слишком часто" in response.content.decode()
