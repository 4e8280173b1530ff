"""An application's life as the parent's cabinet shows it: the steps done, the one now, and
the deadline that matters («оферта действует до 03.12, осталось 2 дня»). Reads only."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.enrollment.models import LIVE_STATUSES, Application, ApplicationStatus
from kruzhok.enrollment.selectors import application_list_for_parent, waitlist_position


@dataclass(frozen=True)
class Step:
    label: str
    on: datetime.date | None = None
    done: bool = True
    note: str = ""
    is_action: bool = False  # the parent has something to do


@dataclass(frozen=True)
class Timeline:
    application: Application
    steps: list[Step]

    @property
    def current(self) -> Step:
        return next((s for s in self.steps if not s.done), self.steps[-1])

    @property
    def needs_parent(self) -> bool:
        return any(s.is_action for s in self.steps)


def _ordinal_position(position: int) -> str:
    return f"вы {position}-й в очереди"


def days_left_text(deadline: datetime.datetime, now: datetime.datetime) -> str:
    """«осталось 2 дня», «остался 1 день», «истекает сегодня в 18:00», by calendar days in
    Moscow time."""
    local = timezone.localtime(deadline)
    days = (local.date() - timezone.localtime(now).date()).days
    if days <= 0:
        return f"истекает сегодня в {local:%H:%M}"
    if days % 10 == 1 and days % 100 != 11:
        return f"остался {days} день"
    if 2 <= days % 10 <= 4 and not 12 <= days % 100 <= 14:
        return f"осталось {days} дня"
    return f"осталось {days} дней"


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def application_timeline(
    *, application: Application, now: datetime.datetime | None = None
) -> Timeline:
    """The application's steps with their dates; the last undone one is where it stands."""
    now = now or timezone.now()
    status = application.status
    changed = _local_date(application.status_changed_at)
    contract = getattr(application, "contract", None)
    steps = [Step("Заявка подана", _local_date(application.created_at))]
    if status == ApplicationStatus.SUBMITTED:
        note = f"ответ до {application.decide_by:%d.%m}" if application.decide_by else ""
        steps.append(Step("Организация рассматривает заявку", done=False, note=note))
        steps.append(Step("Оферта договора", done=False))
    elif status == ApplicationStatus.WAITLISTED:
        position = waitlist_position(application=application)
        steps.append(
            Step(
                "Лист ожидания",
                done=False,
                note=_ordinal_position(position) if position else "",
            )
        )
        steps.append(Step("Оферта договора", done=False))
    elif status == ApplicationStatus.ACCEPTED:
        steps.append(Step("Заявка принята, место закреплено", changed))
        deadline = application.offer_expires_at
        if deadline is not None and deadline > now:
            local = timezone.localtime(deadline)
            steps.append(
                Step(
                    "Примите оферту договора",
                    done=False,
                    note=f"оферта действует до {local:%d.%m}, {days_left_text(deadline, now)}",
                    is_action=True,
                )
            )
        else:
            steps.append(Step("Срок оферты истёк", done=False))
    elif status in (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE):
        if contract is not None:
            steps.append(Step("Договор заключён", _local_date(contract.accepted_at)))
            started = status == ApplicationStatus.ACTIVE
            steps.append(
                Step(
                    "Занятия идут" if started else "Начало занятий",
                    contract.start_date,
                    done=started,
                    note="" if started else f"с {contract.start_date:%d.%m.%Y}",
                )
            )
    else:
        labels = {
            ApplicationStatus.REJECTED: "Организация отклонила заявку",
            ApplicationStatus.CANCELLED: "Заявка отозвана",
            ApplicationStatus.EXPIRED: "Оферта не принята вовремя",
            ApplicationStatus.WITHDRAWN: "Ребёнок отчислен",
            ApplicationStatus.FINISHED: "Обучение завершено",
        }
        steps.append(Step(labels.get(ApplicationStatus(status), "Заявка закрыта"), changed))
    return Timeline(application=application, steps=steps)


def live_timelines_for_parent(
    *, user: User, now: datetime.datetime | None = None
) -> list[Timeline]:
    """The timelines of the user's children's live applications, oldest first."""
    applications = application_list_for_parent(user=user).filter(status__in=LIVE_STATUSES)
    return [
        application_timeline(application=application, now=now)
        for application in applications.order_by("created_at", "pk")
    ]
