"""Across municipalities: a child of municipality M applying to a group of a provider of N.
By default (the financing program's `certificate_reach` «region») the certificate may be used
there, and M pays: the certificate is M's, funded from M's program and budget. Set to
«municipality», M's certificates pay only M's providers: the application and the contract are
refused with a Russian message, and nothing is saved."""

import pytest
from django.urls import reverse

from kruzhok.attendance import services as attendance_services
from kruzhok.catalog.models import FinancingSource
from kruzhok.certificates.financing_reads import financing_budget_available
from kruzhok.certificates.models import Certificate, CertificateReach
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment import services
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import Application, Contract
from kruzhok.enrollment.tests.world import (
    TODAY,
    group_make,
    program_make,
    world_make,
)

REFUSAL = "можно использовать только у его поставщиков"


@pytest.fixture
def elsewhere(world):
    """Municipality N with its own financing program, provider and group."""
    return world_make()


def _restrict(world):
    world.financing.certificate_reach = CertificateReach.MUNICIPALITY
    world.financing.save(update_fields=["certificate_reach"])


def test_by_default_a_certificate_pays_a_provider_of_another_municipality(world, elsewhere):
    budget_m = financing_budget_available(financing_program=world.financing)
    budget_n = financing_budget_available(financing_program=elsewhere.financing)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=elsewhere.group.pk
    )
    services.application_accept(actor=elsewhere.admin, application=application)
    contract = services.contract_accept(parent=world.parent, application=application)

    certificate = Certificate.objects.get(child=world.child)
    assert contract.certificate == certificate
    # The child's home municipality pays: its certificate, its program, its budget.
    assert certificate.municipality == world.municipality
    assert certificate.financing_program == world.financing
    assert financing_budget_available(financing_program=world.financing) == (
        budget_m - certificate.nominal
    )
    assert financing_budget_available(financing_program=elsewhere.financing) == budget_n
    assert elsewhere.financing.certificates.count() == 0
    assert certificate_money(certificate=certificate).reserved == contract.certificate_part

    lesson = elsewhere.group.lessons.get(date=TODAY)
    attendance_services.attendance_mark(
        actor=elsewhere.teacher, lesson=lesson, contract=contract, present=True
    )
    assert certificate_money(certificate=certificate).debited > 0


def test_restricted_to_its_municipality_the_application_is_refused(world, elsewhere):
    _restrict(world)
    with pytest.raises(EnrollmentError) as refused:
        services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=elsewhere.group.pk
        )
    assert REFUSAL in refused.value.message
    assert world.municipality.name in refused.value.message
    assert not Application.objects.exists()


def test_restricted_the_own_municipalitys_providers_still_accept(world, elsewhere):
    _restrict(world)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    assert application.status == "submitted"


def test_restricted_a_program_not_paid_by_certificate_elsewhere_is_open(world, elsewhere):
    _restrict(world)
    paid = program_make(elsewhere.provider, financing_source=FinancingSource.PAID)
    group = group_make(paid, elsewhere.teacher)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=group.pk
    )
    assert application.status == "submitted"


def test_restricted_after_acceptance_the_contract_is_refused(world, elsewhere):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=elsewhere.group.pk
    )
    services.application_accept(actor=elsewhere.admin, application=application)
    _restrict(world)
    with pytest.raises(EnrollmentError) as refused:
        services.contract_accept(parent=world.parent, application=application)
    assert REFUSAL in refused.value.message
    assert not Contract.objects.exists()
    assert not Certificate.objects.exists()


def test_the_apply_page_tells_the_parent_why_in_russian(client, world, elsewhere):
    _restrict(world)
    client.force_login(world.parent)
    response = client.post(
        reverse("enrollment:apply", args=[elsewhere.group.pk]), {"child": world.child.pk}
    )
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert not Application.objects.exists()


def test_the_apply_page_tells_the_parent_before_applying(client, world, elsewhere):
    client.force_login(world.parent)
    url = reverse("enrollment:apply", args=[elsewhere.group.pk])
    assert REFUSAL not in client.get(url).content.decode()
    _restrict(world)
    assert REFUSAL in client.get(url).content.decode()
    own = client.get(reverse("enrollment:apply", args=[world.group.pk]))
    assert REFUSAL not in own.content.decode()
