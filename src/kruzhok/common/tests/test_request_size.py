"""A request larger than the cap is refused from its Content-Length, before its body is read."""

import io

import pytest
from django.test import override_settings
from django.urls import reverse

from kruzhok.common.middleware import RequestSizeLimitMiddleware

pytestmark = pytest.mark.django_db


class _Unreadable(io.RawIOBase):
    """A body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def test_a_body_over_the_cap_is_refused_in_russian_without_being_read(rf, settings):
    settings.KRUZHOK_REQUEST_MAX_BYTES = 1024
    request = rf.post("/provider/import/", data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = "1025"
    request.META["wsgi.input"] = _Unreadable()
    middleware = RequestSizeLimitMiddleware(lambda r: pytest.fail("the view was reached"))

    response = middleware(request)

    assert response.status_code == 413
    assert "Файл слишком большой" in response.content.decode()
    assert "не больше 1 КБ" in response.content.decode()


@pytest.mark.parametrize("length", ["12abc", "-1", "9" * 40])
def test_a_content_length_that_is_not_a_number_is_refused(rf, length):
    request = rf.post("/", data=b"", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = length
    middleware = RequestSizeLimitMiddleware(lambda r: pytest.fail("the view was reached"))

    assert middleware(request).status_code == 413


def test_an_upload_within_the_cap_reaches_its_page(client, settings):
    settings.KRUZHOK_REQUEST_MAX_BYTES = 6 * 1024 * 1024
    response = client.post(reverse("accounts:login"), {"username": "x@example.ru", "password": "1"})
    assert response.status_code == 200


@override_settings(KRUZHOK_REQUEST_MAX_BYTES=2048)
def test_an_upload_over_the_cap_gets_413_through_the_whole_stack(client):
    big = io.BytesIO(b"x" * 4096)
    big.name = "big.xlsx"

    response = client.post(reverse("reports:population"), {"file": big, "action": "import"})

    assert response.status_code == 413
    assert "не больше 2 КБ" in response.content.decode()
