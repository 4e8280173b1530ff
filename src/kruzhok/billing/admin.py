from django.contrib import admin

from kruzhok.billing.models import Charge
from kruzhok.common.admin_mixins import ReadOnlyAdminMixin


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
