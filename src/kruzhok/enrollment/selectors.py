from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from kruzhok.accounts.models import User
from kruzhok.catalog.models import StaffRole
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.families.models import Child

_RELATED = ("group__program__provider", "group__teacher", "child", "contract")


def application_list_for_child(*, child: Child) -> QuerySet[Application]:
    return Application.objects.filter(child=child).select_related(*_RELATED)


def application_list_for_parent(*, user: User) -> QuerySet[Application]:
    return Application.objects.filter(child__guardianships__user=user).select_related(*_RELATED)


def application_get_for_parent(*, user: User, pk: int) -> Application:
    """The application of one of the user's children; 404 for anyone else's."""
    application = application_list_for_parent(user=user).filter(pk=pk).first()
    if application is None:
        raise Http404("Заявка не найдена")
    return application


def application_queue_for_staff(*, user: User, status: str = "") -> QuerySet[Application]:
    """Applications a provider's staff member may decide on: all of the provider's groups for
    its administrators, the teacher's own groups for a teacher."""
    admin_of = user.provider_roles.filter(role=StaffRole.ADMIN).values("provider_id")
    queryset = Application.objects.filter(
        Q(group__program__provider_id__in=admin_of) | Q(group__teacher=user)
    ).select_related(*_RELATED)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("created_at", "pk")


def application_get_for_staff(*, user: User, pk: int) -> Application:
    application = application_queue_for_staff(user=user).filter(pk=pk).first()
    if application is None:
        raise Http404("Заявка не найдена")
    return application


@dataclass(frozen=True)
class NextStep:
    text: str
    is_action: bool = False


def application_next_step(*, application: Application) -> NextStep:
    """What the parent should do next, in one sentence."""
    status = application.status
    if status == ApplicationStatus.SUBMITTED:
        return NextStep("Заявку рассматривает организация. Мы сообщим о решении.")
    if status == ApplicationStatus.ACCEPTED:
        deadline = application.offer_expires_at
        until = f" до {deadline:%d.%m.%Y}" if deadline else ""
        return NextStep(f"Место за ребёнком. Примите оферту договора{until}.", is_action=True)
    if status == ApplicationStatus.CONTRACTED:
        return NextStep("Договор заключён. Занятия начнутся по расписанию группы.")
    if status == ApplicationStatus.ACTIVE:
        return NextStep("Ребёнок занимается. Списания видны на странице сертификата.")
    if status == ApplicationStatus.WAITLISTED:
        return NextStep("Вы в листе ожидания: когда место освободится, мы сообщим.")
    if status == ApplicationStatus.REJECTED:
        return NextStep(f"Организация отклонила заявку: {application.reason}")
    return NextStep("Заявка закрыта.")
