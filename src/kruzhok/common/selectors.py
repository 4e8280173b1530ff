"""Reads of the audit journal: the operator's log page filters it and names its actions in
Russian."""

import datetime
from collections.abc import Iterable, Sequence

from django.apps import apps
from django.db.models import Q, QuerySet

from kruzhok.common.models import AuditEvent

# Every action code the services write, as the operator reads it.
AUDIT_ACTION_LABELS: dict[str, str] = {
    "application_accept": "Заявка принята поставщиком",
    "application_activate": "Обучение по заявке началось",
    "application_cancel": "Заявка отозвана родителем",
    "application_expire": "Оферта по заявке истекла",
    "application_finish": "Обучение по заявке завершено",
    "application_promote": "Заявка переведена из листа ожидания",
    "application_reject": "Заявка отклонена",
    "application_submit": "Заявка подана",
    "application_waitlist": "Заявка поставлена в лист ожидания",
    "child_add": "Ребёнок добавлен",
    "contract_accept": "Договор заключён",
    "contract_withdraw": "Ребёнок отчислен, договор расторгнут",
    "enrollment_window_clear": "Период записи снят",
    "enrollment_window_close": "Запись закрыта",
    "enrollment_window_open": "Запись открыта",
    "enrollment_window_set": "Период записи задан",
    "financing.create": "Программа финансирования создана",
    "financing_period_close": "Период финансирования закрыт",
    "financing_period_close_batch": "Остатки сертификатов возвращены в бюджет",
    "invoice_documents_issue": "Документы счёта сформированы",
    "invoice_payment_reverse": "Оплата счёта сторнирована",
    "invoice_status": "Статус счёта изменён",
    "month_close_status": "Закрытие месяца",
    "municipality.update": "Данные муниципалитета изменены",
    "period_close_status": "Закрытие периода",
    "program_edit": "Программа изменена",
    "provider_approved": "Поставщик допущен",
    "provider_join": "Поставщик подал заявку на участие",
    "provider_profile_update": "Профиль поставщика изменён",
    "staff_invitation_accept": "Приглашение сотрудника принято",
    "staff_invitation_revoke": "Приглашение сотрудника отозвано",
    "staff_invite": "Сотрудник приглашён",
    "user_confirm_email": "Почта подтверждена",
    "user_register": "Пользователь зарегистрировался",
}


def audit_action_label(code: str) -> str:
    """The action in Russian; a code without a label yet shows as it is, never hidden."""
    return AUDIT_ACTION_LABELS.get(code, code)


def audit_object_label(object_type: str) -> str:
    """«заявка» for `enrollment.application`; the label itself for a model no longer here."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


def audit_event_list(
    *,
    actor_ids: Sequence[Iterable[int]] | None,
    action: str = "",
    object_type: str = "",
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    include_system: bool = False,
) -> QuerySet[AuditEvent]:
    """Journal rows, newest first, done by the people of any of `actor_ids` (each a list or a
    subquery of user ids; `None`: by anyone) and, when `include_system`, by the portal itself
    (no actor: a waitlist promotion, an expiry)."""
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    if actor_ids is not None:
        by_people = Q(pk__in=[])
        for ids in actor_ids:
            by_people |= Q(actor_id__in=ids)
        events = events.filter(by_people | Q(actor=None) if include_system else by_people)
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if day_from:
        events = events.filter(created_at__date__gte=day_from)
    if day_to:
        events = events.filter(created_at__date__lte=day_to)
    return events


def audit_object_types() -> list[str]:
    """The kinds of object the journal holds, for a filter."""
    return list(
        AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
