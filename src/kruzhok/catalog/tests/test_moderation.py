import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kruzhok.catalog import moderation, selectors
from kruzhok.catalog.models import Program, ProgramModerationEvent, ProgramState
from kruzhok.common.models import AuditEvent, Municipality
from kruzhok.enrollment.models import Contract
from kruzhok.enrollment.tests.world import contract_made, program_make
from kruzhok.notifications.models import Notification
from kruzhok.providers import joining
from kruzhok.providers import moderation as provider_moderation
from kruzhok.providers.models import Provider, ProviderModerationEvent
from kruzhok.providers.tests.data import join_arguments, operator_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def joined(municipality):
    return joining.provider_join(**join_arguments(municipality))


@pytest.fixture
def operator(municipality):
    return operator_make(municipality)


def _draft(provider, **kwargs):
    program = program_make(provider, **kwargs)
    program.state = ProgramState.DRAFT
    program.save(update_fields=["state"])
    return program


# Programs ----------------------------------------------------------------------------------


def test_a_program_goes_from_draft_to_the_catalogue_with_its_history(world):
    operator = operator_make(world.provider.municipality)
    program = _draft(world.provider, title="Шахматы")
    assert program not in selectors.program_list_public()

    moderation.program_submit(actor=world.admin, program=program)
    program.refresh_from_db()
    assert program.state == ProgramState.MODERATING
    assert program not in selectors.program_list_public()
    # The operators of the municipality are told that a program waits.
    assert Notification.objects.filter(user=operator, subject="Программа ждёт проверки").exists()

    moderation.program_approve(operator=operator, program=program)
    program.refresh_from_db()
    assert program.state == ProgramState.PUBLISHED
    assert program in selectors.program_list_public()

    history = list(
        ProgramModerationEvent.objects.filter(program=program)
        .order_by("at", "pk")
        .values_list("from_state", "to_state", "actor")
    )
    assert history == [
        (ProgramState.DRAFT, ProgramState.MODERATING, world.admin.pk),
        (ProgramState.MODERATING, ProgramState.PUBLISHED, operator.pk),
    ]
    assert Notification.objects.filter(user=world.admin, subject="Программа опубликована").exists()


def test_moderation_keeps_one_history_and_the_audit_log_does_not_repeat_it(world, joined, operator):
    program = _draft(world.provider)
    local_operator = operator_make(world.provider.municipality)
    moderation.program_submit(actor=world.admin, program=program)
    moderation.program_return(operator=local_operator, program=program, remarks="Исправьте.")
    provider_moderation.provider_reject(
        operator=operator, provider=joined.provider, reason="Нет лицензии."
    )
    provider_moderation.provider_resubmit(actor=joined.user, provider=joined.provider)

    assert ProgramModerationEvent.objects.filter(program=program).count() == 2
    assert ProviderModerationEvent.objects.filter(provider=joined.provider).count() == 2
    assert (
        not AuditEvent.objects.filter(
            object_type__in=[Program._meta.label_lower, Provider._meta.label_lower]
        )
        .exclude(action="provider_join")
        .exists()
    )


@pytest.fixture
def local_operator(world):
    return operator_make(world.provider.municipality)


def test_a_returned_program_shows_the_remarks_and_can_be_sent_again(world, local_operator):
    program = _draft(world.provider)
    moderation.program_submit(actor=world.admin, program=program)
    moderation.program_return(
        operator=local_operator, program=program, remarks="Уточните возраст детей."
    )
    program.refresh_from_db()
    assert program.state == ProgramState.RETURNED
    event = ProgramModerationEvent.objects.filter(to_state=ProgramState.RETURNED).get()
    assert event.remarks == "Уточните возраст детей."
    note = Notification.objects.get(user=world.admin, subject="Программа возвращена на доработку")
    assert "Уточните возраст детей." in note.body

    moderation.program_edit(actor=world.admin, program=program, age_min=8)
    moderation.program_submit(actor=world.admin, program=program)
    program.refresh_from_db()
    assert (program.state, program.age_min) == (ProgramState.MODERATING, 8)


def test_returning_needs_remarks(world, local_operator):
    program = _draft(world.provider)
    moderation.program_submit(actor=world.admin, program=program)
    with pytest.raises(ValidationError) as error:
        moderation.program_return(operator=local_operator, program=program, remarks="")
    assert list(error.value.message_dict) == ["remarks"]


