from typing import Any

from django import forms

from kruzhok.api.services import MAX_DAYS
from kruzhok.providers.models import Provider


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Для чего ключ",
        max_length=100,
        help_text="Например, «Учёт посещаемости из школьной системы».",
    )
    days = forms.IntegerField(
        label="Срок действия, дней",
        min_value=1,
        max_value=MAX_DAYS,
        initial=90,
        help_text=f"От 1 до {MAX_DAYS}. Когда срок выйдет, создайте новый ключ.",
    )
    provider = forms.TypedChoiceField(label="Организация", coerce=int, required=False)

    def __init__(self, *args: Any, providers: list[Provider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if providers:
            field = self.fields["provider"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [(p.pk, p.short_name) for p in providers]
            field.required = True
        else:
            del self.fields["provider"]
