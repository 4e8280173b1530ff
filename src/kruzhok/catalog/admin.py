from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from kruzhok.catalog import services
from kruzhok.catalog.bank_details import bank_details_errors
from kruzhok.catalog.models import (
    Group,
    Lesson,
    Program,
    ProgramModerationEvent,
    Provider,
    ProviderModerationEvent,
    ProviderStaff,
    ScheduleSlot,
    StaffInvitation,
)
from kruzhok.common.admin_mixins import ReadOnlyAdminMixin


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
                data["inn"], data["ogrn"] = services.provider_identity_validate(
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
            services.provider_search_refresh(provider=obj)


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "provider", "direction", "age_min", "age_max", "state"]
    list_filter = ["state", "direction", "financing_source", "provider"]
    search_fields = ["title", "provider__short_name"]
    list_select_related = ["provider"]
    autocomplete_fields = ["provider"]
    # A program's state moves through moderation (/operator/moderation/), which keeps history.
    readonly_fields = ["state"]

    def save_model(self, request: HttpRequest, obj: Program, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.program_search_refresh(program=obj)


class ScheduleSlotInline(admin.TabularInline):
    model = ScheduleSlot
    extra = 1


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "program",
        "teacher",
        "start_date",
        "end_date",
        "capacity",
        "seats_taken",
        "enrollment_open",
    ]
    list_filter = ["enrollment_open", "program__provider"]
    search_fields = ["name", "program__title"]
    list_select_related = ["program", "teacher"]
    autocomplete_fields = ["program"]
    raw_id_fields = ["teacher"]
    # Seats are taken and released by enrolment only; editing them by hand would break the count.
    readonly_fields = ["seats_taken"]
    inlines = [ScheduleSlotInline]
    actions = ["generate_lessons"]

    @admin.action(description="Сформировать занятия по расписанию")
    def generate_lessons(self, request: HttpRequest, queryset: QuerySet[Group]) -> None:
        created = sum(services.lessons_generate(group=group) for group in queryset)
        self.message_user(request, f"Создано занятий: {created}.", messages.SUCCESS)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["date", "start_time", "hours", "group", "status"]
    list_filter = ["status", "group__program__provider"]
    search_fields = ["group__name", "group__program__title"]
    date_hierarchy = "date"
    list_select_related = ["group", "group__program"]
    autocomplete_fields = ["group"]


@admin.register(ProviderModerationEvent)
class ProviderModerationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "provider", "from_status", "to_status", "actor"]
    list_filter = ["to_status"]
    search_fields = ["provider__short_name", "remarks"]
    list_select_related = ["provider", "actor"]


@admin.register(ProgramModerationEvent)
class ProgramModerationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "program", "from_state", "to_state", "actor"]
    list_filter = ["to_state"]
    search_fields = ["program__title", "remarks"]
    list_select_related = ["program", "actor"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "provider", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "provider__short_name"]
    list_select_related = ["provider"]
