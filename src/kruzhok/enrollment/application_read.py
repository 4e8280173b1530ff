"""A parent's application with everything its page shows, read in two plain statements.

Every applicant lands on this page the moment the rush answers them, so it is read the way
the submission is (see `common.rawsql`): through the ORM the two reads cost 5.7 ms of CPU,
and as one nine-table join PostgreSQL spent 5 ms just planning it. The first statement reads
the application with its child, the child's certificate and the contract, and checks that
the user is the child's guardian; the second the group with its program, provider and
teacher. Rows become instances as the ORM would load them; relations read here are cached
on them (an absent certificate or contract as absent), and anything else loads lazily.
`selectors.application_get_for_parent` is the entry point; tests hold it equal to the ORM.
"""

import functools

from django.db import connection
from django.db.models import Model

from kruzhok.accounts.models import User
from kruzhok.catalog.models import Group, Program
from kruzhok.certificates.models import Certificate
from kruzhok.common.rawsql import (
    columns,
    instance_from_row,
    instance_or_none,
    model_fields,
    split_row,
    table,
)
from kruzhok.enrollment.models import Application, Contract
from kruzhok.families.models import Child, Guardianship
from kruzhok.providers.models import Provider

APPLICATION = model_fields(Application)
CHILD = model_fields(Child)
CERTIFICATE = model_fields(Certificate)
CONTRACT = model_fields(Contract)
GROUP = model_fields(Group)
PROGRAM = model_fields(Program)
PROVIDER = model_fields(Provider)
TEACHER = model_fields(User, "id", "last_name", "first_name", "patronymic", "email", "phone")


@functools.cache
def _application(vendor: str) -> str:
    return f"""
SELECT {columns("a", Application, APPLICATION)}, {columns("c", Child, CHILD)},
       {columns("s", Certificate, CERTIFICATE)}, {columns("k", Contract, CONTRACT)}
  FROM {table(Application)} a
  JOIN {table(Child)} c ON c.id = a.child_id
  LEFT JOIN {table(Certificate)} s ON s.child_id = c.id
  LEFT JOIN {table(Contract)} k ON k.application_id = a.id
 WHERE a.id = %s
   AND EXISTS (SELECT 1 FROM {table(Guardianship)} gu
               WHERE gu.child_id = a.child_id AND gu.user_id = %s)
"""


@functools.cache
def _group(vendor: str) -> str:
    return f"""
SELECT {columns("g", Group, GROUP)}, {columns("p", Program, PROGRAM)},
       {columns("v", Provider, PROVIDER)}, {columns("t", User, TEACHER)}
  FROM {table(Group)} g
  JOIN {table(Program)} p ON p.id = g.program_id
  JOIN {table(Provider)} v ON v.id = p.provider_id
  LEFT JOIN {table(User)} t ON t.id = g.teacher_id
 WHERE g.id = %s
"""


def _cache_reverse(owner: Model, accessor: str, related: Model | None) -> None:
    """Cache a one-to-one seen from the other side (child.certificate, application.contract),
    absence included, as select_related would."""
    descriptor = getattr(type(owner), accessor)
    descriptor.related.set_cached_value(owner, related)
    if related is not None:
        descriptor.related.field.set_cached_value(related, owner)


def application_for_guardian(*, user_id: int, pk: int) -> Application | None:
    """The application, if it is of one of the user's children; None otherwise."""
    with connection.cursor() as cursor:
        cursor.execute(_application(connection.vendor), [pk, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    own, child_values, certificate_values, contract_values, _ = split_row(
        row, len(APPLICATION), len(CHILD), len(CERTIFICATE), len(CONTRACT)
    )
    application = instance_from_row(Application, APPLICATION, own)
    child = instance_from_row(Child, CHILD, child_values)
    application.child = child
    _cache_reverse(
        child, "certificate", instance_or_none(Certificate, CERTIFICATE, certificate_values)
    )
    _cache_reverse(application, "contract", instance_or_none(Contract, CONTRACT, contract_values))
    application.group = _group_read(application.group_id)
    return application


def _group_read(group_id: int) -> Group:
    with connection.cursor() as cursor:
        cursor.execute(_group(connection.vendor), [group_id])
        row = cursor.fetchone()
    group_values, program_values, provider_values, teacher_values, _ = split_row(
        row, len(GROUP), len(PROGRAM), len(PROVIDER), len(TEACHER)
    )
    group = instance_from_row(Group, GROUP, group_values)
    program = instance_from_row(Program, PROGRAM, program_values)
    program.provider = instance_from_row(Provider, PROVIDER, provider_values)
    group.program = program
    teacher = instance_or_none(User, TEACHER, teacher_values)
    Group.teacher.field.set_cached_value(group, teacher)
    return group
