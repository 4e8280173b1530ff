from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Model
from django.http import HttpRequest

from kruzhok.accounts.models import User
from kruzhok.accounts.validators import normalize_email


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "last_name", "first_name", "patronymic", "role", "municipality")

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Личные данные", {"fields": ("last_name", "first_name", "patronymic", "phone")}),
        ("Роль", {"fields": ("role", "municipality")}),
        (
            "Права доступа",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        ("Даты", {"fields": ("date_joined", "email_confirmed_at", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "last_name",
                    "first_name",
                    "patronymic",
                    "role",
                    "municipality",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("email", "full_name_display", "role", "municipality", "email_confirmed")
    list_filter = ("role", "municipality", "is_staff", "is_active")
    list_select_related = ("municipality",)
    search_fields = ("email", "last_name", "first_name", "patronymic", "phone")
    ordering = ("email",)
    readonly_fields = ("date_joined", "last_login")

    @admin.display(description="ФИО", ordering="last_name")
    def full_name_display(self, obj: User) -> str:
        return obj.full_name

    @admin.display(description="почта подтверждена", boolean=True)
    def email_confirmed(self, obj: User) -> bool:
        return obj.email_confirmed_at is not None

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # People are deactivated, not deleted: their children, contracts and the audit journal
        # refer to them. Only a superuser may remove an account created by mistake.
        return request.user.is_superuser
