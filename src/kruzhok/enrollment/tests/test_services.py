import datetime

import pytest
from django.utils import timezone

from kruzhok.catalog import programs as catalog_programs
from kruzhok.catalog.models import FinancingSource, Group, LessonStatus, ProgramState
from kruzhok.certificates.models import CertificateStatus
from kruzhok.certificates.selectors import certificate_money
from kruzhok.common.validators import luhn_is_valid
from kruzhok.enrollment import services
from kruzhok.enrollment.models import ApplicationStatus
from kruzhok.enrollment.services import EnrollmentError
from kruzhok.enrollment.tests.world import (
    TODAY,
    child_make,
    group_make,
    program_make,
    provider_make,
    user_make,
    world_make,
)


def _seats(group: Group) -> int:
    group.refresh_from_db()
    return group.seats_taken


def _accepted(world, child=None, group=None):
    application = services.application_submit(
        parent=world.parent, child_id=(child or world.child).pk, group_id=(group or world.group).pk
    )
    return services.application_accept(actor=world.admin, application=application)


def test_submitted_application_waits_for_the_provider_without_taking_a_seat(world):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    assert application.status == ApplicationStatus.SUBMITTED
    assert _seats(world.group) == 0


def test_auto_accept_takes_a_free_seat_at_once(world):
    group = group_make(world.program, world.teacher, auto_accept=True)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=group.pk
    )
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.offer_expires_at == timezone.now() + datetime.timedelta(days=5)
    assert _seats(group) == 1


def test_a_child_too_young_for_the_program_is_refused_with_the_ages(world):
    young = child_make(world.parent, birth_date=datetime.date(2021, 1, 10))
    with pytest.raises(EnrollmentError) as error:
        services.application_submit(parent=world.parent, child_id=young.pk, group_id=world.group.pk)
    assert "7–14 лет" in error.value.message
    assert "5 лет" in error.value.message
    assert error.value.field == "child"


def test_a_child_too_old_for_the_program_is_refused(world):
    old = child_make(world.parent, birth_date=datetime.date(2010, 1, 10))
    with pytest.raises(EnrollmentError, match="7–14 лет"):
        services.application_submit(parent=world.parent, child_id=old.pk, group_id=world.group.pk)


def test_a_second_application_to_the_same_group_is_refused(world):
    services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    with pytest.raises(EnrollmentError, match="заявка в эту группу уже подана") as error:
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
        )
    # «записан(а)» is said only of a child under a contract.
    assert "записан" not in error.value.message


def test_a_second_application_names_the_first_ones_state(world):
    application = _accepted(world)
    with pytest.raises(EnrollmentError, match="осталось принять оферту"):
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
        )
    services.contract_accept(parent=world.parent, application=application)
    with pytest.raises(EnrollmentError, match="уже записан\\(а\\) в эту группу"):
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
        )


def test_a_child_cannot_hold_places_in_two_groups_of_one_program(world):
    services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    second = group_make(world.program, world.teacher, auto_accept=True)
    with pytest.raises(EnrollmentError, match="в другой группе этой программы") as error:
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=second.pk
        )
    assert error.value.field == "child"
    assert _seats(second) == 0
    # Another program's group is fine, and so is next year's group of this program.
    chess = group_make(program_make(world.provider, title="Шахматы"), world.teacher)
    services.application_submit(parent=world.parent, child_id=world.child.pk, group_id=chess.pk)
    next_year = group_make(
        world.program,
        world.teacher,
        start=datetime.date(2027, 9, 1),
        end=datetime.date(2027, 12, 24),
    )
    services.application_submit(parent=world.parent, child_id=world.child.pk, group_id=next_year.pk)


def test_the_other_group_of_a_program_is_open_once_the_first_application_is_cancelled(world):
    first = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    services.application_cancel(parent=world.parent, application=first)
    second = group_make(world.program, world.teacher)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=second.pk
    )
    assert application.status == ApplicationStatus.SUBMITTED


