from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.common.models import AuditEvent, Municipality, NumberSequence


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "region_code", "region_name", "children_population")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "region_code", "region_name", "children_population")}),
        (
            "Плательщик по счетам поставщиков (уполномоченный орган)",
            {
                "description": "Реквизиты печатаются в каждом счёте и акте поставщика. "
                "Незаполненные реквизиты в документах выводятся как «не указано».",
                "fields": (
                    "payer_name",
                    ("payer_inn", "payer_kpp", "payer_ogrn"),
                    "payer_address",
                    "payer_bank_name",
                    ("payer_bik", "payer_account", "payer_correspondent_account"),
                ),
            },
        ),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Certificates, accounts and providers refer to a municipality (PROTECT): never deleted.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The journal of actions is evidence: it is read, never corrected."""

    list_display = ("created_at", "actor", "action", "object_type", "object_id", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "object_id", "actor__email", "actor__last_name")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Gapless counters: a change by hand would repeat or skip certificate numbers."""

    list_display = ("name", "last_value")
    not_money_fields = ("last_value",)
