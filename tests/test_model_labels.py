"""Every model of the portal and every field it declares is named in Russian: the admin, the
forms built from the models and the error messages show these names."""

import re

import pytest
from django.apps import apps

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def _models():
    return [m for m in apps.get_models() if m.__module__.startswith("kruzhok.")]


@pytest.mark.parametrize("model", _models(), ids=lambda m: m._meta.label)
def test_the_model_and_its_fields_are_named_in_russian(model):
    meta = model._meta
    assert CYRILLIC.search(str(meta.verbose_name)), meta.label
    assert CYRILLIC.search(str(meta.verbose_name_plural)), meta.label
    english = [
        f.name
        for f in meta.get_fields()
        if f.concrete and not f.auto_created and not CYRILLIC.search(str(f.verbose_name))
    ]
    assert not english, f"{meta.label}: {english}"
