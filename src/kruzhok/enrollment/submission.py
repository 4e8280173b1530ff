"""Submission: a parent applies for a child's place in a group — the rush's hot path.

The checks read everything they need in one statement (`submission_facts`) and take no lock;
one short transaction then counts the child's programmes again under the child's row lock
(when the financing program limits them), takes the seat with the conditional UPDATE that
also locks the group's row (or locks the row to read its free seats), and inserts the
application in its final state with its audit rows and the parent's notification. The other
transitions of the application's life are in `services.py`, which re-exports this one.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog import seats
from kruzhok.catalog.models import FinancingSource, Group, Program, ProgramState
from kruzhok.certificates.selectors import certificate_reach_refusal
from kruzhok.common.services import AuditEntry, audit_record_many
from kruzhok.enrollment import notices, selectors
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.submission_facts import (
    SubmissionFacts,
    child_row_lock,
    other_certificate_programs_locked,
    program_applied_elsewhere,
    submission_facts,
)
from kruzhok.enrollment.workdays import working_day_add
from kruzhok.families.models import Child
from kruzhok.providers.models import ProviderStatus

# Working days the provider has to answer an application (not auto-accepted).
DECISION_WORKING_DAYS = 3


def _years(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} год"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} года"
    return f"{n} лет"


# What the child's live application in the group says, by its status: «записан(а)» only under
# a contract.
_ALREADY = {
    ApplicationStatus.SUBMITTED: "{name}: заявка в эту группу уже подана, организация её "
    "рассматривает. Она есть в личном кабинете.",
    ApplicationStatus.WAITLISTED: "{name} уже в листе ожидания этой группы: заявка пройдёт "
    "автоматически, когда освободится место.",
    ApplicationStatus.ACCEPTED: "{name}: заявка в эту группу уже принята — осталось принять "
    "оферту договора в личном кабинете.",
    ApplicationStatus.CONTRACTED: "{name} уже записан(а) в эту группу: договор заключён.",
    ApplicationStatus.ACTIVE: "{name} уже записан(а) в эту группу и занимается в ней.",
}


def _already_applied(child: Child, status: str | None = None) -> EnrollmentError:
    """The child already has a live application in the group (its status, if known)."""
    template = _ALREADY.get(
        ApplicationStatus(status) if status else ApplicationStatus.SUBMITTED,
        _ALREADY[ApplicationStatus.SUBMITTED],
    )
    return EnrollmentError(template.format(name=child.first_name), field="child")


def _other_group(child: Child) -> EnrollmentError:
    return EnrollmentError(
        f"{child.first_name}: в другой группе этой программы на те же даты уже есть заявка "
        "или договор, а заниматься по одной программе можно только в одной группе. Чтобы "
        "перейти в эту "
        "группу, сначала отзовите ту заявку или расторгните тот договор в личном кабинете.",
        field="child",
    )


def _age_refusal(
    child: Child, program: Program, start: datetime.date, today: datetime.date
) -> EnrollmentError | None:
    """The child's age when the contract would start (the group's start, or today if the group
    has started) is outside the program's range: said in the right tense."""
    age = child.age_on(start)
    if program.age_min <= age <= program.age_max:
        return None
    when = (
        f"сейчас {_years(age)}"
        if start <= today
        else f"к началу занятий ({start:%d.%m.%Y}) будет {_years(age)}"
    )
    return EnrollmentError(
        f"Программа рассчитана на детей {program.age_min}–{program.age_max} лет, а "
        f"{child.first_name} {when}. Выберите программу по возрасту.",
        field="child",
    )


def _submission_refusal(facts: SubmissionFacts, now: datetime.datetime) -> EnrollmentError | None:
    """Why the child cannot apply to the group now, or None."""
    group, child = facts.group, facts.child
    program = group.program
    if not facts.is_guardian:
        return EnrollmentError("Выберите своего ребёнка.", field="child")
    if (
        program.state != ProgramState.PUBLISHED
        or program.provider.status != ProviderStatus.APPROVED
    ):
        return EnrollmentError("Программа сейчас не принимает заявки: она не опубликована.")
    state = selectors.enrollment_state(group, facts.window, now=now)
    if not state.is_open:
        return EnrollmentError(f"{state.message}. Подать заявку в эту группу сейчас нельзя.")
    today = timezone.localdate(now)
    age_refusal = _age_refusal(child, program, max(group.start_date, today), today)
    if age_refusal is not None:
        return age_refusal
    if facts.status_here is not None:
        return _already_applied(child, facts.status_here)
    if facts.applied_in_program:
        return _other_group(child)
    if program.financing_source == FinancingSource.CERTIFICATE:
        # Rare (another municipality's provider), so read apart from the rush's one statement.
        reach = certificate_reach_refusal(
            child_municipality_id=child.municipality_id,
            provider_municipality_id=program.provider.municipality_id,
            day=timezone.localdate(now),
        )
        if reach is not None:
            return EnrollmentError(reach)
    if _limited(facts) and facts.other_certificate_programs >= (facts.programs_limit or 0):
        return _over_limit(facts)
    return None


