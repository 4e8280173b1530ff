from django.contrib import admin

from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "subject", "created_at", "read_at", "emailed_at")
    search_fields = ("user__email", "subject")
