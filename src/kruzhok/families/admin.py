import re

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.common.validators import normalize_digits
from kruzhok.families.models import Child, Guardianship

_SNILS_AS_TYPED = re.compile(r"\d{3}[\s-]?\d{3}[\s-]?\d{3}[\s-]?\d{2}")


class GuardianshipInline(ReadOnlyAdminMixin, admin.TabularInline):
    # Who may see a child changes through the second guardian's invitation, not by hand.
    model = Guardianship
    extra = 0


@admin.register(Child)
class ChildAdmin(admin.ModelAdmin):
    list_display = ("full_name", "birth_date", "snils_display", "municipality", "created_at")
    list_filter = ("municipality",)
    list_select_related = ("municipality",)
    search_fields = ("last_name", "first_name", "patronymic", "snils")
    date_hierarchy = "created_at"
    inlines = (GuardianshipInline,)

    @admin.display(description="ФИО", ordering="last_name")
    def full_name(self, obj: Child) -> str:
        return obj.full_name

    @admin.display(description="СНИЛС", ordering="snils")
    def snils_display(self, obj: Child) -> str:
        return obj.snils_display

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Child], search_term: str
    ) -> tuple[QuerySet[Child], bool]:
        # СНИЛС is typed as on the document (123-456-789 01) but stored as 11 digits.
        if _SNILS_AS_TYPED.fullmatch(search_term.strip()):
            search_term = normalize_digits(search_term)
        return super().get_search_results(request, queryset, search_term)


@admin.register(Guardianship)
class GuardianshipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("child", "user", "is_primary", "created_at")
    list_filter = ("is_primary",)
    list_select_related = ("child", "user")
    search_fields = ("child__last_name", "child__first_name", "child__snils", "user__email")
