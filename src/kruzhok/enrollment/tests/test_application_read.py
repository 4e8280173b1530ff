"""The parent's application read by hand equals what the ORM reads, relations included."""

from kruzhok.certificates.models import Certificate
from kruzhok.enrollment.application_read import application_for_guardian
from kruzhok.enrollment.models import Application
from kruzhok.enrollment.tests.world import application_accepted, contract_made, user_make


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_an_application_under_contract_is_read_whole(world, django_assert_num_queries):
    contract = contract_made(world)
    orm = Application.objects.select_related(
        "child", "contract", "group__program__provider", "group__teacher"
    ).get(pk=contract.application_id)
    certificate = Certificate.objects.get(child=world.child)
    read = application_for_guardian(user_id=world.parent.pk, pk=contract.application_id)
    with django_assert_num_queries(0):
        assert _fields(read) == _fields(orm)
        assert _fields(read.child) == _fields(orm.child)
        assert _fields(read.contract) == _fields(orm.contract)
        assert _fields(read.child.certificate) == _fields(certificate)
        assert _fields(read.group) == _fields(orm.group)
        assert _fields(read.group.program) == _fields(orm.group.program)
        assert _fields(read.group.program.provider) == _fields(orm.group.program.provider)
        assert read.group.teacher.pk == world.teacher.pk
        assert read.group.teacher.last_name == world.teacher.last_name


def test_absent_relations_are_known_to_be_absent(world, django_assert_num_queries):
    application = application_accepted(world)
    read = application_for_guardian(user_id=world.parent.pk, pk=application.pk)
    with django_assert_num_queries(0):
        assert getattr(read, "contract", None) is None
        assert getattr(read.child, "certificate", None) is None


def test_another_familys_application_is_not_read(world):
    application = application_accepted(world)
    assert application_for_guardian(user_id=user_make().pk, pk=application.pk) is None
    assert application_for_guardian(user_id=world.parent.pk, pk=10**9) is None
