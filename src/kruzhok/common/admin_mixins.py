"""What every read-only admin shares: nothing is added, changed or deleted, money shows in
rubles (without the «, коп.» of its model label), and every field shows its Russian name.

The models name their fields in Russian (`verbose_name`); the primary key, which Django
labels «ID», is «номер» here. The admin shows each field through a display function made
here, so a new money field is in rubles by default.
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from kruzhok.common.money import format_kopecks

# Russian labels of the fields Django names in English itself (the primary key's «ID»); every
# other field is named in its model (`tests/test_admin_site.py` holds both).
FIELD_LABELS: dict[str, str] = {"id": "номер"}

_LABEL_PREFIX = "ru_"
_IN_KOPECKS = re.compile(r",\s*коп\.?$")


def _is_english(label: Any) -> bool:
    return str(label).isascii()


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field(name)
    except Exception:  # not a model field: a method or a callable of the admin
        return None
    return field if isinstance(field, models.Field) else None


class ReadOnlyAdminMixin:
    """Money and its history are never edited by hand: the admin only shows them.

    `not_money_fields` names the big integers that are not kopecks (a counter).
    """

    model: type[models.Model]
    not_money_fields: Sequence[str] = ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _is_money(self, field: models.Field[Any, Any]) -> bool:
        return (
            isinstance(field, models.BigIntegerField)
            and not field.primary_key
            and field.name not in self.not_money_fields
        )

    def _shown_as(self, name: Any) -> Any:
        """The name of a display function for a field that needs one, else the name as is."""
        if not isinstance(name, str):
            return name
        field = _field(self.model, name)
        if field is None:
            return name
        money = self._is_money(field)
        english = _is_english(field.verbose_name)
        if not money and not english:
            return name
        # A KeyError here is a field without a Russian name: add it to FIELD_LABELS.
        label = FIELD_LABELS[name] if english else str(field.verbose_name)
        if money:
            label = _IN_KOPECKS.sub("", label)  # shown in rubles
        shown = f"{_LABEL_PREFIX}{name}"
        if not hasattr(self, shown):
            setattr(self, shown, _display(field, label, money=money))
        return shown

    def get_list_display(self, request: HttpRequest) -> Any:
        return [self._shown_as(name) for name in super().get_list_display(request)]  # type: ignore[misc]

    def _editable_names(self) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.editable and not f.primary_key]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # No field is a form field: each shows as a read-only value (inlines included).
        return [*(super().get_exclude(request, obj) or ()), *self._editable_names()]  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        declared = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        excluded = set(super().get_exclude(request, obj) or ())  # type: ignore[misc]
        names = [n for n in self._editable_names() if n not in excluded]
        names += [n for n in declared if n not in names]
        return list(dict.fromkeys(self._shown_as(n) for n in names))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [self._shown_as(name) for name in super().get_fields(request, obj)]  # type: ignore[misc]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        return [
            (title, {**options, "fields": [self._shown_as(f) for f in options["fields"]]})
            for title, options in fieldsets
        ]


def _display(field: models.Field[Any, Any], label: str, *, money: bool) -> Callable[[Any], Any]:
    name = field.name

    @admin.display(description=label, ordering=name)
    def shown(obj: Any) -> Any:
        value = getattr(obj, name)
        if money and value is not None:
            return format_kopecks(value)
        return value

    return shown
