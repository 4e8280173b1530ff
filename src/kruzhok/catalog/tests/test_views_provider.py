import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from kruzhok.accounts.models import Role, User
from kruzhok.catalog import moderation
from kruzhok.catalog.models import Group, Program, ProgramModerationEvent, ProgramState
from kruzhok.enrollment.tests.world import provider_make, user_make
from kruzhok.providers import invitations, joining
from kruzhok.providers import moderation as provider_moderation
from kruzhok.providers.models import (
    Provider,
    ProviderStaff,
    ProviderStatus,
    StaffInvitation,
    StaffRole,
)
from kruzhok.providers.tests.data import (
    PASSWORD,
    SBER_ACCOUNT,
    join_arguments,
    join_form_data,
    operator_make,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's text without tags, with runs of whitespace (and nbsp) as one space."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def _draft(world, **kwargs) -> Program:
    program = Program.objects.create(
        provider=world.provider,
        title=kwargs.pop("title", "Шахматы"),
        description="Учимся играть в шахматы.",
        direction="socialno-pedagogicheskoe",
        age_min=7,
        age_max=12,
        duration_months=9,
        hours_per_week=2,
        price_per_hour=100_00,
        address="г. Нефтекумск",
        state=ProgramState.DRAFT,
        **kwargs,
    )
    return program


def _invitation(world) -> StaffInvitation:
    return invitations.staff_invite(
        provider=world.provider, inviter=world.admin, email="new@mail.ru", role="teacher"
    )


# Access ------------------------------------------------------------------------------------

# (url name, argument kind, method, admin only)
PAGES = [
    ("provider:home", None, "get", False),
    ("provider:profile_edit", "provider", "get", True),
    ("provider:resubmit", "provider", "post", True),
    ("provider:staff", "provider", "get", True),
    ("provider:invitation_revoke", "invitation", "post", True),
    ("provider:program_create", "provider", "get", True),
    ("provider:program_detail", "program", "get", False),
    ("provider:program_edit", "program", "get", True),
    ("provider:program_submit", "program", "post", True),
    ("provider:program_archive", "program", "post", True),
    ("provider:group_create", "program", "get", True),
    ("provider:group_edit", "group", "get", True),
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


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES[1:])
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


def test_a_teacher_cannot_post_a_program_edit(client, world):
    client.force_login(world.teacher)
    url = reverse("provider:program_edit", args=[world.program.pk])
    assert client.post(url, {"description": "Взлом"}).status_code == 403
    world.program.refresh_from_db()
    assert world.program.description != "Взлом"


# Joining -----------------------------------------------------------------------------------


def test_the_join_page_asks_for_the_organisation_and_its_administrator(client, municipality):
    response = client.get(reverse("provider:join"))
    assert response.status_code == 200
    page = text(response)
    for label in ("ИНН", "ОГРН или ОГРНИП", "БИК банка", "Расчётный счёт", "Пароль ещё раз"):
        assert label in page
    assert "Отправить заявку" in page


def test_joining_logs_in_and_shows_the_moderation_status(
    client, municipality, django_capture_on_commit_callbacks
):
    data = join_form_data(municipality, email="boss@kvantorik.ru")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("provider:join"), data)
    assert response.status_code == 302
    assert response.url == reverse("provider:home")

    page = text(client.get(response.url))
    assert data["short_name"] in page
    assert "На модерации" in page
    assert "Организация на модерации" in page
    staff = ProviderStaff.objects.get(user__email="boss@kvantorik.ru")
    assert staff.role == StaffRole.ADMIN
    assert staff.provider.status == ProviderStatus.MODERATING
    assert any("Подтвердите" in m.subject for m in mail.outbox)


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


# Home --------------------------------------------------------------------------------------


def test_home_shows_programs_with_states_groups_and_the_next_steps(client, world):
    _draft(world, title="Шахматы")
    client.force_login(world.admin)
    page = text(client.get(reverse("provider:home")))
    assert world.provider.short_name in page
    assert "Допущен" in page
    assert "Робототехника" in page and "Опубликована" in page
    assert "Шахматы" in page and "Черновик" in page
    assert world.group.name in page
    assert "вт, чт 15:00, 2 ак. ч." in page
    html = client.get(reverse("provider:home")).content.decode()
    assert reverse("enrollment:provider_queue") in html
    assert reverse("attendance:my_groups") in html
    assert reverse("provider:program_create", args=[world.provider.pk]) in html


def test_a_teacher_sees_the_cabinet_without_the_admin_buttons(client, world):
    client.force_login(world.teacher)
    html = client.get(reverse("provider:home")).content.decode()
    assert "Робототехника" in html
    assert reverse("provider:program_create", args=[world.provider.pk]) not in html
    assert reverse("provider:staff", args=[world.provider.pk]) not in html


