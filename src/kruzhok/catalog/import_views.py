"""Programs and groups from an XLSX file: the template to download and the upload page."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.catalog import imports
from kruzhok.common.forms import BootstrapBoundField
from kruzhok.common.xlsx import XLSX_CONTENT_TYPE
from kruzhok.providers.models import Provider, ProviderStatus, StaffRole


class ImportForm(forms.Form):
    bound_field_class = BootstrapBoundField

    provider = forms.ModelChoiceField(
        label="Организация",
        queryset=Provider.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Выберите свою организацию."},
    )
    file = forms.FileField(
        label="Заполненный шаблон (.xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={
            "required": "Выберите заполненный файл шаблона.",
            "empty": "Файл пустой.",
        },
    )

    def __init__(self, *args: Any, providers: QuerySet[Provider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = providers
        if len(providers) == 1:
            field.initial = providers[0].pk
            field.widget = forms.HiddenInput()

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > imports.MAX_FILE_BYTES:
            raise forms.ValidationError("Файл больше 5 МБ: разделите его на несколько.")
        return upload


def _admin_providers(request: AuthenticatedHttpRequest) -> QuerySet[Provider]:
    """The admitted providers the user administers: a provider still awaiting the operator's
    decision (or refused, or blocked) imports nothing."""
    providers = Provider.objects.filter(
        staff__user=request.user, staff__role=StaffRole.ADMIN, status=ProviderStatus.APPROVED
    ).order_by("short_name")
    if not providers.exists():
        raise PermissionDenied(
            "Загружать программы может администратор организации, допущенной оператором."
        )
    return providers


@role_required(Role.PROVIDER)
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(imports.import_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="kruzhok-programs-template.xlsx"'
    return response


@role_required(Role.PROVIDER)
def import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    providers = _admin_providers(request)
    form = ImportForm(request.POST or None, request.FILES or None, providers=providers)
    result: imports.ImportResult | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload: UploadedFile = form.cleaned_data["file"]
            result = imports.catalog_import(
                actor=request.user, provider=form.cleaned_data["provider"], data=upload.read()
            )
            if result.ok:
                messages.success(
                    request,
                    f"Загружено программ: {result.programs}, групп: {result.groups}. "
                    "Программы сохранены черновиками: отправьте их на проверку.",
                )
                return redirect("provider_import:page")
        status = 400
    sheets: list[tuple[str, list[imports.ImportIssue]]] = []
    if result is not None:
        for issue in result.issues:
            if not sheets or sheets[-1][0] != issue.sheet:
                sheets.append((issue.sheet, []))
            sheets[-1][1].append(issue)
    return render(
        request,
        "catalog/import.html",
        {
            "form": form,
            "result": result,
            "sheets": sheets,
            "program_columns": imports.PROGRAM_COLUMNS,
            "group_columns": imports.GROUP_COLUMNS,
            "max_rows": imports.MAX_ROWS,
        },
        status=status,
    )
