"""The built-in `url` and `static` (common.templatetags.kruzhok_tags): Django's answers, kept."""

import pytest
from django.template import TemplateSyntaxError, engines
from django.templatetags.static import static as django_static
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse

from kruzhok.common.templatetags import kruzhok_tags


def render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_url_without_arguments_is_djangos_and_is_kept():
    kruzhok_tags._reversed.cache_clear()
    assert render("{% url 'catalog:list' %}") == reverse("catalog:list")
    assert render("{% url 'catalog:list' %}|{% url 'home' as home %}[{{ home }}]") == (
        f"{reverse('catalog:list')}|[{reverse('home')}]"
    )
    assert kruzhok_tags._reversed.cache_info().hits == 1


def test_url_with_arguments_is_reversed_each_time():
    kruzhok_tags._reversed.cache_clear()
    for pk in (5, 6):
        assert render("{% url 'enrollment:apply' pk %}", pk=pk) == reverse(
            "enrollment:apply", args=[pk]
        )
    assert kruzhok_tags._reversed.cache_info().currsize == 0


def test_url_of_an_unknown_name_fails_as_djangos_unless_kept_in_a_variable():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    assert render("{% url 'no-such-page' as where %}[{{ where }}]") == "[]"
    with pytest.raises(TemplateSyntaxError):
        render("{% url %}")


urlpatterns = [path("elsewhere/", lambda request: None, name="home")]


def test_url_follows_the_urlconf():
    before = render("{% url 'home' %}")
    with override_settings(ROOT_URLCONF=__name__):
        assert render("{% url 'home' %}") == "/elsewhere/"
    assert render("{% url 'home' %}") == before


def test_static_is_djangos_url_of_the_file_escaped():
    assert render("{% static 'kruzhok.css' %}") == django_static("kruzhok.css")
    assert render("{% static 'a&b.css' as where %}{{ where }}") == django_static("a&b.css").replace(
        "&", "&amp;"
    )
    with override_settings(STATIC_URL="/elsewhere-static/"):
        assert render("{% static 'kruzhok.css' %}").startswith("/elsewhere-static/")
