"""The catalogue in the admin: shown, never edited.

A program carries its price, a group its teacher and seats, a lesson the charges made for
it: each changes through the provider's cabinet and the operator's moderation, which check
who acts, keep history and keep the search, the seats and the closed months consistent.
"""

from django.contrib import admin

from kruzhok.catalog.models import (
    Group,
    Lesson,
    Program,
    ProgramModerationEvent,
    ScheduleSlot,
)
from kruzhok.common.admin_mixins import ReadOnlyAdminMixin


@admin.register(Program)
class ProgramAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "provider",
        "direction",
        "age_min",
        "age_max",
        "price_per_hour",
        "state",
    ]
    list_filter = ["state", "direction", "financing_source", "provider"]
    search_fields = ["title", "provider__short_name"]
    list_select_related = ["provider"]
    exclude = ["search_document", "title_document"]


class ScheduleSlotInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ScheduleSlot
    extra = 0


@admin.register(Group)
class GroupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
    inlines = [ScheduleSlotInline]


@admin.register(Lesson)
class LessonAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "start_time", "hours", "group", "status"]
    list_filter = ["status", "group__program__provider"]
    search_fields = ["group__name", "group__program__title"]
    date_hierarchy = "date"
    list_select_related = ["group", "group__program"]


@admin.register(ProgramModerationEvent)
class ProgramModerationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "program", "from_state", "to_state", "actor"]
    list_filter = ["to_state"]
    search_fields = ["program__title", "remarks"]
    list_select_related = ["program", "actor"]
