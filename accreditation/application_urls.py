from django.urls import path

from . import views

app_name = "accreditation"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("organization/", views.organization_profile, name="organization"),
    path("organization/invite/", views.invite, name="invite"),
    path("organization/export/", views.export, name="export"),
    path("invitations/<int:pk>/accept/", views.accept_invitation, name="accept_invitation"),
    path("calls/<slug:slug>/apply/", views.start, name="start"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/submit/", views.submit, name="submit"),
    path("applications/<int:pk>/submitted/", views.submitted, name="submitted"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/delete/", views.delete_draft, name="delete_draft"),
    path(
        "applications/<int:pk>/documents/<uuid:public_id>/remove/",
        views.remove_document,
        name="remove_document",
    ),
    path("documents/<uuid:public_id>/", views.document, name="document"),
    path("account/delete/", views.delete_account, name="delete_account"),
]
