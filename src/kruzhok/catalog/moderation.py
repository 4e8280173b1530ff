"""Moderation: the operator's decisions on providers and programs, and the program's life.

States and who moves them (DOMAIN.md codes):

    provider: moderating → approved | rejected;  rejected → moderating (the provider resubmits)
    program:  initial | wait_for_editing → moderating        program_submit    (provider admin)
              moderating → published                          program_approve   (operator)
              moderating → wait_for_editing (with remarks)    program_return    (operator)
              any but archive → archive                       program_archive   (provider admin)

Each transition is one function: it locks the row, checks the current state, records who made
the change in the entity's history (ProviderModerationEvent / ProgramModerationEvent: the one
record of moderation, which the pages read; the audit log does not repeat it), and tells the
people concerned; the e-mails leave after the transaction commits.

A transition from the wrong state (a second click, a decision already made by a colleague)
raises ValidationError with a message for the person. Acting outside one's reach (an operator
of another municipality, a teacher instead of an administrator) raises PermissionDenied: views
never offer it, so it is a defect or a forged request.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from kruzhok.accounts.models import Role, User
from kruzhok.catalog import services
from kruzhok.catalog.cabinet import operator_can_moderate, provider_admins, staff_role
from kruzhok.catalog.models import (
    Program,
    ProgramModerationEvent,
    ProgramState,
    Provider,
    ProviderModerationEvent,
    ProviderStatus,
    StaffRole,
)
from kruzhok.common.models import Municipality
from kruzhok.common.services import audit_record
from kruzhok.notifications.services import notify

REMARKS_MAX_LENGTH = 4000

# Fields of a published program its provider may change without a new moderation: how it is
# described and where, and the price, which applies to contracts concluded from now on only.
# What the operator checked (title, направленность, ages, form, volume, financing) stays.
PUBLISHED_EDITABLE_FIELDS = frozenset(
    {"description", "address", "accessible_ovz", "price_per_hour"}
)

_PROGRAM_EDITABLE_IN = {
    ProgramState.DRAFT: services.PROGRAM_EDITABLE_FIELDS,
    ProgramState.RETURNED: services.PROGRAM_EDITABLE_FIELDS,
    ProgramState.PUBLISHED: PUBLISHED_EDITABLE_FIELDS,
}
_PROVIDER_ACTIVE = (ProviderStatus.MODERATING, ProviderStatus.APPROVED)


def _require_operator(operator: User, provider: Provider) -> None:
    if not operator_can_moderate(user=operator, provider=provider):
        raise PermissionDenied("Организация другого муниципалитета.")


def _require_admin(actor: User, provider: Provider) -> None:
    if staff_role(user=actor, provider_id=provider.pk) != StaffRole.ADMIN:
        raise PermissionDenied("Это может только администратор организации.")


def _remarks(text: str, *, field: str, required_message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [required_message]})
    if len(text) > REMARKS_MAX_LENGTH:
        raise ValidationError({field: [f"Напишите короче: не больше {REMARKS_MAX_LENGTH} знаков."]})
    return text


def _locked_provider(provider: Provider) -> Provider:
    return Provider.objects.select_for_update().get(pk=provider.pk)


def _locked_program(program: Program) -> Program:
    return Program.objects.select_for_update().select_related("provider").get(pk=program.pk)


def _notify_admins(provider: Provider, *, subject: str, body: str, link: str) -> None:
    for admin in provider_admins(provider=provider):
        notify(user=admin, subject=subject, body=body, link=link)


def operators_notify(*, municipality: Municipality, subject: str, body: str, link: str) -> None:
    """Tell the municipality's operators that something waits for them."""
    operators = User.objects.filter(
        role=Role.OPERATOR, municipality=municipality, is_active=True
    ).order_by("pk")
    for operator in operators:
        notify(user=operator, subject=subject, body=body, link=link)


# Providers ---------------------------------------------------------------------------------


def _provider_move(
    provider: Provider, *, to: str, actor: User, remarks: str = ""
) -> ProviderModerationEvent:
    event = ProviderModerationEvent.objects.create(
        provider=provider, actor=actor, from_status=provider.status, to_status=to, remarks=remarks
    )
    provider.status = to
    provider.save(update_fields=["status"])
    return event


def _provider_decided_message(provider: Provider) -> str:
    return f"Решение по организации уже принято: {provider.get_status_display().lower()}."


