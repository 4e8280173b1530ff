import re

import pytest
from django.urls import reverse

from kruzhok.catalog import moderation
from kruzhok.catalog.models import Program, ProgramModerationEvent, ProgramState
from kruzhok.providers import joining
from kruzhok.providers import moderation as provider_moderation
from kruzhok.providers.models import ProviderStatus
from kruzhok.providers.tests.data import join_arguments, operator_make

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
