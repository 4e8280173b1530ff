import pytest
from django.test import RequestFactory

from kruzhok.accounts.permissions import client_ip


@pytest.fixture
def behind_one_proxy(settings):
    settings.KRUZHOK_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.KRUZHOK_TRUSTED_PROXIES = 1


def _request(remote: str = "10.0.0.1", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_configured_proxy_the_client_is_the_remote_address(settings):
    settings.KRUZHOK_TRUSTED_PROXY_HEADER = ""

    assert client_ip(_request(forwarded="203.0.113.5")) == "10.0.0.1"


def test_behind_the_proxy_the_client_is_the_address_the_proxy_appended(behind_one_proxy):
    assert client_ip(_request(forwarded="203.0.113.5")) == "203.0.113.5"


def test_what_a_client_writes_into_the_header_itself_is_ignored(behind_one_proxy):
    assert client_ip(_request(forwarded="1.2.3.4, 203.0.113.5")) == "203.0.113.5"


def test_two_proxies_count_two_addresses_from_the_right(settings):
    settings.KRUZHOK_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.KRUZHOK_TRUSTED_PROXIES = 2

    assert client_ip(_request(forwarded="1.2.3.4, 203.0.113.5, 10.0.0.2")) == "203.0.113.5"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", " , "])
def test_a_missing_or_malformed_header_falls_back_to_the_remote_address(
    behind_one_proxy, forwarded
):
    assert client_ip(_request(forwarded=forwarded)) == "10.0.0.1"
