"""Pages kept for every anonymous visitor (common.shared_pages): a body that holds a visitor's
own CSRF token is never kept, and the slot never reaches a visitor."""

from django.middleware.csrf import get_token
from django.test import RequestFactory

from kruzhok.common import shared_pages


def _request():  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/catalog/")
    request.COOKIES["csrftoken"] = "A" * 32
    request.META["CSRF_COOKIE"] = "A" * 32
    return request


def test_a_body_with_the_visitors_own_token_is_served_but_not_kept(monkeypatch):
    rendered = []

    def with_a_form(template_name, context, request, using=None):  # type: ignore[no-untyped-def]
        rendered.append(template_name)
        return f"<form>{get_token(request)}</form><body>{context['csrf_slot']}</body>"

    monkeypatch.setattr(shared_pages, "render_to_string", with_a_form)
    for _ in range(2):
        response = shared_pages.anonymous_page(
            _request(), "form.html", content=["same"], context=dict
        )
        assert shared_pages.csrf_slot() not in response.content.decode()

    assert rendered == ["form.html", "form.html"]


def test_a_body_with_only_the_slot_is_kept_and_filled_for_each_visitor(monkeypatch):
    rendered = []

    def slot_only(template_name, context, request, using=None):  # type: ignore[no-untyped-def]
        rendered.append(template_name)
        return f"<body data-token='{context['csrf_slot']}'>"

    monkeypatch.setattr(shared_pages, "render_to_string", slot_only)
    bodies = [
        shared_pages.anonymous_page(
            _request(), "page.html", content=["same"], context=dict
        ).content.decode()
        for _ in range(2)
    ]

    assert rendered == ["page.html"]
    assert shared_pages.csrf_slot() not in "".join(bodies)
    assert bodies[0] != bodies[1]  # each visitor's token is masked anew
