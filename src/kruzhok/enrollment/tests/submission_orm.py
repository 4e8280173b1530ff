"""The ORM's queries for what `enrollment.submission_facts` reads by hand:
test_submission_facts.py holds the two equal, and bench/rawsql_cost.py times one against the
other. The ORM cannot join the group to a child it is not related to, so the reading is
three queries here: the group with its program, provider and the child's applications to
it, the child with the guardianship and the limit in force, and the governing window."""

import datetime

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kruzhok.catalog.models import FinancingSource, Group
from kruzhok.certificates.financing_reads import financing_programs_in_force
from kruzhok.enrollment.models import LIVE_STATUSES, Application
from kruzhok.enrollment.selectors import enrollment_window_for_group
from kruzhok.enrollment.submission_facts import SubmissionFacts
from kruzhok.families.models import Child, Guardianship


def _other_certificate_programs(child_id: int) -> QuerySet[Application]:
    return Application.objects.filter(
        child_id=child_id,
        status__in=LIVE_STATUSES,
        group__program__financing_source=FinancingSource.CERTIFICATE,
    )


def submission_facts(
    *, user_id: int, child_id: int, group_id: int, today: datetime.date
) -> SubmissionFacts | None:
    live = Application.objects.filter(child_id=child_id, status__in=LIVE_STATUSES)
    others = (
        _other_certificate_programs(child_id)
        .exclude(group__program_id=OuterRef("program_id"))
        .values("child_id")
        .annotate(programs=Count("group__program_id", distinct=True))
        .values("programs")
    )
    group = (
        Group.objects.select_related("program__provider")
        .annotate(
            status_here=Subquery(live.filter(group_id=OuterRef("pk")).values("status")[:1]),
            applied_in_program=Exists(
                live.filter(
                    group__program_id=OuterRef("program_id"),
                    group__start_date__lte=OuterRef("end_date"),
                    group__end_date__gte=OuterRef("start_date"),
                ).exclude(group_id=OuterRef("pk"))
            ),
            other_programs=Coalesce(Subquery(others), 0),
        )
        .filter(pk=group_id)
        .first()
    )
    if group is None:
        return None
    limit = financing_programs_in_force(municipality=OuterRef("municipality_id"), day=today)
    child = (
        Child.objects.annotate(
            is_guardian=Exists(Guardianship.objects.filter(child=OuterRef("pk"), user_id=user_id)),
            programs_limit=Subquery(limit.values("max_programs_per_child")[:1]),
        )
        .filter(pk=child_id)
        .first()
    )
    if child is None:
        return None
    return SubmissionFacts(
        group=group,
        child=child,
        is_guardian=child.is_guardian,
        window=enrollment_window_for_group(group=group),
        status_here=group.status_here,
        applied_in_program=group.applied_in_program,
        other_certificate_programs=group.other_programs,
        programs_limit=child.programs_limit,
    )


def child_row_lock(*, child_id: int) -> None:
    list(Child.objects.select_for_update().filter(pk=child_id).values_list("pk", flat=True))


def other_certificate_programs_count(*, child_id: int, program_id: int) -> int:
    return (
        _other_certificate_programs(child_id)
        .exclude(group__program_id=program_id)
        .values("group__program_id")
        .distinct()
        .count()
    )


def other_certificate_programs_locked(*, child_id: int, program_id: int) -> int:
    child_row_lock(child_id=child_id)
    return other_certificate_programs_count(child_id=child_id, program_id=program_id)
