"""Program moderation: the operator's decisions on programs, and the program's life.

States and who moves them (DOMAIN.md codes):

    program:  initial | wait_for_editing → moderating        program_submit    (provider admin)
              moderating → published                          program_approve   (operator)
              moderating → wait_for_editing (with remarks)    program_return    (operator)
              any but archive → archive                       program_archive   (provider admin)

Each transition is one function: it locks the row, checks the current state, records who made
the change in the program's history (ProgramModerationEvent: the one record of moderation,
which the pages read; the audit log does not repeat it), and tells the people concerned; the
e-mails leave after the transaction commits. Providers are moderated in
`providers.moderation` the same way, and the checks of who may act come from there.

A transition from the wrong state (a second click, a decision already made by a colleague)
raises ValidationError with a message for the person. Acting outside one's reach (an operator
of another municipality, a teacher instead of an administrator) raises PermissionDenied: views
never offer it, so it is a defect or a forged request.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.catalog import programs
from kruzhok.catalog.models import Program, ProgramModerationEvent, ProgramState
from kruzhok.common.services import audit_record
from kruzhok.providers.models import ProviderStatus
from kruzhok.providers.moderation import (
    admin_check,
    operator_check,
    provider_admins_notify,
    remarks_clean,
)
from kruzhok.providers.services import operators_notify

# Fields of a published program its provider may change without a new moderation: how it is
# described and where, and the price, which applies to contracts concluded from now on only.
# What the operator checked (title, направленность, ages, form, volume, financing) stays.
PUBLISHED_EDITABLE_FIELDS = frozenset(
    {"description", "address", "accessible_ovz", "price_per_hour"}
)

_PROGRAM_EDITABLE_IN = {
    ProgramState.DRAFT: programs.PROGRAM_EDITABLE_FIELDS,
    ProgramState.RETURNED: programs.PROGRAM_EDITABLE_FIELDS,
    ProgramState.PUBLISHED: PUBLISHED_EDITABLE_FIELDS,
}
_PROVIDER_ACTIVE = (ProviderStatus.MODERATING, ProviderStatus.APPROVED)


def _locked_program(program: Program) -> Program:
    return Program.objects.select_for_update().select_related("provider").get(pk=program.pk)


def _program_move(
    program: Program, *, to: str, actor: User, remarks: str = ""
) -> ProgramModerationEvent:
    event = ProgramModerationEvent.objects.create(
        program=program, actor=actor, from_state=program.state, to_state=to, remarks=remarks
    )
    program.state = to
    program.save(update_fields=["state", "updated_at"])
    return event


def _wrong_state(program: Program, action: str) -> ValidationError:
    return ValidationError(
        f"Программа «{program.title}» сейчас в состоянии «{program.get_state_display()}»: "
        f"{action} нельзя.",
        code="state",
    )


@transaction.atomic
def program_submit(*, actor: User, program: Program) -> Program:
    """Send a draft or a returned program to the operator; only the provider's administrator,
    and only while the provider is on moderation or admitted."""
    program = _locked_program(program)
    admin_check(actor=actor, provider=program.provider)
    if program.state not in (ProgramState.DRAFT, ProgramState.RETURNED):
        raise _wrong_state(program, "отправить на проверку")
    if program.provider.status not in _PROVIDER_ACTIVE:
        raise ValidationError(
            "Организация не допущена к работе на портале: программы на проверку не принимаются.",
            code="provider",
        )
    _program_move(program, to=ProgramState.MODERATING, actor=actor)
    operators_notify(
        municipality=program.provider.municipality,
        subject="Программа ждёт проверки",
        body=f"«{program.provider.short_name}» отправила на проверку программу «{program.title}».",
        link=reverse("operator:program_detail", args=[program.pk]),
    )
    return program


@transaction.atomic
def program_approve(*, operator: User, program: Program) -> Program:
    """Publish a program on moderation: it shows in the catalogue once its provider is admitted."""
    program = _locked_program(program)
    operator_check(operator=operator, provider=program.provider)
    if program.state != ProgramState.MODERATING:
        raise _wrong_state(program, "опубликовать")
    _program_move(program, to=ProgramState.PUBLISHED, actor=operator)
    programs.program_search_refresh(program=program)
    provider_admins_notify(
        provider=program.provider,
        subject="Программа опубликована",
        body=f"Программа «{program.title}» прошла проверку и опубликована в каталоге.",
        link=reverse("provider:program_detail", args=[program.pk]),
    )
    return program


@transaction.atomic
def program_return(*, operator: User, program: Program, remarks: str) -> Program:
    """Return a program on moderation to its provider with remarks on what to change."""
    remarks = remarks_clean(
        remarks,
        field="remarks",
        required_message="Напишите, что исправить: замечания прочитает организация.",
    )
    program = _locked_program(program)
    operator_check(operator=operator, provider=program.provider)
    if program.state != ProgramState.MODERATING:
        raise _wrong_state(program, "вернуть на доработку")
    _program_move(program, to=ProgramState.RETURNED, actor=operator, remarks=remarks)
    provider_admins_notify(
        provider=program.provider,
        subject="Программа возвращена на доработку",
        body=f"Замечания оператора к программе «{program.title}»: {remarks}",
        link=reverse("provider:program_detail", args=[program.pk]),
    )
    return program


@transaction.atomic
def program_archive(*, actor: User, program: Program) -> Program:
    """Take the program out of the catalogue for good. Concluded contracts run on unchanged."""
    program = _locked_program(program)
    admin_check(actor=actor, provider=program.provider)
    if program.state == ProgramState.ARCHIVED:
        raise _wrong_state(program, "перенести в архив ещё раз")
    _program_move(program, to=ProgramState.ARCHIVED, actor=actor)
    return program


def program_editable_fields(*, program: Program) -> frozenset[str]:
    """The fields the provider may change in the program's current state."""
    return _PROGRAM_EDITABLE_IN.get(ProgramState(program.state), frozenset())


@transaction.atomic
def program_edit(*, actor: User, program: Program, **fields: Any) -> Program:
    """The provider's administrator changes the program within what its state allows.

    A draft or a returned program may change in every field; a published one only in
    PUBLISHED_EDITABLE_FIELDS; one on moderation or in the archive not at all. A field given
    with its current value is not a change. Checks as program_update; a new price applies to
    contracts concluded from now on (contracts keep the price they were signed at).
    """
    program = _locked_program(program)
    admin_check(actor=actor, provider=program.provider)
    allowed = program_editable_fields(program=program)
    if not allowed:
        raise _wrong_state(program, "изменить")
    changed = {name: value for name, value in fields.items() if getattr(program, name) != value}
    locked = sorted(set(changed) - allowed)
    if locked:
        raise ValidationError(
            {
                name: ["У опубликованной программы это поле не меняется: его проверил оператор."]
                for name in locked
            }
        )
    if not changed:
        return program
    before = {name: getattr(program, name) for name in changed}
    programs.program_update(program=program, **changed)
    audit_record(
        actor=actor,
        action="program_edit",
        obj=program,
        changed={name: [before[name], changed[name]] for name in changed},
    )
    return program