@transaction.atomic
def provider_approve(*, operator: User, provider: Provider) -> Provider:
    """Admit a provider on moderation; its administrators are told.

    Only an operator of the provider's municipality (or a regional administrator) may do it.
    """
    provider = _locked_provider(provider)
    _require_operator(operator, provider)
    if provider.status != ProviderStatus.MODERATING:
        raise ValidationError(_provider_decided_message(provider), code="state")
    _provider_move(provider, to=ProviderStatus.APPROVED, actor=operator)
    _notify_admins(
        provider,
        subject="Организация допущена к работе на портале",
        body=(
            f"«{provider.short_name}» прошла проверку. Отправьте программы на модерацию: "
            "опубликованные программы появятся в каталоге."
        ),
        link=reverse("provider:home"),
    )
    return provider


@transaction.atomic
def provider_reject(*, operator: User, provider: Provider, reason: str) -> Provider:
    """Refuse a provider on moderation with a reason its administrators read in the cabinet."""
    reason = _remarks(
        reason, field="reason", required_message="Напишите причину: её прочитает организация."
    )
    provider = _locked_provider(provider)
    _require_operator(operator, provider)
    if provider.status != ProviderStatus.MODERATING:
        raise ValidationError(_provider_decided_message(provider), code="state")
    _provider_move(provider, to=ProviderStatus.REJECTED, actor=operator, remarks=reason)
    _notify_admins(
        provider,
        subject="Заявка организации отклонена",
        body=(
            f"Оператор отклонил заявку «{provider.short_name}». Причина: {reason}\n"
            "Исправьте сведения об организации и отправьте заявку ещё раз."
        ),
        link=reverse("provider:home"),
    )
    return provider


@transaction.atomic
def provider_resubmit(*, actor: User, provider: Provider) -> Provider:
    """A rejected provider's administrator sends the corrected application back for checking."""
    provider = _locked_provider(provider)
    _require_admin(actor, provider)
    if provider.status != ProviderStatus.REJECTED:
        raise ValidationError(
            f"Заявку можно отправить снова только после отказа, а сейчас организация "
            f"в статусе «{provider.get_status_display()}».",
            code="state",
        )
    _provider_move(provider, to=ProviderStatus.MODERATING, actor=actor)
    operators_notify(
        municipality=provider.municipality,
        subject="Организация снова ждёт проверки",
        body=f"«{provider.short_name}» исправила сведения после отказа.",
        link=reverse("operator:provider_detail", args=[provider.pk]),
    )
    return provider


# Programs ----------------------------------------------------------------------------------


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
    _require_admin(actor, program.provider)
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
    _require_operator(operator, program.provider)
    if program.state != ProgramState.MODERATING:
        raise _wrong_state(program, "опубликовать")
    _program_move(program, to=ProgramState.PUBLISHED, actor=operator)
    services.program_search_refresh(program=program)
    _notify_admins(
        program.provider,
        subject="Программа опубликована",
        body=f"Программа «{program.title}» прошла проверку и опубликована в каталоге.",
        link=reverse("provider:program_detail", args=[program.pk]),
    )
    return program


@transaction.atomic
def program_return(*, operator: User, program: Program, remarks: str) -> Program:
    """Return a program on moderation to its provider with remarks on what to change."""
    remarks = _remarks(
        remarks,
        field="remarks",
        required_message="Напишите, что исправить: замечания прочитает организация.",
    )
    program = _locked_program(program)
    _require_operator(operator, program.provider)
    if program.state != ProgramState.MODERATING:
        raise _wrong_state(program, "вернуть на доработку")
    _program_move(program, to=ProgramState.RETURNED, actor=operator, remarks=remarks)
    _notify_admins(
        program.provider,
        subject="Программа возвращена на доработку",
        body=f"Замечания оператора к программе «{program.title}»: {remarks}",
        link=reverse("provider:program_detail", args=[program.pk]),
    )
    return program


@transaction.atomic
def program_archive(*, actor: User, program: Program) -> Program:
    """Take the program out of the catalogue for good. Concluded contracts run on unchanged."""
    program = _locked_program(program)
    _require_admin(actor, program.provider)
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
    _require_admin(actor, program.provider)
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
    services.program_update(program=program, **changed)
    audit_record(
        actor=actor,
        action="program_edit",
        obj=program,
        changed={name: [before[name], changed[name]] for name in changed},
    )
    return program
