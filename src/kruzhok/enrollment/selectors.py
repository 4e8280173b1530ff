import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog.group_access import group_staff_scope
from kruzhok.catalog.models import FinancingSource, Group, ScheduleSlot, Weekday
from kruzhok.certificates.selectors import certificate_reach_refusal
from kruzhok.common.search import text_contains
from kruzhok.enrollment import program_windows
from kruzhok.enrollment.models import (
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    Charge,
    Contract,
    EnrollmentWindow,
)
from kruzhok.families.models import Child

_RELATED = ("group__program__provider", "group__teacher", "child", "contract")


def _local(moment: datetime.datetime) -> str:
    """«25.08.2026 в 09:00», in Moscow time whatever the database returned."""
    return f"{timezone.localtime(moment):%d.%m.%Y в %H:%M}"


# Applications ---------------------------------------------------------------------------------


def application_list_for_child(*, child: Child) -> QuerySet[Application]:
    return Application.objects.filter(child=child).select_related(*_RELATED)


def application_list_for_parent(*, user: User) -> QuerySet[Application]:
    return Application.objects.filter(child__guardianships__user=user).select_related(*_RELATED)


def application_get_for_parent(*, user: User, pk: int) -> Application:
    """The application of one of the user's children, with its child, the child's
    certificate and the contract, then its group with the program, provider and teacher;
    404 for anyone else's.

    Two short joins (the group's in a prefetch) rather than one of nine tables: PostgreSQL
    spent 5 ms planning that one, 0.5 ms running it. Every applicant lands on this page."""
    group = Prefetch("group", Group.objects.select_related("program__provider", "teacher"))
    try:
        return (
            Application.objects.filter(child__guardianships__user=user)
            .select_related("child__certificate", "contract")
            .prefetch_related(group)
            .get(pk=pk)
        )
    except Application.DoesNotExist:
        raise Http404("Заявка не найдена") from None


def _staff_scope(user: User) -> Q:
    return group_staff_scope(user=user, path="group__")


