from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.common.validators import normalize_digits
from kruzhok.families.models import Child, DataDeletionRequest, Guardianship


class SnilsLookupForm(forms.Form):
    snils = forms.CharField(
        label="СНИЛС ребёнка",
        max_length=20,
        help_text="11 цифр, как в документе: например 123-456-789 01.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class GuardianshipInline(ReadOnlyAdminMixin, admin.TabularInline):
    # Who may see a child changes through the second guardian's invitation, not by hand.
    model = Guardianship
    extra = 0


@admin.register(Child)
class ChildAdmin(admin.ModelAdmin):
    """A СНИЛС is shown masked and never searched through the list's query string: a search
    is a GET whose address lands in access logs. `find-by-snils/` takes it by POST instead."""

    list_display = ("full_name", "birth_date", "snils_masked", "municipality", "created_at")
    list_filter = ("municipality",)
    list_select_related = ("municipality",)
    search_fields = ("last_name", "first_name", "patronymic")
    date_hierarchy = "created_at"
    inlines = (GuardianshipInline,)
    change_list_template = "admin/families/child/change_list.html"

    @admin.display(description="ФИО", ordering="last_name")
    def full_name(self, obj: Child) -> str:
        return obj.full_name

    @admin.display(description="СНИЛС")
    def snils_masked(self, obj: Child) -> str:
        return obj.snils_masked

    def get_urls(self) -> list[URLPattern]:
        find = path(
            "find-by-snils/",
            self.admin_site.admin_view(self.find_by_snils),
            name="families_child_find_by_snils",
        )
        return [find, *super().get_urls()]

    def find_by_snils(self, request: HttpRequest) -> HttpResponse:
        form = SnilsLookupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            snils = normalize_digits(form.cleaned_data["snils"])
            child = self.get_queryset(request).filter(snils=snils).only("pk").first()
            if child is not None:
                return redirect(reverse("admin:families_child_change", args=[child.pk]))
            form.add_error("snils", "Ребёнка с таким СНИЛС нет.")
        context = {
            **self.admin_site.each_context(request),
            "title": "Найти ребёнка по СНИЛС",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/families/child/find_by_snils.html", context)


@admin.register(Guardianship)
class GuardianshipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("child", "user", "is_primary", "created_at")
    list_filter = ("is_primary",)
    list_select_related = ("child", "user")
    search_fields = ("child__last_name", "child__first_name", "user__email")


@admin.register(DataDeletionRequest)
class DataDeletionRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests are made by parents and carried out by `kruzhok families_anonymise_due`."""

    list_display = ("number", "requested_at", "anonymise_after", "anonymised_at")

    @admin.display(description="Номер запроса", ordering="pk")
    def number(self, obj: DataDeletionRequest) -> int:
        return obj.pk

    list_filter = ("anonymised_at",)
    date_hierarchy = "requested_at"
