from django.urls import path

from kruzhok.enrollment import views

app_name = "enrollment"

urlpatterns = [
    path("apply/<int:group_id>/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/accept-offer/", views.offer_accept, name="offer_accept"),
    path("applications/<int:pk>/cancel/", views.application_cancel, name="application_cancel"),
    path("provider/", views.provider_queue, name="provider_queue"),
    path("provider/<int:pk>/accept/", views.provider_accept, name="provider_accept"),
    path("provider/<int:pk>/reject/", views.provider_reject, name="provider_reject"),
]
