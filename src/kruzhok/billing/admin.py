from django.contrib import admin

from kruzhok.billing.models import MonthClosure, PeriodClosure
from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.enrollment.models import Charge


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "contract",
        "lesson",
        "lesson_value",
        "certificate_amount",
        "parent_amount",
        "created_at",
        "reversed_at",
    )
    list_select_related = ("contract", "lesson__group__program")


@admin.register(MonthClosure)
class MonthClosureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Months are closed through billing.services.month_close (it checks who and which month).
    list_display = ("municipality", "month", "closed_at", "closed_by")
    list_filter = ("municipality",)
    list_select_related = ("municipality", "closed_by")


@admin.register(PeriodClosure)
class PeriodClosureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Periods are closed through billing.periods (the operator's page or the console).
    list_display = ("financing_program", "status", "started_at", "started_by", "finished_at")
    list_filter = ("status",)
    list_select_related = ("financing_program__municipality", "started_by")
