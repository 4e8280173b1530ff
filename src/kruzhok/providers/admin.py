"""Providers in the admin: shown, never edited.

A provider holds bank details (where its money goes) and its staff (who reads its journal,
contracts and exports); both change through the provider's cabinet and the operator's
moderation, which check who acts and keep history.
"""

from django.contrib import admin

from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.providers.models import (
    Provider,
    ProviderModerationEvent,
    ProviderStaff,
    StaffInvitation,
)


class ProviderStaffInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProviderStaff
    extra = 0


@admin.register(Provider)
class ProviderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "kind", "inn", "municipality", "status", "created_at"]
    list_filter = ["status", "kind", "municipality"]
    search_fields = ["short_name", "full_name", "inn", "ogrn"]
    list_select_related = ["municipality"]
    inlines = [ProviderStaffInline]


@admin.register(ProviderModerationEvent)
class ProviderModerationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "provider", "from_status", "to_status", "actor"]
    list_filter = ["to_status"]
    search_fields = ["provider__short_name", "remarks"]
    list_select_related = ["provider", "actor"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "provider", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "provider__short_name"]
    list_select_related = ["provider"]
