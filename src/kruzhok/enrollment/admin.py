from django.contrib import admin

from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.enrollment.models import Application, Contract


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "child", "group", "status", "created_at", "status_changed_at")
    list_filter = ("status", "group__program__provider")
    search_fields = ("child__last_name", "child__snils", "group__program__title")
    date_hierarchy = "created_at"
    list_select_related = ("child", "group__program")


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "application",
        "start_date",
        "end_date",
        "total_cost",
        "certificate_part",
        "parent_part",
        "accepted_at",
    )
    search_fields = ("number", "application__child__last_name")
    list_select_related = ("application__child", "application__group__program")
