import pytest
from django.http import Http404

from kruzhok.families.models import Guardianship
from kruzhok.families.selectors import (
    child_get_for_guardian,
    child_list_for_guardian,
)
from kruzhok.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_a_guardian_lists_only_their_own_children(parent, other_parent):
    mine = ChildFactory.create(guardian=parent)
    ChildFactory.create(guardian=other_parent)

    assert list(child_list_for_guardian(user=parent)) == [mine]


def test_a_second_guardian_sees_the_child_too(parent, other_parent):
    child = ChildFactory.create(guardian=parent)
    Guardianship.objects.create(child=child, user=other_parent)

    assert list(child_list_for_guardian(user=other_parent)) == [child]


def test_another_familys_child_does_not_exist_for_a_guardian(parent, other_parent):
    theirs = ChildFactory.create(guardian=other_parent)

    with pytest.raises(Http404):
        child_get_for_guardian(user=parent, pk=theirs.pk)