@pytest.mark.parametrize(
    ("state", "transition"),
    [
        (ProgramState.PUBLISHED, "submit"),
        (ProgramState.MODERATING, "submit"),
        (ProgramState.ARCHIVED, "submit"),
        (ProgramState.DRAFT, "approve"),
        (ProgramState.RETURNED, "approve"),
        (ProgramState.PUBLISHED, "approve"),
        (ProgramState.DRAFT, "return"),
        (ProgramState.PUBLISHED, "return"),
        (ProgramState.ARCHIVED, "archive"),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused_and_recorded_nowhere(
    world, local_operator, state, transition
):
    program = _draft(world.provider)
    program.state = state
    program.save(update_fields=["state"])
    call = {
        "submit": lambda: moderation.program_submit(actor=world.admin, program=program),
        "approve": lambda: moderation.program_approve(operator=local_operator, program=program),
        "return": lambda: moderation.program_return(
            operator=local_operator, program=program, remarks="Нет"
        ),
        "archive": lambda: moderation.program_archive(actor=world.admin, program=program),
    }[transition]
    with pytest.raises(ValidationError, match="нельзя"):
        call()
    program.refresh_from_db()
    assert program.state == state
    assert not ProgramModerationEvent.objects.exists()


def test_a_teacher_cannot_submit_edit_or_archive(world):
    program = _draft(world.provider)
    for call in (
        lambda: moderation.program_submit(actor=world.teacher, program=program),
        lambda: moderation.program_archive(actor=world.teacher, program=program),
        lambda: moderation.program_edit(actor=world.teacher, program=program, title="Новое"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_another_providers_administrator_cannot_touch_the_program(world, municipality):
    other = joining.provider_join(**join_arguments(municipality))
    program = _draft(world.provider)
    with pytest.raises(PermissionDenied):
        moderation.program_submit(actor=other.user, program=program)


def test_an_operator_of_another_municipality_cannot_publish(world):
    program = _draft(world.provider)
    moderation.program_submit(actor=world.admin, program=program)
    elsewhere = operator_make(Municipality.objects.create(name="Арзгирский округ"))
    with pytest.raises(PermissionDenied):
        moderation.program_approve(operator=elsewhere, program=program)


def test_a_rejected_provider_cannot_submit_programs(joined, operator):
    program = _draft(joined.provider)
    provider_moderation.provider_reject(operator=operator, provider=joined.provider, reason="Нет")
    with pytest.raises(ValidationError, match="не допущена"):
        moderation.program_submit(actor=joined.user, program=program)


def test_a_provider_on_moderation_prepares_programs_that_show_once_it_is_admitted(joined, operator):
    program = _draft(joined.provider)
    moderation.program_submit(actor=joined.user, program=program)
    moderation.program_approve(operator=operator, program=program)
    assert program not in selectors.program_list_public()
    provider_moderation.provider_approve(operator=operator, provider=joined.provider)
    assert program in selectors.program_list_public()


def test_archiving_takes_the_program_out_of_the_catalogue(world):
    moderation.program_archive(actor=world.admin, program=world.program)
    world.program.refresh_from_db()
    assert world.program.state == ProgramState.ARCHIVED
    assert world.program not in selectors.program_list_public()
    assert ProgramModerationEvent.objects.get().from_state == ProgramState.PUBLISHED


# Editing -----------------------------------------------------------------------------------


def test_a_draft_changes_in_every_field(world):
    program = _draft(world.provider)
    moderation.program_edit(
        actor=world.admin,
        program=program,
        title="Робототехника для начинающих",
        direction="estestvennonauchnoe",
        age_min=9,
        age_max=12,
        price_per_hour=200_00,
    )
    program.refresh_from_db()
    assert (program.title, program.age_min, program.price_per_hour) == (
        "Робототехника для начинающих",
        9,
        200_00,
    )
    assert " начина" in program.title_document


def test_a_published_program_changes_its_description_and_price_only(world):
    program = world.program
    moderation.program_edit(
        actor=world.admin,
        program=program,
        description="Новое описание.",
        price_per_hour=180_00,
        title=program.title,  # unchanged: not a change
    )
    program.refresh_from_db()
    assert (program.description, program.price_per_hour) == ("Новое описание.", 180_00)
    assert program.state == ProgramState.PUBLISHED

    with pytest.raises(ValidationError) as error:
        moderation.program_edit(actor=world.admin, program=program, title="Другое", age_min=5)
    assert set(error.value.message_dict) == {"title", "age_min"}
    program.refresh_from_db()
    assert (program.title, program.age_min) == ("Робототехника", 7)


def test_a_program_on_moderation_or_in_the_archive_does_not_change(world):
    program = _draft(world.provider)
    moderation.program_submit(actor=world.admin, program=program)
    with pytest.raises(ValidationError, match="нельзя"):
        moderation.program_edit(actor=world.admin, program=program, description="Иначе")


def test_edit_errors_name_the_field(world):
    program = _draft(world.provider)
    with pytest.raises(ValidationError) as error:
        moderation.program_edit(actor=world.admin, program=program, age_min=3)
    assert list(error.value.message_dict) == ["age_min"]


def test_a_new_price_never_changes_a_concluded_contract(world):
    contract = contract_made(world)
    signed_price, signed_total = contract.price_per_hour, contract.total_cost
    assert signed_price == 150_00

    moderation.program_edit(actor=world.admin, program=world.program, price_per_hour=300_00)

    contract = Contract.objects.get(pk=contract.pk)
    assert (contract.price_per_hour, contract.total_cost) == (signed_price, signed_total)
    world.program.refresh_from_db()
    assert world.program.price_per_hour == 300_00