def _limited(facts: SubmissionFacts) -> bool:
    """Whether the financing program's per-child limit applies to this submission."""
    return (
        facts.group.program.financing_source == FinancingSource.CERTIFICATE
        and facts.programs_limit is not None
    )


def _over_limit(facts: SubmissionFacts) -> EnrollmentError:
    return EnrollmentError(
        f"По сертификату можно одновременно подавать заявки и заниматься не более чем по "
        f"{facts.programs_limit} программам. Чтобы записаться сюда, отзовите одну из заявок "
        "или завершите обучение по одной из программ.",
        field="child",
    )


def application_submit(
    *, parent: User, child_id: int, group_id: int, today: datetime.date | None = None
) -> Application:
    """Submit an application of a parent's child to a group.

    Refused with a clear reason when the group or child does not exist, the child is not the
    parent's, the program or provider is not published/approved, enrolment is closed (switch
    or window), the child's age at the group's start is out of the program's range, the child
    already has a live application in the group (a double click included), or the per-child
    limit of certificate-paid programs is reached. A full group puts the application on its
    waiting line instead of refusing; with auto-accept on, a free seat is taken at once;
    otherwise the provider has three working days to decide. `today` is for back-filled data
    and tests.

    The rush path: the checks read everything in one statement without locks, then one short
    transaction takes the seat (a conditional UPDATE that also locks the group row) or, for a
    full group or one decided by a person, locks the row to read its free seats, and inserts
    the application in its final state. The row lock orders everyone behind the same group,
    so the waiting line is in arrival order and nobody waits while a seat is free.
    """
    now = timezone.now()
    if today is not None and today != timezone.localdate(now):
        now = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12, 0)))
    today = timezone.localdate(now)
    facts = submission_facts(user_id=parent.pk, child_id=child_id, group_id=group_id, today=today)
    if facts is None:
        if Group.objects.filter(pk=group_id).exists():
            raise EnrollmentError("Выберите ребёнка из списка.", field="child")
        raise EnrollmentError("Такой группы нет: выберите группу в каталоге.")
    refusal = _submission_refusal(facts, now)
    if refusal is not None:
        raise refusal
    group, child = facts.group, facts.child
    with transaction.atomic(durable=True):
        # The child's row first (only the same child's other clicks wait for it), then the
        # group's: the limit is counted again where no concurrent submission can slip past.
        if _limited(facts):
            if other_certificate_programs_locked(
                child_id=child.pk, program_id=group.program_id
            ) >= (facts.programs_limit or 0):
                raise _over_limit(facts)
        else:
            child_row_lock(child_id=child.pk)
        if program_applied_elsewhere(child_id=child.pk, group=group):
            raise _other_group(child)
        if group.auto_accept and seats.group_seat_take(group_id=group.pk):
            status = ApplicationStatus.ACCEPTED
        else:
            free = seats.group_seats_lock(group_id=group.pk)
            if group.auto_accept and free > 0 and seats.group_seat_take(group_id=group.pk):
                # A seat was freed between the two statements, and the lock kept it for us.
                status = ApplicationStatus.ACCEPTED
            elif not group.auto_accept and free > 0:
                status = ApplicationStatus.SUBMITTED
            else:
                status = ApplicationStatus.WAITLISTED
        accepted = status == ApplicationStatus.ACCEPTED
        application = Application(
            child=child,
            group=group,
            applicant=parent,
            status=status,
            status_changed_by=None if accepted else parent,
            offer_expires_at=now + datetime.timedelta(days=settings.KRUZHOK_OFFER_VALID_DAYS)
            if accepted
            else None,
            decide_by=working_day_add(today, DECISION_WORKING_DAYS)
            if status == ApplicationStatus.SUBMITTED
            else None,
        )
        try:
            application.save(force_insert=True)
        except IntegrityError as exc:
            # The unique live-application index is the backstop behind the check above (two
            # clicks at once); raising rolls the whole transaction back, the seat included.
            raise _already_applied(child) from exc
        audit = [AuditEntry(parent, "application_submit", application, {"status": status})]
        if accepted:
            audit.append(AuditEntry(None, "application_accept", application))
        audit_record_many(audit)
        if accepted:
            notices.accepted(application)
        elif status == ApplicationStatus.WAITLISTED:
            notices.waitlisted(application)
        if not group.auto_accept:
            # A person decides: the provider's administrators are told there is work.
            notices.submitted(application)
        return application