def application_queue_for_staff(
    *,
    user: User,
    status: str = "",
    group_id: int | None = None,
    overdue: bool = False,
    today: datetime.date | None = None,
) -> QuerySet[Application]:
    """Applications a provider's staff member may decide on: all of the provider's groups for
    its administrators, the teacher's own groups for a teacher. Oldest first (first come,
    first served); each row carries `is_overdue`: submitted and not decided within three
    working days."""
    today = today or timezone.localdate()
    overdue_q = Q(status=ApplicationStatus.SUBMITTED, decide_by__lt=today)
    queryset = (
        Application.objects.filter(_staff_scope(user))
        .select_related(*_RELATED)
        .annotate(
            is_overdue=Case(
                When(overdue_q, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
    )
    if status:
        queryset = queryset.filter(status=status)
    if group_id is not None:
        queryset = queryset.filter(group_id=group_id)
    if overdue:
        queryset = queryset.filter(overdue_q)
    return queryset.order_by("created_at", "pk")


def application_get_for_staff(*, user: User, pk: int) -> Application:
    application = application_queue_for_staff(user=user).filter(pk=pk).first()
    if application is None:
        raise Http404("Заявка не найдена")
    return application


def group_list_for_staff(*, user: User) -> QuerySet[Group]:
    """Groups whose applications the staff member sees (for the queue's filter)."""
    return (
        Group.objects.filter(group_staff_scope(user=user))
        .select_related("program")
        .order_by("program__title", "name")
    )


def certificate_reach_notes(
    *, children: list[Child], group: Group, day: datetime.date
) -> list[str]:
    """What the parent is told before applying: why the certificates of their children's
    municipality may not pay this group's provider, once per municipality; none for a
    group not paid by certificate or a provider the certificates may pay."""
    if group.program.financing_source != FinancingSource.CERTIFICATE:
        return []
    notes: list[str] = []
    for municipality_id in sorted({child.municipality_id for child in children}):
        note = certificate_reach_refusal(
            child_municipality_id=municipality_id,
            provider_municipality_id=group.program.provider.municipality_id,
            day=day,
        )
        if note is not None:
            notes.append(note)
    return notes


def waitlist(*, group: Group) -> QuerySet[Application]:
    """The group's waiting line, first come first served."""
    return Application.objects.filter(group=group, status=ApplicationStatus.WAITLISTED).order_by(
        "created_at", "pk"
    )


def waitlist_position(*, application: Application) -> int | None:
    """1 for the first in line; None when the application is not waiting."""
    if application.status != ApplicationStatus.WAITLISTED:
        return None
    ahead = Application.objects.filter(
        Q(created_at__lt=application.created_at)
        | Q(created_at=application.created_at, pk__lt=application.pk),
        group_id=application.group_id,
        status=ApplicationStatus.WAITLISTED,
    ).count()
    return ahead + 1


@dataclass(frozen=True)
class NextStep:
    text: str
    is_action: bool = False


def application_next_step(*, application: Application) -> NextStep:
    """What the parent should do next, in one sentence."""
    status = application.status
    contract = getattr(application, "contract", None)
    if status == ApplicationStatus.SUBMITTED:
        until = f" до {application.decide_by:%d.%m.%Y}" if application.decide_by else ""
        return NextStep(f"Заявку рассматривает организация{until}. Мы сообщим о решении.")
    if status == ApplicationStatus.ACCEPTED:
        deadline = application.offer_expires_at
        if deadline is not None and deadline <= timezone.now():
            return NextStep(
                "Срок действия оферты истёк. Если места ещё есть, подайте новую заявку."
            )
        until = f" до {_local(deadline)}" if deadline else ""
        return NextStep(f"Место за ребёнком. Примите оферту договора{until}.", is_action=True)
    if status == ApplicationStatus.CONTRACTED:
        start = f" {contract.start_date:%d.%m.%Y}" if contract else ""
        return NextStep(f"Договор заключён. Занятия начнутся{start} по расписанию группы.")
    if status == ApplicationStatus.ACTIVE:
        return NextStep("Ребёнок занимается. Списания видны на странице сертификата.")
    if status == ApplicationStatus.WAITLISTED:
        position = waitlist_position(application=application)
        return NextStep(
            f"Заявка в листе ожидания, место в очереди — {position}. Когда место освободится, "
            "заявка будет принята автоматически, и мы сразу сообщим."
        )
    if status == ApplicationStatus.REJECTED:
        return NextStep(f"Организация отклонила заявку: {application.reason}")
    if status == ApplicationStatus.WITHDRAWN:
        since = (
            f" с {contract.terminated_on:%d.%m.%Y}" if contract and contract.terminated_on else ""
        )
        reason = f" Причина: {application.reason}" if application.reason else ""
        return NextStep(f"Ребёнок отчислен из группы{since}.{reason}")
    if status == ApplicationStatus.FINISHED:
        return NextStep("Обучение по программе завершено. Выберите следующий кружок в каталоге.")
    if status == ApplicationStatus.CANCELLED:
        return NextStep("Заявка отозвана. Если передумаете, подайте новую, пока запись открыта.")
    if status == ApplicationStatus.EXPIRED:
        return NextStep(
            "Оферту не приняли вовремя, и место передано следующему в очереди. "
            "Если места ещё есть, подайте новую заявку."
        )
    return NextStep("Заявка закрыта.")


# Enrolment windows ----------------------------------------------------------------------------


class EnrollmentState(NamedTuple):
    """Whether a group takes applications now, and the sentence that says so."""

    is_open: bool
    message: str


def enrollment_window_for_group(*, group: Group) -> EnrollmentWindow | None:
    """The window that governs the group: its own, else its program's, else None."""
    windows = EnrollmentWindow.objects.filter(Q(group_id=group.pk) | Q(program_id=group.program_id))
    chosen = None
    for window in windows:
        if window.group_id is not None:
            return window
        chosen = window
    return chosen


def enrollment_states_of_program(
    program_id: int, groups: list[Group]
) -> dict[int, EnrollmentState]:
    """Each of the program's groups open or closed now, by group id, in one query (the
    program page's, catalog.program_page)."""
    program_window, by_group = program_windows.enrollment_windows_of_program(
        program_id=program_id, group_ids=[group.pk for group in groups]
    )
    now = timezone.now()
    return {
        group.pk: enrollment_state(group, by_group.get(group.pk, program_window), now=now)
        for group in groups
    }


def enrollment_state_for_group(
    group: Group, *, now: datetime.datetime | None = None
) -> EnrollmentState:
    """Open or closed now, with the message the catalogue and the apply page show."""
    return enrollment_state(group, enrollment_window_for_group(group=group), now=now)


def enrollment_state(
    group: Group, window: EnrollmentWindow | None, *, now: datetime.datetime | None = None
) -> EnrollmentState:
    """The state of a group under the window that governs it (see the selector above).

    The group's manual switch closes it whatever the window says; a window opening later
    says when («Запись откроется 25.08.2026 в 09:00»).
    """
    now = now or timezone.now()
    if not group.enrollment_open or group.end_date < timezone.localdate(now):
        return EnrollmentState(False, "Запись закрыта")
    if window is not None:
        if window.opens_at is not None and now < window.opens_at:
            return EnrollmentState(False, f"Запись откроется {_local(window.opens_at)}")
        if window.closes_at is not None and now >= window.closes_at:
            return EnrollmentState(False, f"Запись закрыта {_local(window.closes_at)}")
        if window.closes_at is not None:
            return EnrollmentState(True, f"Запись открыта до {_local(window.closes_at)}")
    return EnrollmentState(True, "Запись открыта")


# Schedule clashes -----------------------------------------------------------------------------

ACADEMIC_HOUR = datetime.timedelta(minutes=45)


def _span(slot: ScheduleSlot) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(datetime.date(2000, 1, 1), slot.start_time)
    return start, start + ACADEMIC_HOUR * slot.hours


def _hhmm(moment: datetime.datetime) -> str:
    return f"{moment:%H:%M}"


def schedule_clashes(*, child: Child, group: Group) -> list[str]:
    """Warnings (not refusals) for each of the child's other groups that meet at the same time.

    Two slots clash on the same weekday when their times overlap (an academic hour is 45
    minutes) and the groups' periods overlap. Other groups are those with a live application.
    """
    slots = list(group.schedule.all())
    if not slots:
        return []
    live_elsewhere = Application.objects.filter(child=child, status__in=LIVE_STATUSES).exclude(
        group=group
    )
    others = (
        ScheduleSlot.objects.filter(
            group__in=live_elsewhere.values("group_id"),
            group__start_date__lte=group.end_date,
            group__end_date__gte=group.start_date,
        )
        .select_related("group__program")
        .only("weekday", "start_time", "hours", "group__name", "group__program__title")
        .order_by("group_id", "weekday", "start_time")
    )
    warnings = []
    for _, theirs_all in itertools.groupby(others, key=lambda slot: slot.group_id):
        other_slots = list(theirs_all)
        for mine in slots:
            for theirs in other_slots:
                if mine.weekday != theirs.weekday:
                    continue
                a_start, a_end = _span(mine)
                b_start, b_end = _span(theirs)
                if a_start < b_end and b_start < a_end:
                    warnings.append(
                        f"{Weekday(mine.weekday).label.capitalize()}: здесь "
                        f"{_hhmm(a_start)}–{_hhmm(a_end)}, а в «{theirs.group.program.title}» "
                        f"({theirs.group.name}) {_hhmm(b_start)}–{_hhmm(b_end)}."
                    )
    return warnings


# Registers -------------------------------------------------------------------------------------


ENDED_STATUSES = (ApplicationStatus.FINISHED, ApplicationStatus.WITHDRAWN)


class ContractState(models.TextChoices):
    """The register's filter: a contract in force, or one that has ended."""

    IN_FORCE = "in_force", "Действует"
    ENDED = "ended", "Завершён или расторгнут"


def _in_municipalities(municipality_ids: Sequence[int], *, page: bool = False) -> Q:
    # A child may learn with a provider of another municipality: both operators see it, the
    # child's (who funds the certificate) and the provider's (who oversees the provider).
    # For counting and exporting, two IN-subqueries, not an OR across two chains of joins:
    # PostgreSQL answers them with hashed subplans over one scan of the contracts. For a page,
    # two correlated EXISTS: PostgreSQL then walks the contracts' primary key backwards and
    # stops after the page (at 150,000 contracts: 3 ms, where the hashed plan joined every
    # contract before sorting, 460 ms), though a count that way probes every row (1.2 s).
    children = Child.objects.filter(municipality_id__in=municipality_ids)
    groups = Group.objects.filter(program__provider__municipality_id__in=municipality_ids)
    if page:
        return Exists(children.filter(pk=OuterRef("application__child_id"))) | Exists(
            groups.filter(pk=OuterRef("application__group_id"))
        )
    return Q(application__child_id__in=children.values("pk")) | Q(
        application__group_id__in=groups.values("pk")
    )


def contract_register(
    *,
    municipality_ids: Sequence[int],
    query: str = "",
    state: str = "",
    provider_id: int | None = None,
    page: bool = False,
) -> QuerySet[Contract]:
    """Contracts of the municipalities' children or providers, newest first; `query` finds a
    contract number, a child's surname or a program's title. `page`: the same rows, in a form
    for reading a slice (a page) rather than counting or reading them all."""
    contracts = (
        Contract.objects.filter(_in_municipalities(municipality_ids, page=page))
        .select_related(
            "application__child",
            "application__group__program__provider",
            "certificate",
        )
        .defer("accepted_ip", "accepted_user_agent")
    )
    if query.strip():
        contracts = contracts.filter(
            Q(number__startswith=query.strip())
            | text_contains(
                ("application__child__last_name", "application__group__program__title"), query
            )
        )
    ended = Q(application__status__in=ENDED_STATUSES)
    if state == ContractState.IN_FORCE:
        contracts = contracts.exclude(ended)
    elif state == ContractState.ENDED:
        contracts = contracts.filter(ended)
    if provider_id is not None:
        contracts = contracts.filter(application__group__program__provider_id=provider_id)
    # Newest first by key: a contract is created when its offer is accepted, so this is the
    # order of acceptance, read backwards along the primary key's index (sorting a region's
    # contracts by `accepted_at` took seconds).
    return contracts.order_by("-pk")


def application_overdue_list(
    *, municipality_ids: Sequence[int], today: datetime.date
) -> QuerySet[Application]:
    """Applications to the municipalities' providers still undecided past their deadline
    (three working days), oldest deadline first."""
    return (
        Application.objects.filter(
            group__program__provider__municipality_id__in=municipality_ids,
            status=ApplicationStatus.SUBMITTED,
            decide_by__lt=today,
        )
        .select_related("child", "group__program__provider")
        .order_by("decide_by", "created_at", "pk")
    )


# Charges behind a certificate's operations ----------------------------------------------------


@dataclass(frozen=True)
class ChargeFacts:
    """What a certificate's debit (or its reversal) paid for: the lesson (or month) and how its
    value was split (kopecks)."""

    day: datetime.date  # the lesson's date, or the first day of the month paid monthly
    lesson_value: int
    certificate_amount: int
    parent_amount: int
    is_reversal: bool


def charges_by_transfer(*, transfer_ids: list[int]) -> dict[int, ChargeFacts]:
    """The charges whose ledger transfers (debits or their reversals) are among `transfer_ids`,
    by transfer id; one query."""
    charges = (
        Charge.objects.filter(Q(transfer_id__in=transfer_ids) | Q(reversal_id__in=transfer_ids))
        .select_related("lesson")
        .only(
            "transfer_id",
            "reversal_id",
            "month",
            "lesson_value",
            "certificate_amount",
            "parent_amount",
            "lesson__date",
        )
    )
    facts: dict[int, ChargeFacts] = {}
    for charge in charges:
        day = charge.lesson.date if charge.lesson is not None else charge.month
        assert day is not None  # a charge is for a lesson or for a month
        for transfer_id, is_reversal in ((charge.transfer_id, False), (charge.reversal_id, True)):
            if transfer_id is not None:
                facts[transfer_id] = ChargeFacts(
                    day=day,
                    lesson_value=charge.lesson_value,
                    certificate_amount=charge.certificate_amount,
                    parent_amount=charge.parent_amount,
                    is_reversal=is_reversal,
                )
    return facts
