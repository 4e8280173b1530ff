"""Behind the configured reverse proxy, what the portal records as a person's address is the
client's (accounts.permissions.client_ip), not the proxy's: a contract's acceptance address
included."""

from django.test import Client
from django.urls import reverse

from kruzhok.enrollment.models import Contract
from kruzhok.enrollment.tests.world import application_accepted


def test_the_contract_records_the_client_address_behind_the_proxy(world, settings):
    settings.KRUZHOK_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.KRUZHOK_TRUSTED_PROXIES = 1
    application = application_accepted(world)
    parent = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    parent.force_login(world.parent)

    response = parent.post(reverse("enrollment:offer_accept", args=[application.pk]))

    assert response.status_code == 302
    assert Contract.objects.get().accepted_ip == "203.0.113.5"
