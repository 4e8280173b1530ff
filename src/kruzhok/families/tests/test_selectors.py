import datetime

import pytest
from django.http import Http404

from kruzhok.certificates.services import certificate_issue
from kruzhok.families.models import Guardianship
from kruzhok.families.selectors import (
    child_get_for_guardian,
    child_list_for_guardian,
    child_summaries_for_guardian,
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


def test_summaries_give_age_and_certificate_money(parent):
    with_certificate = ChildFactory.create(guardian=parent, birth_date=datetime.date(2016, 5, 17))
    certificate_issue(child=with_certificate)
    ChildFactory.create(guardian=parent, last_name="Яковлев")

    first, second = child_summaries_for_guardian(user=parent, today=datetime.date(2026, 11, 28))

    assert first.age == 10
    assert first.certificate is not None
    assert first.money is not None
    assert first.money.available == 0
    assert second.certificate is None
    assert second.money is None
