import re

import pytest
from django.core import mail
from django.urls import reverse

from kruzhok.accounts.models import Role, User
from kruzhok.catalog.models import ProgramState
from kruzhok.enrollment.tests.world import provider_make, user_make
from kruzhok.providers import invitations, joining
from kruzhok.providers.models import (
    Provider,
    ProviderStaff,
    ProviderStatus,
    StaffInvitation,
    StaffRole,
)
from kruzhok.providers.tests.data import PASSWORD, SBER_ACCOUNT, join_arguments, join_form_data

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's text without tags, with runs of whitespace (and nbsp) as one space."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def _invitation(world) -> StaffInvitation:
    return invitations.staff_invite(
        provider=world.provider, inviter=world.admin, email="new@mail.ru", role="teacher"
    )


# Access ------------------------------------------------------------------------------------

# (url name, argument kind, method, admin only)
PAGES = [
    ("provider:profile_edit", "provider", "get", True),
    ("provider:resubmit", "provider", "post", True),
    ("provider:staff", "provider", "get", True),
    ("provider:invitation_revoke", "invitation", "post", True),
]


def _url(world, name, kind):
    argument = {
        None: None,
        "provider": world.provider.pk,
        "program": world.program.pk,
        "group": world.group.pk,
        "invitation": getattr(world, "invitation_pk", None),
    }[kind]
    return reverse(name, args=[] if argument is None else [argument])


@pytest.fixture
def cabinet_world(world):
    world.invitation_pk = _invitation(world).pk
    return world


def _request(client, method, url):
    return client.get(url) if method == "get" else client.post(url)


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(
    client, cabinet_world, name, kind, method, admin_only
):
    url = _url(cabinet_world, name, kind)
    response = _request(client, method, url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES)
@pytest.mark.parametrize("role", [Role.PARENT, Role.OPERATOR])
def test_other_roles_are_refused(client, cabinet_world, name, kind, method, admin_only, role):
    client.force_login(user_make(role, cabinet_world.municipality))
    assert _request(client, method, _url(cabinet_world, name, kind)).status_code == 403


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES)
def test_another_providers_administrator_finds_nothing(
    client, cabinet_world, name, kind, method, admin_only
):
    _, other_admin, _ = provider_make(cabinet_world.municipality)
    client.force_login(other_admin)
    assert _request(client, method, _url(cabinet_world, name, kind)).status_code == 404


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES)
def test_a_teacher_sees_but_does_not_change(client, cabinet_world, name, kind, method, admin_only):
    client.force_login(cabinet_world.teacher)
    response = _request(client, method, _url(cabinet_world, name, kind))
    assert response.status_code == (403 if admin_only else 200)
    cabinet_world.program.refresh_from_db()
    assert cabinet_world.program.state == ProgramState.PUBLISHED


# Joining -----------------------------------------------------------------------------------


def test_the_join_page_asks_for_the_organisation_and_its_administrator(client, municipality):
    response = client.get(reverse("provider:join"))
    assert response.status_code == 200
    page = text(response)
    for label in ("ИНН", "ОГРН или ОГРНИП", "БИК банка", "Расчётный счёт", "Пароль ещё раз"):
        assert label in page
    assert "Отправить заявку" in page


def test_joining_says_check_the_mail_and_the_status_shows_after_logging_in(
    client, municipality, django_capture_on_commit_callbacks
):
    data = join_form_data(municipality, email="boss@kvantorik.ru")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("provider:join"), data)
    assert response.status_code == 302
    assert response.url == reverse("provider:join_done")
    assert "проверьте почту" in text(client.get(response.url))
    client.post(reverse("accounts:login"), {"username": data["email"], "password": PASSWORD})

    page = text(client.get(reverse("provider:home")))
    assert data["short_name"] in page
    assert "На модерации" in page
    assert "Организация на модерации" in page
    staff = ProviderStaff.objects.get(user__email="boss@kvantorik.ru")
    assert staff.role == StaffRole.ADMIN
    assert staff.provider.status == ProviderStatus.MODERATING
    assert any("Подтвердите" in m.subject for m in mail.outbox)


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_letter(
    client, municipality, django_capture_on_commit_callbacks
):
    owner = user_make(Role.PARENT)
    answers = []
    for email in (owner.email, "new-boss@kvantorik.ru"):
        data = join_form_data(municipality, email=email)  # each with numbers of its own
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("provider:join"), data)
        answers.append((response.status_code, response.url, sorted(response.cookies.keys())))
        client.logout()

    assert answers[0] == answers[1] == (302, reverse("provider:join_done"), [])
    assert not ProviderStaff.objects.filter(user=owner).exists()
    assert [m.to for m in mail.outbox if "Попытка" in m.subject] == [[owner.email]]


def test_the_administrator_logs_in_later_and_sees_the_status(client, municipality):
    joining.provider_join(**join_arguments(municipality, email="later@kvantorik.ru"))
    client.post(reverse("accounts:login"), {"username": "later@kvantorik.ru", "password": PASSWORD})
    assert "Организация на модерации" in text(client.get(reverse("provider:home")))


