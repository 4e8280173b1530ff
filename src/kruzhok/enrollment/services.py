"""Enrolment: applications, the contract offer and its acceptance.

Each transition is one function that checks the current state, records who did it and when,
and refuses an illegal move with `EnrollmentError` (a Russian message fit for a person).
Seats are taken and released only through the catalog's conditional updates, so a group is
never overbooked; money moves only through the certificates ledger.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog import services as catalog_services
from kruzhok.catalog.models import (
    FinancingSource,
    Group,
    LessonStatus,
    ProgramState,
    ProviderStatus,
    StaffRole,
)
from kruzhok.certificates import ledger
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.models import CertificateStatus
from kruzhok.common.services import audit_record, sequence_next
from kruzhok.enrollment.models import (
    LIVE_STATUSES,
    SEAT_STATUSES,
    Application,
    ApplicationStatus,
    Contract,
)
from kruzhok.families.models import Child


class EnrollmentError(Exception):
    """A refused enrolment action; `str(error)` says in Russian what happened and what to do."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _is_guardian(user: User, child: Child) -> bool:
    return child.guardianships.filter(user=user).exists()


def provider_role_of(*, user: User, provider_id: int) -> str | None:
    """The user's staff role at the provider, or None."""
    return (
        user.provider_roles.filter(provider_id=provider_id).values_list("role", flat=True).first()
    )


def _check_provider_staff(user: User, application: Application) -> None:
    role = provider_role_of(user=user, provider_id=application.group.program.provider_id)
    if role != StaffRole.ADMIN and application.group.teacher_id != user.pk:
        raise EnrollmentError("Эта заявка подана в другую организацию: решение по ней недоступно.")


def _set_status(
    application: Application, status: ApplicationStatus, *, actor: User | None, reason: str = ""
) -> None:
    application.status = status
    application.status_changed_at = timezone.now()
    application.status_changed_by = actor
    if reason:
        application.reason = reason
    application.save(update_fields=["status", "status_changed_at", "status_changed_by", "reason"])


