"""Correcting a child's СНИЛС or birth date: a guardian asks, with the reason; the operator of
the child's municipality (or a regional administrator) approves, which changes the child, or
rejects with an answer. Each step is one explicit transition recorded with who and when."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.accounts.rate_limits import rate_limit_count, rate_limit_hit
from kruzhok.common.field_errors import Errors
from kruzhok.common.services import audit_record
from kruzhok.common.validators import normalize_digits, validate_snils
from kruzhok.families.models import (
    Child,
    ChildCorrection,
    CorrectionField,
    CorrectionStatus,
)
from kruzhok.families.selectors import (
    child_list_for_guardian,
    snils_is_registered,
    snils_is_taken_by_another,
)
from kruzhok.families.services import (
    SNILS_REFUSALS_WINDOW,
    SNILS_TRIES_MESSAGE,
    validate_child_birth_date,
)
from kruzhok.notifications.services import notify

REASON_MAX_LENGTH = 1000

SNILS_TAKEN_MESSAGE = (
    "Этот СНИЛС уже указан у другого ребёнка на портале. Проверьте цифры по документу; если "
    "СНИЛС верный, обратитесь в муниципальный опорный центр."
)
STALE_MESSAGE = (
    "Данные ребёнка изменились после того, как родитель отправил запрос: отклоните его, "
    "родитель отправит новый."
)


def _reason_checked(reason: str, errors: Errors) -> str:
    reason = reason.strip()
    if not reason:
        errors.setdefault("reason", []).append(
            "Напишите, почему нужно исправить: например, «ошибка в цифре, СНИЛС по документу»."
        )
    elif len(reason) > REASON_MAX_LENGTH:
        errors.setdefault("reason", []).append(
            f"Напишите короче: не больше {REASON_MAX_LENGTH} знаков."
        )
    return reason


def child_correction_request(
    *,
    parent: User,
    child: Child,
    field: str,
    new_value: str | datetime.date,
    reason: str,
    today: datetime.date | None = None,
) -> ChildCorrection:
    """A guardian asks to correct the child's СНИЛС or birth date.

    Guarantees: only the child's guardian asks; a new СНИЛС has a valid checksum, differs from
    the current one and belongs to no other child (a refusal for that counts against the
    parent's daily limit of such refusals, as adding a child does); a new birth date is not in
    the future and keeps the child under 18; one request per child and field waits at a time
    (the database decides a race). Nothing changes until the operator approves. Raises
    ValidationError keyed by field (`new_value`, `reason`, `field`).
    """
    today = today or timezone.localdate()
    if not child_list_for_guardian(user=parent).filter(pk=child.pk).exists():
        raise PermissionDenied("Исправить данные может только законный представитель ребёнка.")
    errors: Errors = {}
    reason = _reason_checked(reason, errors)
    old = new = ""
    if field == CorrectionField.SNILS:
        new, old = normalize_digits(str(new_value)), child.snils
        try:
            validate_snils(new)
        except ValidationError as exc:
            errors.setdefault("new_value", []).extend(exc.messages)
        else:
            if new == old:
                errors.setdefault("new_value", []).append(
                    "Это и есть нынешний СНИЛС ребёнка. Укажите правильный."
                )
            elif (
                rate_limit_count(
                    scope="snils_refused", key=str(parent.pk), window=SNILS_REFUSALS_WINDOW
                )
                >= settings.KRUZHOK_SNILS_REFUSALS_PER_DAY
            ):
                errors.setdefault("new_value", []).append(SNILS_TRIES_MESSAGE)
            elif snils_is_registered(snils=new):
                # Counted outside any transaction: the refusal below must not roll it back.
                rate_limit_hit(
                    scope="snils_refused",
                    key=str(parent.pk),
                    limit=settings.KRUZHOK_SNILS_REFUSALS_PER_DAY,
                    window=SNILS_REFUSALS_WINDOW,
                )
                errors.setdefault("new_value", []).append(SNILS_TAKEN_MESSAGE)
    elif field == CorrectionField.BIRTH_DATE:
        if not isinstance(new_value, datetime.date):
            errors.setdefault("new_value", []).append(
                "Укажите дату рождения: например, 20.05.2016."
            )
        else:
            try:
                validate_child_birth_date(new_value, today=today)
            except ValidationError as exc:
                errors.setdefault("new_value", []).extend(exc.messages)
            new, old = new_value.isoformat(), child.birth_date.isoformat()
            if new == old and "new_value" not in errors:
                errors.setdefault("new_value", []).append(
                    "Это и есть нынешняя дата рождения ребёнка. Укажите правильную."
                )
    else:
        errors.setdefault("field", []).append("Выберите, что исправить: СНИЛС или дату рождения.")
    if (
        not errors
        and child.corrections.filter(field=field, status=CorrectionStatus.PENDING).exists()
    ):
        errors.setdefault("field", []).append(_pending_message(field))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            correction = ChildCorrection.objects.create(
                child=child,
                field=field,
                old_value=old,
                new_value=new,
                reason=reason,
                requested_by=parent,
            )
            audit_record(
                actor=parent,
                action="child_correction_request",
                obj=child,
                correction=correction.pk,
                field=field,
            )
    except IntegrityError as exc:
        raise ValidationError({"field": [_pending_message(field)]}) from exc
    return correction


def _pending_message(field: str) -> str:
    return (
        f"Запрос на исправление ({CorrectionField(field).label}) уже отправлен и ждёт решения "
        "оператора. Дождитесь ответа: он придёт в уведомлениях."
    )


def _oversees(user: User, child: Child) -> bool:
    """The operator of the child's municipality, or a regional administrator."""
    if user.role == Role.REGIONAL_ADMIN:
        return True
    return user.role == Role.OPERATOR and user.municipality_id == child.municipality_id


def _locked_pending(actor: User, correction: ChildCorrection) -> ChildCorrection:
    correction = (
        ChildCorrection.objects.select_for_update(of=("self",))
        .select_related("child")
        .get(pk=correction.pk)
    )
    if not _oversees(actor, correction.child):
        raise PermissionDenied("Решает оператор муниципалитета, в котором живёт ребёнок.")
    if correction.status != CorrectionStatus.PENDING:
        raise ValidationError(
            f"По этому запросу уже принято решение: {correction.get_status_display().lower()}.",
            code="decided",
        )
    return correction


def _tell_guardians(correction: ChildCorrection, subject: str, body: str) -> None:
    for guardianship in correction.child.guardianships.select_related("user"):
        notify(user=guardianship.user, subject=subject, body=body)


@transaction.atomic
def child_correction_approve(*, actor: User, correction: ChildCorrection) -> ChildCorrection:
    """Approve a waiting request: the child's СНИЛС or birth date becomes the new value.

    Guarantees: only the operator overseeing the child decides, once; the child's value is
    still the one the request was made against (else refused: the request is stale); a СНИЛС
    still belongs to no other child (the unique constraint decides a race); the change is
    recorded on the request (who, when, old → new) and in the child's audit log, and the
    guardians are told.
    """
    correction = _locked_pending(actor, correction)
    child = Child.objects.select_for_update().get(pk=correction.child_id)
    if correction.field == CorrectionField.SNILS:
        if child.snils != correction.old_value:
            raise ValidationError(STALE_MESSAGE, code="stale")
        if snils_is_taken_by_another(snils=correction.new_value, child_id=child.pk):
            raise ValidationError(SNILS_TAKEN_MESSAGE, code="taken")
        child.snils = correction.new_value
    else:
        if child.birth_date.isoformat() != correction.old_value:
            raise ValidationError(STALE_MESSAGE, code="stale")
        child.birth_date = datetime.date.fromisoformat(correction.new_value)
    try:
        with transaction.atomic():
            child.save(update_fields=[correction.field])
    except IntegrityError as exc:
        raise ValidationError(SNILS_TAKEN_MESSAGE, code="taken") from exc
    correction.status = CorrectionStatus.APPROVED
    correction.decided_by, correction.decided_at = actor, timezone.now()
    correction.save(update_fields=["status", "decided_by", "decided_at"])
    # The values stay on the request (anonymised with the child), never in the audit log.
    audit_record(
        actor=actor,
        action="child_correction_approve",
        obj=child,
        correction=correction.pk,
        field=correction.field,
    )
    _tell_guardians(
        correction,
        f"Данные ребёнка исправлены: {correction.get_field_display()}",
        f"Оператор исправил данные ребёнка ({child.first_name}): "
        f"{correction.get_field_display()} — {correction.new_display}.",
    )
    return correction


@transaction.atomic
def child_correction_reject(
    *, actor: User, correction: ChildCorrection, note: str
) -> ChildCorrection:
    """Reject a waiting request with an answer the guardians read; the child is unchanged."""
    note = note.strip()
    if not note:
        raise ValidationError(
            {"note": ["Напишите, почему отказано и что сделать: ответ прочитает родитель."]}
        )
    if len(note) > REASON_MAX_LENGTH:
        raise ValidationError({"note": [f"Напишите короче: не больше {REASON_MAX_LENGTH} знаков."]})
    correction = _locked_pending(actor, correction)
    correction.status = CorrectionStatus.REJECTED
    correction.decided_by, correction.decided_at = actor, timezone.now()
    correction.decision_note = note
    correction.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="child_correction_reject",
        obj=correction.child,
        correction=correction.pk,
        field=correction.field,
    )
    _tell_guardians(
        correction,
        f"Запрос на исправление отклонён: {correction.get_field_display()}",
        f"Оператор отклонил запрос на исправление данных ребёнка "
        f"({correction.child.first_name}). Ответ: {note}",
    )
    return correction
