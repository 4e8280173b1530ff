"""A guardian's children read by hand (families.children_sql) are the selector's: the same
children, fields and types, in the same order."""

import pytest

from kruzhok.families.children_sql import CHILD_FIELDS, guardian_children
from kruzhok.families.models import Guardianship
from kruzhok.families.selectors import child_list_for_guardian
from kruzhok.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_a_guardians_children_read_by_hand_are_the_selectors(parent, other_parent):
    ChildFactory.create(
        guardian=parent, last_name="Яковлева", first_name="Анна", patronymic="Петровна"
    )
    ChildFactory.create(guardian=parent, last_name="Андреев", first_name="Юрий", patronymic="")
    ChildFactory.create(guardian=parent, last_name="Андреев", first_name="Борис")
    shared = ChildFactory.create(
        guardian=other_parent, last_name="Борисова", first_name="Вера", patronymic="Ильинична"
    )
    Guardianship.objects.create(child=shared, user=parent)
    ChildFactory.create(guardian=other_parent)  # another family's

    by_hand = guardian_children(user_id=parent.pk)
    orm = list(child_list_for_guardian(user=parent))

    assert [child.full_name for child in by_hand] == [
        "Андреев Борис Сергеевич",
        "Андреев Юрий",
        "Борисова Вера Ильинична",
        "Яковлева Анна Петровна",
    ]
    assert [child.pk for child in by_hand] == [child.pk for child in orm]
    for read, through_orm in zip(by_hand, orm, strict=True):
        for name in CHILD_FIELDS:
            assert getattr(read, name) == getattr(through_orm, name), name
            assert type(getattr(read, name)) is type(getattr(through_orm, name)), name
    assert [child.pk for child in guardian_children(user_id=other_parent.pk)] == [
        child.pk for child in child_list_for_guardian(user=other_parent)
    ]


def test_a_guardian_without_children_has_none_read_by_hand(parent):
    assert guardian_children(user_id=parent.pk) == []