def test_a_rejected_provider_reads_the_reason_and_resubmits(client, municipality):
    staff = joining.provider_join(**join_arguments(municipality))
    provider_moderation.provider_reject(
        operator=operator_make(municipality), provider=staff.provider, reason="Нет лицензии."
    )
    client.force_login(staff.user)
    page = text(client.get(reverse("provider:home")))
    assert "Оператор отклонил заявку. Причина: Нет лицензии." in page
    response = client.post(reverse("provider:resubmit", args=[staff.provider.pk]))
    assert response.status_code == 302
    staff.provider.refresh_from_db()
    assert staff.provider.status == ProviderStatus.MODERATING


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


# Programs ----------------------------------------------------------------------------------


def _program_data(**overrides):
    data = {
        "title": "Юный шахматист",
        "description": "Дебюты, тактика, турниры.",
        "direction": "socialno-pedagogicheskoe",
        "program_type": "general",
        "level": "initial",
        "age_min": "7",
        "age_max": "12",
        "study_form": "full_time",
        "duration_months": "9",
        "hours_per_week": "2",
        "price_per_hour": "1 234,50",
        "financing_source": "pfdod_certificate",
        "accessible_ovz": "on",
        "address": "г. Нефтекумск, ул. Ленина, 1",
    }
    data.update(overrides)
    return data


def test_creating_a_program_saves_a_draft_with_the_price_in_kopecks(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:program_create", args=[world.provider.pk]), _program_data()
    )
    program = Program.objects.get(title="Юный шахматист")
    assert response.url == reverse("provider:program_detail", args=[program.pk])
    assert program.state == ProgramState.DRAFT
    assert program.price_per_hour == 1_234_50
    assert program.accessible_ovz is True
    page = text(client.get(response.url))
    assert "1 234,50 ₽" in page
    assert "Черновик" in page
    assert "Отправить на проверку" in page


def test_a_bad_program_shows_russian_messages_and_saves_nothing(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:program_create", args=[world.provider.pk]),
        _program_data(title="", age_min="20", price_per_hour="сто", description="Описание X"),
    )
    assert response.status_code == 400
    page = text(response)
    assert "Укажите название программы." in page
    assert "Возраст — от 5 до 18 лет." in page
    assert "Укажите стоимость в рублях, например 150 или 150,50." in page
    html = response.content.decode()
    assert 'value="сто"' in html
    assert "Описание X" in html
    assert not Program.objects.filter(description="Описание X").exists()


def test_ages_in_the_wrong_order_are_refused_next_to_the_field(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:program_create", args=[world.provider.pk]),
        _program_data(age_min="12", age_max="8"),
    )
    assert response.status_code == 400
    assert "Возраст «до» не может быть меньше возраста «от»." in text(response)


def test_submitting_twice_moves_the_program_once(client, world):
    program = _draft(world)
    client.force_login(world.admin)
    url = reverse("provider:program_submit", args=[program.pk])
    client.post(url)
    response = client.post(url, follow=True)
    program.refresh_from_db()
    assert program.state == ProgramState.MODERATING
    assert ProgramModerationEvent.objects.filter(program=program).count() == 1
    assert "сейчас в состоянии «На модерации»" in text(response)


def test_the_operators_remarks_show_on_the_program_page(client, world):
    program = _draft(world)
    moderation.program_submit(actor=world.admin, program=program)
    moderation.program_return(
        operator=operator_make(world.provider.municipality),
        program=program,
        remarks="Добавьте описание итогового турнира.",
    )
    client.force_login(world.admin)
    page = text(client.get(reverse("provider:program_detail", args=[program.pk])))
    assert "Замечания оператора" in page
    assert "Добавьте описание итогового турнира." in page
    assert "Возвращена на доработку" in page


def test_a_published_program_edits_its_description_but_not_its_title(client, world):
    client.force_login(world.admin)
    url = reverse("provider:program_edit", args=[world.program.pk])
    page = client.get(url).content.decode()
    assert re.search(r'name="title"[^>]*disabled', page)
    response = client.post(
        url,
        _program_data(title="Подмена", description="Новое описание.", price_per_hour="160"),
    )
    assert response.status_code == 302
    world.program.refresh_from_db()
    assert world.program.title == "Робототехника"
    assert world.program.description == "Новое описание."
    assert world.program.price_per_hour == 160_00
    assert world.program.age_min == 7  # disabled: the posted 7 would change nothing anyway


