from django.contrib import admin

from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.enrollment.models import Application, Contract, EnrollmentWindow


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "child",
        "group",
        "status",
        "created_at",
        "status_changed_at",
        "decide_by",
    )
    list_filter = ("status", "group__program__provider")
    # Never a СНИЛС: a search is a GET whose address lands in access logs.
    search_fields = ("child__last_name", "group__program__title")
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


@admin.register(EnrollmentWindow)
class EnrollmentWindowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Read-only: windows change through the services (audited) on the «Периоды записи» page.
    list_display = ("id", "program", "group", "opens_at", "closes_at", "changed_by", "changed_at")
    list_select_related = ("program", "group__program", "changed_by")
