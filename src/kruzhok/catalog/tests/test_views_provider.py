import datetime
import re

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.catalog import moderation
from kruzhok.catalog.models import Group, Program, ProgramModerationEvent, ProgramState
from kruzhok.enrollment.tests.world import provider_make, user_make
from kruzhok.providers import invitations, joining
from kruzhok.providers import moderation as provider_moderation
from kruzhok.providers.models import (
    ProviderStatus,
    StaffInvitation,
)
from kruzhok.providers.tests.data import (
    join_arguments,
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
