"""Reads of the audit journal: the operator's log page filters it and names its actions in
Russian."""

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from kruzhok.common.models import AuditEvent
from kruzhok.common.money import format_kopecks

# Every action code the services write, as the operator reads it.
AUDIT_ACTION_LABELS: dict[str, str] = {
    "advance_pay": "Аванс поставщику выплачен",
    "api_token_create": "Создан ключ API",
    "api_token_revoke": "Ключ API отозван",
    "application_accept": "Заявка принята поставщиком",
    "application_activate": "Обучение по заявке началось",
    "application_cancel": "Заявка отозвана родителем",
    "application_expire": "Оферта по заявке истекла",
    "application_finish": "Обучение по заявке завершено",
    "application_promote": "Заявка переведена из листа ожидания",
    "application_reject": "Заявка отклонена",
    "application_submit": "Заявка подана",
    "application_waitlist": "Заявка поставлена в лист ожидания",
    "attendance_charge": "Занятие списано с сертификата",
    "attendance_mark_late": "Посещаемость отмечена с опозданием",
    "calendar_feed_create": "Создана ссылка на календарь занятий",
    "calendar_feed_revoke": "Ссылка на календарь занятий отключена",
    "child_add": "Ребёнок добавлен",
    "child_add_duplicate": "Попытка добавить ребёнка с СНИЛС другой семьи",
    "child_correction_approve": "Данные ребёнка исправлены оператором",
    "child_correction_reject": "Запрос на исправление данных ребёнка отклонён",
    "child_correction_request": "Родитель попросил исправить данные ребёнка",
    "consent_give": "Дано согласие на обработку персональных данных",
    "contract_accept": "Договор заключён",
    "contract_withdraw": "Ребёнок отчислен, договор расторгнут",
    "enrollment_window_clear": "Период записи снят",
    "enrollment_window_close": "Запись закрыта",
    "enrollment_window_open": "Запись открыта",
    "enrollment_window_set": "Период записи задан",
    "financing.create": "Программа финансирования создана",
    "family_anonymise": "Персональные данные семьи обезличены",
    "family_deletion_request": "Семья попросила удалить данные",
    "financing_period_close": "Период финансирования закрыт",
    "financing_period_close_batch": "Остатки сертификатов возвращены в бюджет",
    "financing_program_change": "Правила финансирования изменены",
    "financing_program_create": "Программа финансирования на следующий период создана",
    "guardian_add": "Законный представитель добавлен по приглашению",
    "guardian_invitation_accept": "Приглашение законного представителя принято",
    "guardian_invitation_revoke": "Приглашение законного представителя отозвано",
    "guardian_invite": "Законный представитель приглашён",
    "invoice_documents_issue": "Документы счёта сформированы",
    "invoice_payment_reverse": "Оплата счёта сторнирована",
    "invoice_status": "Статус счёта изменён",
    "month_close_resume": "Закрытие месяца продолжено",
    "month_close_status": "Закрытие месяца",
    "municipality.update": "Данные муниципалитета изменены",
    "period_close_status": "Закрытие периода",
    "population_set": "Численность детей указана",
    "program_edit": "Программа изменена",
    "provider_approved": "Поставщик допущен",
    "provider_join": "Поставщик подал заявку на участие",
    "provider_profile_update": "Профиль поставщика изменён",
    "staff_invitation_accept": "Приглашение сотрудника принято",
    "staff_invitation_revoke": "Приглашение сотрудника отозвано",
    "staff_invite": "Сотрудник приглашён",
    "user_confirm_email": "Почта подтверждена",
    "user_email_change": "Адрес почты изменён",
    "user_email_change_request": "Запрошена смена адреса почты",
    "user_profile_update": "Профиль изменён",
    "user_register": "Пользователь зарегистрировался",
}


# The keys the services write into an event's details, as the operator reads them.
AUDIT_DETAIL_LABELS: dict[str, str] = {
    "amount": "сумма",
    "as_of": "по данным на",
    "by": "кем",
    "certificate_amount": "сертификатом",
    "certificate_part": "оплачивается сертификатом",
    "certificates_expired": "сертификатов с возвратом остатка",
    "certificates_to_accounting": "сертификатов переведено в учёт",
    "changed": "изменено",
    "child_id": "ребёнок №",
    "closes_at": "запись до",
    "copied_from": "по образцу программы №",
    "effective_from": "действует с",
    "email": "почта",
    "expected": "ожидаемые списания",
    "expired": "истекло",
    "field": "что изменено",
    "fields": "поля",
    "figures": "численность",
    "holds_voided": "снято резервов",
    "invoices": "счетов",
    "lesson_date": "дата занятия",
    "lesson_id": "занятие №",
    "lesson_value": "стоимость занятия",
    "month": "месяц",
    "municipality": "муниципалитет",
    "new": "стало",
    "old": "было",
    "on": "на дату",
    "opens_at": "запись с",
    "order_date": "дата платёжного поручения",
    "order_number": "номер платёжного поручения",
    "parent_amount": "доплата родителя",
    "percent": "процент",
    "period": "период",
    "present": "присутствовал",
    "provider": "поставщик №",
    "version": "редакция",
    "providers_done": "поставщиков обработано",
    "reason": "причина",
    "released": "возвращено из резерва",
    "role": "роль",
    "status": "статус",
    "status_from": "статус был",
    "status_to": "статус стал",
    "total_cost": "полная стоимость",
    "voided": "снято",
}
# Details in kopecks, shown in rubles.
AUDIT_MONEY_DETAILS = frozenset(
    {
        "amount",
        "certificate_amount",
        "certificate_part",
        "expected",
        "lesson_value",
        "parent_amount",
        "released",
        "total_cost",
    }
)


def _detail_text(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if key in AUDIT_MONEY_DETAILS and isinstance(value, int):
        return format_kopecks(value)
    if isinstance(value, str) and len(value) == 10:
        try:
            return f"{datetime.date.fromisoformat(value):%d.%m.%Y}"
        except ValueError:
            pass
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def audit_details_display(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's details as (label, text) pairs in Russian: money in rubles, dates as
    28.11.2026; a key without a label yet shows as it is, never hidden."""
    if not isinstance(details, dict):
        return []
    return [(AUDIT_DETAIL_LABELS.get(k, k), _detail_text(k, v)) for k, v in details.items()]


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
