"""Who is told what when an application changes state.

Called inside the transaction that makes the change: `notify` writes the cabinet entry there
and sends the e-mail only after the commit, so a refused change tells nobody anything.
"""

from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.enrollment.models import Application
from kruzhok.notifications.services import notify
from kruzhok.providers.models import StaffRole


def _sentence(text: str) -> str:
    """The text ended with one full stop: initials «Смирнов А. И.» already end with one."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _where(application: Application) -> str:
    group = application.group
    return f"«{group.program.title}», группа «{group.name}» ({group.program.provider.short_name})"


def _parent(application: Application, subject: str, body: str) -> None:
    notify(
        user=application.applicant,
        subject=subject,
        body=body,
        link=reverse("enrollment:application_detail", args=[application.pk]),
    )


def _provider_admins(application: Application, subject: str, body: str) -> None:
    admins = User.objects.filter(
        provider_roles__provider_id=application.group.program.provider_id,
        provider_roles__role=StaffRole.ADMIN,
        is_active=True,
    ).order_by("pk")
    link = f"{reverse('enrollment:provider_queue')}?group={application.group_id}&status=all"
    for admin in admins:
        notify(user=admin, subject=subject, body=body, link=link)


def _deadline(application: Application) -> str:
    if application.offer_expires_at is None:
        return ""
    return f" до {timezone.localtime(application.offer_expires_at):%d.%m.%Y %H:%M}"


def accepted(application: Application, *, promoted: bool = False) -> None:
    child = application.child.first_name
    if promoted:
        subject = "Место освободилось: заявка принята"
        opening = f"В группе освободилось место, и заявка из листа ожидания принята: {child}, "
    else:
        subject = "Заявка принята"
        opening = f"Заявка принята, место за ребёнком ({child}): "
    _parent(
        application,
        subject,
        f"{opening}{_where(application)}. Примите оферту договора в личном кабинете"
        f"{_deadline(application)}, иначе место перейдёт следующему в очереди.",
    )


def waitlisted(application: Application) -> None:
    _parent(
        application,
        "Заявка в листе ожидания",
        f"В группе {_where(application)} сейчас нет свободных мест, поэтому заявка "
        f"({application.child.first_name}) поставлена в лист ожидания. Когда место освободится, "
        "она будет принята автоматически в порядке очереди, и мы сразу сообщим.",
    )


def rejected(application: Application) -> None:
    _parent(
        application,
        "Заявка отклонена",
        f"Организация отклонила заявку ({application.child.first_name}) в {_where(application)}. "
        f"Причина: {_sentence(application.reason)}",
    )


def expired(application: Application) -> None:
    _parent(
        application,
        "Срок оферты истёк",
        f"Оферту договора по заявке ({application.child.first_name}) в {_where(application)} не "
        "приняли вовремя, поэтому место передано следующему в очереди. Если места ещё есть, "
        "можно подать новую заявку.",
    )


def withdrawn_by_provider(application: Application, *, on_text: str) -> None:
    _parent(
        application,
        "Ребёнок отчислен из группы",
        f"Организация отчислила ребёнка ({application.child.first_name}) из группы "
        f"{_where(application)} с {on_text}. Причина: {_sentence(application.reason)} "
        "Неиспользованный резерв сертификата освобождён.",
    )


def submitted(application: Application) -> None:
    _provider_admins(
        application,
        "Новая заявка",
        f"Новая заявка №{application.pk} в {_where(application)}: "
        f"{_sentence(application.child.initials_name)} "
        f"Состояние: {application.get_status_display()}.",
    )


def cancelled_by_parent(application: Application) -> None:
    _provider_admins(
        application,
        "Заявка отозвана",
        f"Родитель отозвал заявку №{application.pk} в {_where(application)}: "
        f"{_sentence(application.child.initials_name)}",
    )


def withdrawn_by_parent(application: Application, *, on_text: str) -> None:
    _provider_admins(
        application,
        "Отчисление по заявлению родителя",
        f"Родитель отчислил ребёнка ({application.child.initials_name}) из группы "
        f"{_where(application)} с {on_text}. Причина: {_sentence(application.reason)}",
    )
