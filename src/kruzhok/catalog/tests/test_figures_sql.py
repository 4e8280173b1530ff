"""The catalogue's live figures read by hand (catalog.figures_sql) are the rows the ORM reads:
each group of each published program asked for, a program without groups once, nothing of a
program the catalogue does not show."""

import datetime

import pytest
from django.utils import timezone

from kruzhok.catalog import figures_sql, selectors
from kruzhok.catalog.models import Group, ProgramState
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.providers.models import ProviderStatus
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _orm(program_ids):
    return list(
        selectors.program_list_public()
        .filter(pk__in=program_ids)
        .values_list(
            "pk",
            "updated_at",
            "groups__end_date",
            "groups__enrollment_open",
            "groups__capacity",
            "groups__seats_taken",
        )
    )


def _key(row):
    return tuple((value is None, str(value)) for value in row)


def test_the_figures_read_by_hand_are_the_orms_rows():
    today = timezone.localdate()
    busy = ProgramFactory.create()
    taken = GroupFactory.create(program=busy, capacity=10)
    Group.objects.filter(pk=taken.pk).update(seats_taken=4)
    GroupFactory.create(program=busy, capacity=8, enrollment_open=False)
    GroupFactory.create(
        program=busy,
        start_date=today - datetime.timedelta(days=100),
        end_date=today - datetime.timedelta(days=1),
    )
    empty = ProgramFactory.create()
    draft = ProgramFactory.create(state=ProgramState.DRAFT)
    GroupFactory.create(program=draft)
    blocked = ProgramFactory.create(provider=ProviderFactory.create(status=ProviderStatus.BLOCKED))
    ids = [busy.pk, empty.pk, draft.pk, blocked.pk, 10**9]

    read = figures_sql.program_group_rows(program_ids=ids)
    orm = _orm(ids)

    assert sorted(read, key=_key) == sorted(orm, key=_key)
    assert len(read) == 4  # three groups of one program, and the program without groups
    for by_hand in read:
        assert type(by_hand[1]) is datetime.datetime and timezone.is_aware(by_hand[1])
        if by_hand[0] == busy.pk:
            assert type(by_hand[2]) is datetime.date and type(by_hand[3]) is bool
        else:
            assert by_hand[2:] == (None, None, None, None)
    assert figures_sql.program_group_rows(program_ids=[]) == []
