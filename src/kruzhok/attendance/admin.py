from django.contrib import admin

from kruzhok.attendance.models import AttendanceMark
from kruzhok.catalog.models import LessonChange
from kruzhok.common.admin_mixins import ReadOnlyAdminMixin


@admin.register(AttendanceMark)
class AttendanceMarkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("lesson", "contract", "present", "marked_by", "marked_at")
    list_filter = ("present",)
    list_select_related = ("lesson__group__program", "contract", "marked_by")


@admin.register(LessonChange)
class LessonChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("lesson", "kind", "from_date", "from_time", "to_date", "to_time", "actor", "at")
    list_filter = ("kind",)
    list_select_related = ("lesson__group__program", "actor")