def test_the_age_is_taken_at_the_contract_start_not_the_groups(world):
    """The group started on 01.09.2026; a child who turned 7 on 01.10.2026 may join on
    15.10.2026, and a refusal speaks of the present."""
    program = program_make(world.provider, title="С семи лет", age_min=7, age_max=14)
    started = group_make(program, world.teacher)
    turned_seven = child_make(world.parent, birth_date=datetime.date(2019, 10, 1))
    application = services.application_submit(
        parent=world.parent, child_id=turned_seven.pk, group_id=started.pk
    )
    assert application.status == ApplicationStatus.SUBMITTED

    young = child_make(world.parent, birth_date=datetime.date(2020, 1, 10))
    with pytest.raises(EnrollmentError) as error:
        services.application_submit(parent=world.parent, child_id=young.pk, group_id=started.pk)
    assert "сейчас 6 лет" in error.value.message
    assert "будет" not in error.value.message


def test_a_future_group_speaks_of_the_age_the_child_will_be(world):
    future = group_make(
        world.program,
        world.teacher,
        start=datetime.date(2027, 1, 11),
        end=datetime.date(2027, 5, 28),
    )
    young = child_make(world.parent, birth_date=datetime.date(2020, 3, 10))
    with pytest.raises(EnrollmentError) as error:
        services.application_submit(parent=world.parent, child_id=young.pk, group_id=future.pk)
    assert "к началу занятий (11.01.2027) будет 6 лет" in error.value.message


def test_a_closed_group_refuses_applications(world):
    Group.objects.filter(pk=world.group.pk).update(enrollment_open=False)
    with pytest.raises(EnrollmentError, match="закрыта"):
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
        )


def test_a_full_group_puts_the_application_on_the_waiting_line_instead_of_refusing(world):
    group = group_make(world.program, world.teacher, capacity=1, auto_accept=True)
    other_child = child_make(world.parent)
    services.application_submit(parent=world.parent, child_id=other_child.pk, group_id=group.pk)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=group.pk
    )
    assert application.status == ApplicationStatus.WAITLISTED
    assert _seats(group) == 1


def test_an_unpublished_program_refuses_applications(world):
    world.program.state = ProgramState.RETURNED
    world.program.save(update_fields=["state"])
    with pytest.raises(EnrollmentError, match="не опубликована"):
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
        )


def test_a_parent_cannot_apply_for_another_familys_child(world):
    stranger = user_make(municipality=world.municipality)
    with pytest.raises(EnrollmentError):
        services.application_submit(
            parent=stranger, child_id=world.child.pk, group_id=world.group.pk
        )


def test_the_limit_of_certificate_programs_per_child_is_enforced(db, frozen_now):
    world = world_make(max_programs_per_child=1)
    _accepted(world)
    second = program_make(world.provider, title="Шахматы")
    group = group_make(second, world.teacher)
    with pytest.raises(EnrollmentError, match="не более чем по 1"):
        services.application_submit(parent=world.parent, child_id=world.child.pk, group_id=group.pk)


def test_accepting_takes_a_seat_and_opens_the_offer(world):
    application = _accepted(world)
    assert application.status == ApplicationStatus.ACCEPTED
    assert _seats(world.group) == 1


