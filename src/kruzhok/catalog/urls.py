"""The catalogue's URLs, one list for each place they live in (kruzhok/urls.py includes them):

- `urlpatterns` — the public catalogue under /catalog/ (`catalog:`);
- `cabinet_urlpatterns` — the provider's programs and groups under /provider/, named
  `provider:` together with the providers app's pages there;
- `moderation_urlpatterns` — the operator's moderation under /operator/ (`operator:`);
- `import_urlpatterns` — programs and groups from XLSX under /provider/import/
  (`provider_import:`).
"""

from django.urls import URLPattern, path

from kruzhok.catalog import group_views, import_views, moderation_views, program_views, views

app_name = "catalog"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("programs/<id:pk>/", views.program_detail, name="program_detail"),
]

cabinet_urlpatterns: list[URLPattern] = [
    path("", program_views.home, name="home"),
    path("<id:provider_id>/programs/new/", program_views.program_create, name="program_create"),
    path("programs/<id:pk>/", program_views.program_detail, name="program_detail"),
    path("programs/<id:pk>/edit/", program_views.program_edit, name="program_edit"),
    path("programs/<id:pk>/submit/", program_views.program_submit, name="program_submit"),
    path("programs/<id:pk>/archive/", program_views.program_archive, name="program_archive"),
    path("programs/<id:program_id>/groups/new/", group_views.group_create, name="group_create"),
    path("groups/<id:pk>/edit/", group_views.group_edit, name="group_edit"),
]

moderation_urlpatterns: list[URLPattern] = [
    path("moderation/", moderation_views.queue, name="queue"),
    path(
        "moderation/providers/<id:pk>/",
        moderation_views.provider_detail,
        name="provider_detail",
    ),
    path(
        "moderation/providers/<id:pk>/approve/",
        moderation_views.provider_approve,
        name="provider_approve",
    ),
    path(
        "moderation/providers/<id:pk>/reject/",
        moderation_views.provider_reject,
        name="provider_reject",
    ),
    path("moderation/programs/<id:pk>/", moderation_views.program_detail, name="program_detail"),
    path(
        "moderation/programs/<id:pk>/approve/",
        moderation_views.program_approve,
        name="program_approve",
    ),
    path(
        "moderation/programs/<id:pk>/return/",
        moderation_views.program_return,
        name="program_return",
    ),
]

import_urlpatterns: list[URLPattern] = [
    path("", import_views.import_page, name="page"),
    path("template.xlsx", import_views.import_template, name="template"),
]
