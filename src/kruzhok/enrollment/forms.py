from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.functional import cached_property

from kruzhok.common.bounds import BoundedDateField, BoundedDateTimeField, id_parse
from kruzhok.common.forms import BootstrapBoundField
from kruzhok.families.models import Child


class _ChildChoices(ModelChoiceIterator):
    """The children the form has read already (`ApplyForm.children`), else one plain query:
    Django's iterator() would open a server-side cursor on PostgreSQL (DECLARE … WITH HOLD,
    FETCH, CLOSE) for two rows."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        known = getattr(self.field, "known_children", None)
        for child in known if known is not None else list(self.queryset):
            yield self.choice(child)


class ChildChoiceField(forms.ModelChoiceField):
    """Offers the parent's children; cleans to the chosen child's id without a query. Whose
    child it is, the submission checks anyway, in the statement that reads the child."""

    iterator = _ChildChoices

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        child_id = id_parse(value)
        if child_id is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return child_id


class ApplyForm(forms.Form):
    bound_field_class = BootstrapBoundField

    child = ChildChoiceField(
        label="Ребёнок",
        queryset=Child.objects.none(),
        empty_label="Выберите ребёнка",
        error_messages={
            "required": "Выберите, кого записать.",
            "invalid_choice": "Выберите ребёнка из списка.",
        },
    )

    def __init__(self, *args: Any, children: QuerySet[Child], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._children = children
        self.fields["child"].queryset = children  # type: ignore[attr-defined]
        if not self.is_bound and len(self.children) == 1:
            self.initial["child"] = self.children[0]  # an only child is chosen already

    @cached_property
    def children(self) -> list[Child]:
        """The parent's children, read once for the choices, the default and the page (a
        successful submission never reads them)."""
        children = list(self._children)
        self.fields["child"].known_children = children  # type: ignore[attr-defined]
        return children


class RejectForm(forms.Form):
    bound_field_class = BootstrapBoundField

    reason = forms.CharField(
        label="Причина отказа",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Её увидит родитель: напишите понятно и вежливо.",
        error_messages={"required": "Укажите причину отказа: её увидит родитель."},
    )


class WithdrawForm(forms.Form):
    bound_field_class = BootstrapBoundField

    on = BoundedDateField(
        label="Дата отчисления",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="С этого дня занятия не оплачиваются; неиспользованный резерв сертификата "
        "освобождается сразу.",
        error_messages={
            "required": "Укажите дату отчисления.",
            "invalid": "Укажите дату в формате ДД.ММ.ГГГГ.",
        },
    )
    reason = forms.CharField(
        label="Причина",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": "Укажите причину отчисления."},
    )


class WindowForm(forms.Form):
    bound_field_class = BootstrapBoundField

    opens_at = BoundedDateTimeField(
        label="Запись открывается",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Пусто — уже открыта.",
        error_messages={"invalid": "Укажите дату и время, например 25.08.2026 09:00."},
    )
    closes_at = BoundedDateTimeField(
        label="Запись закрывается",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Пусто — пока не закроете вручную.",
        error_messages={"invalid": "Укажите дату и время, например 01.09.2026 18:00."},
    )
