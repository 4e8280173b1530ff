from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.providers.bank_details import bank_details_errors
from kruzhok.providers.models import (
    Provider,
    ProviderModerationEvent,
    ProviderStaff,
    StaffInvitation,
)
from kruzhok.providers.services import provider_identity_validate, provider_renamed


class ProviderAdminForm(forms.ModelForm):
    website = forms.URLField(label="Сайт", required=False, assume_scheme="https")

    class Meta:
        model = Provider
        fields = [
            "kind",
            "full_name",
            "short_name",
            "inn",
            "ogrn",
            "license_number",
            "address",
            "municipality",
            "phone",
            "email",
            "website",
            "bank_name",
            "bik",
            "settlement_account",
            "correspondent_account",
            "status",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = ("bik", "settlement_account", "correspondent_account")
        if all(name in data for name in names):
            details, bank_errors = bank_details_errors(
                bik=data["bik"],
                settlement_account=data["settlement_account"],
                correspondent_account=data["correspondent_account"],
                required=False,
            )
            for field, messages in bank_errors.items():
                self.add_error(field, messages)
            for name, value in zip(names, details, strict=True):
                if name in data:
                    data[name] = value
        kind, inn, ogrn = data.get("kind"), data.get("inn"), data.get("ogrn")
        if kind and inn and ogrn:
            try:
                data["inn"], data["ogrn"] = provider_identity_validate(
                    kind=kind, inn=inn, ogrn=ogrn
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        self.add_error(field, error)
        return data


class ProviderStaffInline(admin.TabularInline):
    model = ProviderStaff
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderAdminForm
    list_display = ["short_name", "kind", "inn", "municipality", "status", "created_at"]
    list_filter = ["status", "kind", "municipality"]
    search_fields = ["short_name", "full_name", "inn", "ogrn"]
    list_select_related = ["municipality"]
    inlines = [ProviderStaffInline]

    def save_model(self, request: HttpRequest, obj: Provider, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "short_name" in form.changed_data:
            # The provider's name is searchable in each of its programs.
            provider_renamed(provider=obj)


@admin.register(ProviderModerationEvent)
class ProviderModerationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "provider", "from_status", "to_status", "actor"]
    list_filter = ["to_status"]
    search_fields = ["provider__short_name", "remarks"]
    list_select_related = ["provider", "actor"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "provider", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "provider__short_name"]
    list_select_related = ["provider"]