def test_a_program_on_moderation_cannot_be_edited(client, world):
    program = _draft(world)
    moderation.program_submit(actor=world.admin, program=program)
    client.force_login(world.admin)
    response = client.post(reverse("provider:program_edit", args=[program.pk]), _program_data())
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.title == "Шахматы"


def test_archiving_from_the_page(client, world):
    client.force_login(world.admin)
    client.post(reverse("provider:program_archive", args=[world.program.pk]))
    world.program.refresh_from_db()
    assert world.program.state == ProgramState.ARCHIVED


# Groups ------------------------------------------------------------------------------------


def _group_data(world, rows, **overrides):
    data = {
        "name": "Группа выходного дня",
        "teacher": str(world.teacher.pk),
        "capacity": "12",
        "start_date": "2026-11-02",
        "end_date": "2026-12-25",
        "enrollment_open": "on",
        "schedule-TOTAL_FORMS": str(len(rows)),
        "schedule-INITIAL_FORMS": str(len(rows)),
        "schedule-MIN_NUM_FORMS": "0",
        "schedule-MAX_NUM_FORMS": "14",
    }
    for i, (weekday, start, hours) in enumerate(rows):
        data[f"schedule-{i}-weekday"] = weekday
        data[f"schedule-{i}-start_time"] = start
        data[f"schedule-{i}-hours"] = hours
    data.update(overrides)
    return data


def test_creating_a_group_with_its_weekly_schedule(client, world):
    client.force_login(world.admin)
    url = reverse("provider:group_create", args=[world.program.pk])
    page = client.get(url).content.decode()
    assert "schedule-2-weekday" in page and "schedule-3-weekday" not in page
    response = client.post(
        url, _group_data(world, [("5", "10:00", "2"), ("", "", ""), ("", "", ""), ("", "", "")])
    )
    assert response.status_code == 302
    group = Group.objects.get(name="Группа выходного дня")
    assert (group.capacity, group.teacher) == (12, world.teacher)
    assert [(s.weekday, s.start_time, s.hours) for s in group.schedule.all()] == [
        (5, datetime.time(10, 0), 2)
    ]
    # Saturdays from 07.11 to 19.12: seven lessons.
    assert group.lessons.count() == 7


def test_a_group_without_a_schedule_is_refused_and_keeps_what_was_typed(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_create", args=[world.program.pk]),
        _group_data(world, [("", "", ""), ("2", "", "")], capacity="0", end_date="2026-10-01"),
    )
    assert response.status_code == 400
    page = text(response)
    assert "В группе должно быть хотя бы одно место." in page
    assert "Окончание занятий не может быть раньше начала." in page
    assert "Укажите время начала." in page
    assert 'value="Группа выходного дня"' in response.content.decode()
    assert not Group.objects.filter(name="Группа выходного дня").exists()


def test_an_empty_schedule_is_refused_in_russian(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_create", args=[world.program.pk]),
        _group_data(world, [("", "", "")]),
    )
    assert response.status_code == 400
    assert "Добавьте в расписание хотя бы одно занятие." in text(response)


def test_a_teacher_of_another_provider_cannot_be_chosen(client, world):
    _, _, other_teacher = provider_make(world.municipality)
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_create", args=[world.program.pk]),
        _group_data(world, [("5", "10:00", "2")], teacher=str(other_teacher.pk)),
    )
    assert response.status_code == 400
    assert "Выберите педагога из сотрудников организации." in text(response)


def test_editing_a_group_shows_its_schedule_and_changes_it(client, world):
    client.force_login(world.admin)
    url = reverse("provider:group_edit", args=[world.group.pk])
    page = client.get(url).content.decode()
    assert 'value="15:00"' in page
    response = client.post(
        url,
        _group_data(
            world,
            [("1", "15:00", "2"), ("3", "16:00", "2"), ("", "", "")],
            name=world.group.name,
            start_date="2026-09-01",
            end_date="2026-12-24",
        ),
    )
    assert response.status_code == 302, text(response)
    world.group.refresh_from_db()
    assert {(s.weekday, s.start_time) for s in world.group.schedule.all()} == {
        (1, datetime.time(15, 0)),
        (3, datetime.time(16, 0)),
    }
    assert world.group.lessons.filter(date="2026-10-22", start_time="16:00").exists()
    assert world.group.lessons.filter(date="2026-10-08", start_time="15:00").exists()


def test_a_group_edit_refused_by_the_service_shows_the_reason(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider:group_edit", args=[world.group.pk]),
        _group_data(world, [("1", "15:00", "2")], start_date="2026-10-01", end_date="2026-12-24"),
    )
    assert response.status_code == 400
    assert "начало не может быть позже него" in text(response)


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
