"""The admin site is the superuser's tool, and only theirs.

Every person works in the portal's pages; an operator's `is_staff` or group rights open
nothing here. `SuperuserAdminConfig` takes the place of `django.contrib.admin` in
INSTALLED_APPS so that `admin.site` (and every `@admin.register`) is this site.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    site_header = "Кружок — администрирование"
    site_title = "Кружок"
    index_title = "Данные портала"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class SuperuserAdminConfig(AdminConfig):
    default_site = "kruzhok.common.admin_site.SuperuserAdminSite"