def _locked(application: Application) -> Application:
    """Re-read the application under a row lock (PostgreSQL; SQLite serialises writers)."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("group__program__provider", "child")
        .get(pk=application.pk)
    )


def _certificate_programs_in_use(child: Child) -> int:
    return (
        Application.objects.filter(
            child=child,
            status__in=SEAT_STATUSES,
            group__program__financing_source=FinancingSource.CERTIFICATE,
        )
        .values("group__program")
        .distinct()
        .count()
    )


def application_submit(
    *, parent: User, child: Child, group: Group, today: datetime.date | None = None
) -> Application:
    """Submit an application of a parent's child to a group.

    Refused with a clear reason when the child is not the parent's, the program or provider is
    not published/approved, enrolment is closed, the child's age at the group's start is out of
    the program's range, the child already has a live application in the group, the per-child
    limit of certificate-paid programs is reached, or the group has no free seat. With
    auto-accept on, a free seat is taken at once. `today` is for back-filled data and tests.
    """
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        group = Group.objects.select_related("program__provider").get(pk=group.pk)
        program = group.program
        if not _is_guardian(parent, child):
            raise EnrollmentError("Выберите своего ребёнка.", field="child")
        if (
            program.state != ProgramState.PUBLISHED
            or program.provider.status != ProviderStatus.APPROVED
        ):
            raise EnrollmentError("Программа сейчас не принимает заявки: она не опубликована.")
        if not group.enrollment_open or group.end_date < today:
            raise EnrollmentError("Запись в эту группу закрыта.")
        age = child.age_on(group.start_date)
        if not program.age_min <= age <= program.age_max:
            raise EnrollmentError(
                f"Программа рассчитана на детей {program.age_min}–{program.age_max} лет, а "
                f"{child.first_name} на начало занятий ({group.start_date:%d.%m.%Y}) будет "
                f"{_years(age)}. Выберите программу по возрасту.",
                field="child",
            )
        if Application.objects.filter(child=child, group=group, status__in=LIVE_STATUSES).exists():
            raise EnrollmentError(
                f"{child.first_name} уже записан(а) в эту группу: заявка есть в личном кабинете.",
                field="child",
            )
        if program.financing_source == FinancingSource.CERTIFICATE:
            financing = certificate_services.financing_program_current(
                municipality=child.municipality_id, day=today
            )
            limit = financing.max_programs_per_child if financing else None
            if limit is not None and _certificate_programs_in_use(child) >= limit:
                raise EnrollmentError(
                    f"По сертификату можно одновременно заниматься не более чем по {limit} "
                    "программам. Чтобы записаться сюда, сначала завершите одну из текущих.",
                    field="child",
                )
        if group.free_seats <= 0:
            raise EnrollmentError("В группе не осталось свободных мест. Выберите другую группу.")
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    child=child, group=group, applicant=parent, status_changed_by=parent
                )
        except IntegrityError as exc:
            # A double click raced itself: the unique live-application index kept one.
            raise EnrollmentError(
                f"{child.first_name} уже записан(а) в эту группу: заявка есть в личном кабинете.",
                field="child",
            ) from exc
        audit_record(actor=parent, action="application_submit", obj=application)
        if group.auto_accept:
            _take_seat_and_accept(application, actor=None)
        return application


def _years(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} год"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} года"
    return f"{n} лет"


def _take_seat_and_accept(application: Application, *, actor: User | None) -> None:
    if not catalog_services.group_seat_take(group_id=application.group_id):
        raise EnrollmentError("В группе не осталось свободных мест.")
    application.offer_expires_at = timezone.now() + datetime.timedelta(
        days=settings.KRUZHOK_OFFER_VALID_DAYS
    )
    application.save(update_fields=["offer_expires_at"])
    _set_status(application, ApplicationStatus.ACCEPTED, actor=actor)
    audit_record(actor=actor, action="application_accept", obj=application)


def application_accept(*, actor: User, application: Application) -> Application:
    """The provider confirms a submitted application: a seat is taken and the offer opens."""
    with transaction.atomic(durable=True):
        application = _locked(application)
        _check_provider_staff(actor, application)
        if application.status != ApplicationStatus.SUBMITTED:
            raise EnrollmentError(
                f"Заявка уже в состоянии «{application.get_status_display()}»: "
                "принять можно только новую заявку."
            )
        _take_seat_and_accept(application, actor=actor)
        return application


def application_reject(*, actor: User, application: Application, reason: str) -> Application:
    """The provider declines a submitted application, with a reason the parent will read."""
    reason = reason.strip()
    if not reason:
        raise EnrollmentError("Укажите причину отказа: её увидит родитель.", field="reason")
    with transaction.atomic(durable=True):
        application = _locked(application)
        _check_provider_staff(actor, application)
        if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED):
            raise EnrollmentError(
                f"Заявка уже в состоянии «{application.get_status_display()}»: отклонить её нельзя."
            )
        if application.status == ApplicationStatus.ACCEPTED:
            catalog_services.group_seat_release(group_id=application.group_id)
        _set_status(application, ApplicationStatus.REJECTED, actor=actor, reason=reason)
        audit_record(actor=actor, action="application_reject", obj=application, reason=reason)
        return application


def application_cancel(*, parent: User, application: Application) -> Application:
    """The parent withdraws an application before the contract; a taken seat is freed."""
    with transaction.atomic(durable=True):
        application = _locked(application)
        if not _is_guardian(parent, application.child):
            raise EnrollmentError("Это заявка другой семьи.")
        if application.status not in (
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.ACCEPTED,
            ApplicationStatus.WAITLISTED,
        ):
            raise EnrollmentError(
                f"Заявка в состоянии «{application.get_status_display()}» не может быть отозвана."
            )
        if application.status == ApplicationStatus.ACCEPTED:
            catalog_services.group_seat_release(group_id=application.group_id)
        _set_status(application, ApplicationStatus.CANCELLED, actor=parent)
        audit_record(actor=parent, action="application_cancel", obj=application)
        return application


@dataclass(frozen=True)
class Offer:
    """The contract offer as the parent sees it before accepting (kopecks)."""

    start_date: datetime.date
    end_date: datetime.date
    lessons: int
    total_hours: int
    price_per_hour: int
    total_cost: int
    certificate_part: int
    parent_part: int
    uses_certificate: bool
    certificate_note: str


def offer_compute(*, application: Application, today: datetime.date | None = None) -> Offer:
    """What the contract would say if accepted today; nothing is written.

    Total cost = price per hour × hours of all the group's planned lessons from the contract
    start; certificate part = min(total cost, money available on the certificate).
    """
    today = today or timezone.localdate()
    group = application.group
    program = group.program
    start = max(group.start_date, today)
    lessons = list(
        group.lessons.filter(date__gte=start, status=LessonStatus.PLANNED).values_list(
            "hours", flat=True
        )
    )
    total_hours = sum(lessons)
    total_cost = program.price_per_hour * total_hours
    uses_certificate = program.financing_source == FinancingSource.CERTIFICATE
    available, note = _certificate_money_for_offer(application.child, today, uses_certificate)
    certificate_part = min(total_cost, available) if uses_certificate else 0
    return Offer(
        start_date=start,
        end_date=group.end_date,
        lessons=len(lessons),
        total_hours=total_hours,
        price_per_hour=program.price_per_hour,
        total_cost=total_cost,
        certificate_part=certificate_part,
        parent_part=total_cost - certificate_part,
        uses_certificate=uses_certificate,
        certificate_note=note,
    )


def _certificate_money_for_offer(
    child: Child, today: datetime.date, uses_certificate: bool
) -> tuple[int, str]:
    """Money the certificate will have at signing: its available amount, or the nominal it
    would be credited with if it is not funded yet (quota and budget permitting)."""
    if not uses_certificate:
        return 0, ""
    from kruzhok.certificates.selectors import certificate_money

    certificate = getattr(child, "certificate", None)
    if certificate is not None and certificate.status == CertificateStatus.FUNDED:
        return certificate_money(certificate=certificate).available, ""
    financing = certificate_services.financing_program_current(
        municipality=child.municipality_id, day=today
    )
    if financing is None:
        return 0, "В муниципалитете сейчас нет действующей программы финансирования."
    nominal = certificate_services.nominal_for(financing_program=financing, child=child)
    if nominal is None:
        return 0, "Возраст ребёнка не входит в возрастные группы программы финансирования."
    if financing.funded_count >= financing.max_funded_certificates:
        return 0, "Лимит сертификатов персонифицированного финансирования исчерпан."
    return nominal, "Сертификат будет выдан и пополнен при заключении договора."


def contract_accept(
    *,
    parent: User,
    application: Application,
    ip_address: str | None = None,
    user_agent: str = "",
    today: datetime.date | None = None,
) -> Contract:
    """The parent accepts the offer: the contract is concluded with the figures of this moment.

    In one transaction: the certificate is issued (and funded, if the quota and budget allow)
    when the program is certificate-paid, the certificate part is reserved on it, and the
    application becomes contracted (active if the group has already started). Accepting twice
    is refused; nothing is half-saved. `today` is for back-filled data and tests.
    """
    with transaction.atomic(durable=True):
        application = _locked(application)
        if not _is_guardian(parent, application.child):
            raise EnrollmentError("Это заявка другой семьи.")
        if application.status in (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE):
            raise EnrollmentError("Оферта уже принята: договор заключён.")
        if application.status != ApplicationStatus.ACCEPTED:
            raise EnrollmentError(
                f"Заявка в состоянии «{application.get_status_display()}»: принять оферту нельзя."
            )
        now = timezone.now()
        if application.offer_expires_at and application.offer_expires_at < now:
            raise EnrollmentError(
                "Срок действия оферты истёк. Подайте новую заявку, если места ещё есть."
            )
        today = today or timezone.localdate()
        group = application.group
        program = group.program
        certificate = None
        if program.financing_source == FinancingSource.CERTIFICATE:
            certificate = certificate_services.certificate_issue(child=application.child)
            financing = certificate_services.financing_program_current(
                municipality=application.child.municipality_id, day=today
            )
            if financing is not None and certificate.status != CertificateStatus.FUNDED:
                certificate = certificate_services.certificate_fund(
                    certificate=certificate, financing_program=financing
                )
        offer = offer_compute(application=application, today=today)
        if offer.total_hours == 0:
            raise EnrollmentError("В группе не осталось занятий: договор заключить нельзя.")
        year = today.year
        contract = Contract.objects.create(
            application=application,
            number=f"{year}-{sequence_next(name=f'contract:{year}'):06d}",
            certificate=certificate,
            start_date=offer.start_date,
            end_date=offer.end_date,
            price_per_hour=offer.price_per_hour,
            total_hours=offer.total_hours,
            total_cost=offer.total_cost,
            certificate_part=offer.certificate_part,
            parent_part=offer.parent_part,
            accepted_at=now,
            accepted_by=parent,
            accepted_ip=ip_address,
            accepted_user_agent=user_agent[:300],
        )
        if certificate is not None and offer.certificate_part > 0:
            try:
                contract.hold = ledger.hold_create(
                    certificate=certificate,
                    provider=program.provider,
                    amount=offer.certificate_part,
                    cause=f"contract:{contract.pk}",
                    key=f"hold:contract:{contract.pk}",
                )
            except ledger.InsufficientFunds as exc:
                raise EnrollmentError(
                    "Свободных средств сертификата стало меньше, чем в оферте: обновите "
                    "страницу и проверьте условия ещё раз."
                ) from exc
            contract.save(update_fields=["hold"])
        status = (
            ApplicationStatus.ACTIVE
            if contract.start_date <= today
            else ApplicationStatus.CONTRACTED
        )
        _set_status(application, status, actor=parent)
        audit_record(
            actor=parent,
            action="contract_accept",
            obj=contract,
            ip_address=ip_address,
            total_cost=contract.total_cost,
            certificate_part=contract.certificate_part,
        )
        return contract
