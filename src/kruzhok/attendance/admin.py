from django.contrib import admin

from kruzhok.attendance.models import AttendanceMark
from kruzhok.common.admin_mixins import ReadOnlyAdminMixin


@admin.register(AttendanceMark)
class AttendanceMarkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("lesson", "contract", "present", "marked_by", "marked_at")
    list_filter = ("present",)
    list_select_related = ("lesson__group__program", "contract", "marked_by")