def test_a_bad_join_shows_russian_messages_and_keeps_what_was_typed(client, municipality):
    data = join_form_data(
        municipality,
        inn="7800000001",
        bik="04070261",
        settlement_account="40702810060100000000",
        license_number="",
        password2="другой-пароль",
    )
    response = client.post(reverse("provider:join"), data)

    assert response.status_code == 400
    page = text(response)
    assert "Контрольные цифры ИНН не сходятся" in page
    assert "БИК состоит из 9 цифр" in page
    assert "Укажите номер лицензии" in page
    assert "Пароли не совпадают." in page
    html = response.content.decode()
    assert f'value="{data["short_name"]}"' in html
    assert 'value="7800000001"' in html
    assert 'value="40702810060100000000"' in html
    assert not User.objects.filter(email=data["email"]).exists()
    assert not Provider.objects.filter(inn="7800000001").exists()


def test_a_signed_in_parent_is_told_to_use_a_separate_account(client, world):
    client.force_login(world.parent)
    response = client.get(reverse("provider:join"))
    assert "это кабинет другого вида" in text(response)
    assert (
        client.post(reverse("provider:join"), join_form_data(world.municipality)).status_code == 200
    )
    assert not Provider.objects.filter(status=ProviderStatus.MODERATING).exists()


def test_a_signed_in_provider_goes_to_the_cabinet(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("provider:join")).url == reverse("provider:home")


# The organisation ---------------------------------------------------------------------------


def test_the_profile_form_keeps_input_on_error_and_saves_when_right(client, world):
    client.force_login(world.admin)
    url = reverse("provider:profile_edit", args=[world.provider.pk])
    assert client.get(url).status_code == 200
    data = {
        "full_name": world.provider.full_name,
        "short_name": "ЦДО «Радуга»",
        "license_number": "Л035-01",
        "address": world.provider.address,
        "org_phone": "+7 865 582-11-22",
        "org_email": "raduga@mail.ru",
        "website": "",
        "bank_name": "",
        "bik": "040702615",
        "settlement_account": "123",
        "correspondent_account": "30101810907020000615",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    page = text(response)
    assert "Укажите банк" in page
    assert "Расчётный счёт состоит из 20 цифр, а здесь 3." in page
    assert 'value="ЦДО «Радуга»"' in response.content.decode()
    world.provider.refresh_from_db()
    assert world.provider.short_name != "ЦДО «Радуга»"

    data.update(bank_name="ПАО Сбербанк", settlement_account=SBER_ACCOUNT)
    assert client.post(url, data).status_code == 302
    world.provider.refresh_from_db()
    assert (world.provider.short_name, world.provider.phone) == ("ЦДО «Радуга»", "+78655821122")


# Staff and invitations ---------------------------------------------------------------------


def test_the_administrator_invites_a_teacher_by_email(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.admin)
    url = reverse("provider:staff", args=[world.provider.pk])
    assert world.teacher.full_name in text(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "Coach@Mail.ru", "role": "teacher"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["coach@mail.ru"]
    assert "coach@mail.ru" in text(client.get(url))


def test_a_bad_invitation_shows_the_message_next_to_the_field(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:staff", args=[world.provider.pk]),
        {"email": world.teacher.email, "role": "teacher"},
    )
    assert response.status_code == 400
    assert "Этот человек уже работает в вашей организации." in text(response)


def _token(django_capture_on_commit_callbacks, world, email="new@mail.ru"):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email=email, role="teacher"
        )
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    return link.split("/provider/invitations/")[1].rstrip("/")


def test_a_new_person_opens_the_link_sets_a_password_and_is_in(
    client, world, django_capture_on_commit_callbacks
):
    token = _token(django_capture_on_commit_callbacks, world)
    url = reverse("provider:invitation", args=[token])
    page = text(client.get(url))
    assert f"Приглашение в «{world.provider.short_name}»" in page
    assert "new@mail.ru" in page

    bad = client.post(url, {"last_name": "", "first_name": "Иван", "phone": "1", "password1": "1"})
    assert bad.status_code == 400
    assert "Укажите фамилию." in text(bad)
    assert not User.objects.filter(email="new@mail.ru").exists()

    response = client.post(
        url,
        {
            "last_name": "Петров",
            "first_name": "Иван",
            "patronymic": "",
            "phone": "+7 900 000-00-01",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.url == reverse("provider:home")
    assert "Робототехника" in text(client.get(response.url))
    client.logout()
    again = client.get(url)
    assert again.status_code == 400
    assert "Приглашение уже принято." in text(again)


def test_a_registered_person_logs_in_and_accepts(client, world, django_capture_on_commit_callbacks):
    person = user_make(Role.PROVIDER)
    token = _token(django_capture_on_commit_callbacks, world, email=person.email)
    url = reverse("provider:invitation", args=[token])
    anonymous = client.get(url).content.decode()
    assert reverse("accounts:login") + "?next=" in anonymous

    client.force_login(person)
    assert "Принять приглашение" in text(client.get(url))
    assert client.post(url).url == reverse("provider:home")
    assert ProviderStaff.objects.filter(user=person, provider=world.provider).exists()


def test_someone_else_signed_in_is_asked_to_sign_out(
    client, world, django_capture_on_commit_callbacks
):
    token = _token(django_capture_on_commit_callbacks, world)
    client.force_login(world.teacher)
    response = client.post(reverse("provider:invitation", args=[token]))
    assert "а приглашение отправлено на new@mail.ru" in text(response)
    assert not User.objects.filter(email="new@mail.ru").exists()


def test_a_damaged_link_explains_what_to_do(client):
    response = client.get(reverse("provider:invitation", args=["broken"]))
    assert response.status_code == 400
    assert "Ссылка приглашения недействительна" in text(response)


def test_revoking_an_invitation(client, world):
    invitation = _invitation(world)
    client.force_login(world.admin)
    client.post(reverse("provider:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
