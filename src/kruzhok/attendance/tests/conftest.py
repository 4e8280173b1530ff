import pytest

from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import TODAY


def contract_make(world, *, parent=None, child=None, group=None, admin=None):
    """A concluded contract for the world's child (or another) in the world's group (or another)."""
    parent = parent or world.parent
    application = enrollment_services.application_submit(
        parent=parent, child_id=(child or world.child).pk, group_id=(group or world.group).pk
    )
    enrollment_services.application_accept(actor=admin or world.admin, application=application)
    return enrollment_services.contract_accept(parent=parent, application=application)


@pytest.fixture
def contract(world):
    return contract_make(world)


@pytest.fixture
def lesson(world):
    return world.group.lessons.get(date=TODAY)
