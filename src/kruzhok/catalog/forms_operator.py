"""Forms of the operator's moderation: remarks on a program (a provider's refusal is
providers.forms.ProviderRejectForm)."""

from django import forms

from kruzhok.common.forms import BootstrapBoundField
from kruzhok.providers.moderation import REMARKS_MAX_LENGTH


class ProgramReturnForm(forms.Form):
    bound_field_class = BootstrapBoundField

    remarks = forms.CharField(
        label="Замечания",
        max_length=REMARKS_MAX_LENGTH,
        help_text="Что исправить в программе, чтобы её можно было опубликовать.",
        error_messages={
            "required": "Напишите, что исправить: замечания прочитает организация.",
            "max_length": f"Напишите короче: не больше {REMARKS_MAX_LENGTH} знаков.",
        },
        widget=forms.Textarea(attrs={"rows": 4}),
    )
