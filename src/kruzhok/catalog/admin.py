from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from kruzhok.catalog import lessons, programs
from kruzhok.catalog.models import (
    Group,
    Lesson,
    Program,
    ProgramModerationEvent,
    ScheduleSlot,
)
from kruzhok.common.admin_mixins import ReadOnlyAdminMixin


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
        programs.program_search_refresh(program=obj)


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
        created = sum(lessons.lessons_generate(group=group) for group in queryset)
        self.message_user(request, f"Создано занятий: {created}.", messages.SUCCESS)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["date", "start_time", "hours", "group", "status"]
    list_filter = ["status", "group__program__provider"]
    search_fields = ["group__name", "group__program__title"]
    date_hierarchy = "date"
    list_select_related = ["group", "group__program"]
    autocomplete_fields = ["group"]


@admin.register(ProgramModerationEvent)
class ProgramModerationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "program", "from_state", "to_state", "actor"]
    list_filter = ["to_state"]
    search_fields = ["program__title", "remarks"]
    list_select_related = ["program", "actor"]