def test_another_providers_staff_cannot_accept(world):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    _, other_admin, _ = provider_make(world.municipality)
    with pytest.raises(EnrollmentError, match="другую организацию"):
        services.application_accept(actor=other_admin, application=application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_rejecting_needs_a_reason_and_frees_the_seat(world):
    application = _accepted(world)
    with pytest.raises(EnrollmentError, match="причину"):
        services.application_reject(actor=world.admin, application=application, reason="  ")
    services.application_reject(actor=world.admin, application=application, reason="Нет формы")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.reason == "Нет формы"
    assert _seats(world.group) == 0


def test_cancelling_before_the_contract_frees_the_seat(world):
    application = _accepted(world)
    services.application_cancel(parent=world.parent, application=application)
    assert _seats(world.group) == 0
    # ...and the child may apply again.
    again = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    assert again.status == ApplicationStatus.SUBMITTED


def _remaining_hours(group: Group, start: datetime.date) -> int:
    return sum(
        group.lessons.filter(date__gte=start, status=LessonStatus.PLANNED).values_list(
            "hours", flat=True
        )
    )


def test_accepting_the_offer_issues_a_funded_certificate_and_reserves_its_part(world):
    application = _accepted(world)
    contract = services.contract_accept(
        parent=world.parent, application=application, ip_address="10.0.0.7", user_agent="pytest"
    )
    hours = _remaining_hours(world.group, TODAY)
    assert contract.start_date == TODAY
    assert contract.total_hours == hours
    assert contract.total_cost == hours * 150_00
    certificate = contract.certificate
    assert certificate is not None
    assert certificate.status == CertificateStatus.FUNDED
    assert certificate.nominal == 12_000_00
    assert certificate.valid_from == datetime.date(2026, 9, 1)
    assert certificate.valid_to == datetime.date(2027, 8, 31)
    assert certificate.number.startswith("26") and luhn_is_valid(certificate.number)
    assert contract.certificate_part == min(contract.total_cost, 12_000_00)
    assert contract.parent_part == contract.total_cost - contract.certificate_part
    money = certificate_money(certificate=certificate)
    assert money.balance == 12_000_00
    assert money.reserved == contract.certificate_part
    assert money.available == 12_000_00 - contract.certificate_part
    assert contract.accepted_ip == "10.0.0.7"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACTIVE


def test_a_co_payment_covers_what_the_certificate_does_not(db, frozen_now):
    world = world_make(nominal=1_000_00)
    contract = services.contract_accept(parent=world.parent, application=_accepted(world))
    assert contract.certificate_part == 1_000_00
    assert contract.parent_part == contract.total_cost - 1_000_00 > 0


def test_the_offer_cannot_be_accepted_twice(world):
    application = _accepted(world)
    services.contract_accept(parent=world.parent, application=application)
    with pytest.raises(EnrollmentError, match="уже принята"):
        services.contract_accept(parent=world.parent, application=application)


def test_an_expired_offer_cannot_be_accepted(world, time_machine):
    application = _accepted(world)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6), tick=False)
    with pytest.raises(EnrollmentError, match="истёк"):
        services.contract_accept(parent=world.parent, application=application)
    assert not hasattr(application, "contract") or application.contract is None


def test_when_the_quota_is_exhausted_the_certificate_stays_for_accounting(db, frozen_now):
    world = world_make(max_funded=0)
    contract = services.contract_accept(parent=world.parent, application=_accepted(world))
    assert contract.certificate.status == CertificateStatus.ACCOUNTING
    assert "Лимит" in contract.certificate.accounting_reason
    assert contract.certificate_part == 0
    assert contract.parent_part == contract.total_cost
    assert contract.hold is None


def test_a_budget_program_needs_no_certificate(world):
    free = program_make(
        world.provider, title="Волейбол", financing_source=FinancingSource.BUDGET, price_per_hour=0
    )
    group = group_make(free, world.teacher)
    contract = services.contract_accept(
        parent=world.parent, application=_accepted(world, group=group)
    )
    assert contract.certificate is None
    assert contract.total_cost == 0


def test_two_contracts_of_one_child_never_reserve_more_than_the_certificate_holds(world):
    first = services.contract_accept(parent=world.parent, application=_accepted(world))
    second_group = group_make(program_make(world.provider, title="Шахматы"), world.teacher)
    second = services.contract_accept(
        parent=world.parent, application=_accepted(world, group=second_group)
    )
    money = certificate_money(certificate=first.certificate)
    assert first.certificate_part + second.certificate_part == money.reserved <= money.balance
    assert money.available >= 0


def test_a_price_change_never_changes_a_concluded_contract(world):
    contract = services.contract_accept(parent=world.parent, application=_accepted(world))
    catalog_programs.program_update(program=world.program, price_per_hour=500_00)
    contract.refresh_from_db()
    assert contract.price_per_hour == 150_00


def test_a_providers_notice_ends_initials_with_one_full_stop(world):
    from kruzhok.notifications.models import Notification

    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    services.application_cancel(parent=world.parent, application=application)

    for subject in ("Новая заявка", "Заявка отозвана"):
        body = Notification.objects.get(user=world.admin, subject=subject).body
        assert "Соколов А. И." in body
        assert ".." not in body
