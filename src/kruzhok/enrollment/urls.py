from django.urls import path

from kruzhok.enrollment import views

app_name = "enrollment"

urlpatterns = [
    path("apply/<id:group_id>/", views.apply, name="apply"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<id:pk>/", views.application_detail, name="application_detail"),
    path("applications/<id:pk>/accept-offer/", views.offer_accept, name="offer_accept"),
    path("applications/<id:pk>/cancel/", views.application_cancel, name="application_cancel"),
    path("applications/<id:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<id:pk>/contract.pdf", views.contract_pdf, name="contract_pdf"),
    path("provider/", views.provider_queue, name="provider_queue"),
    path("provider/accept/", views.provider_bulk_accept, name="provider_bulk_accept"),
    path("provider/<id:pk>/accept/", views.provider_accept, name="provider_accept"),
    path("provider/<id:pk>/reject/", views.provider_reject, name="provider_reject"),
    path("provider/<id:pk>/withdraw/", views.provider_withdraw, name="provider_withdraw"),
    path("windows/", views.window_list, name="window_list"),
    path("windows/program/<id:program_id>/", views.window_edit, name="window_program"),
    path("windows/group/<id:group_id>/", views.window_edit, name="window_group"),
]
