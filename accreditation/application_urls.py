from django.urls import path

from . import views

app_name = "accreditation"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("organization/", views.organization_profile, name="organization"),
    path("organization/invite/", views.invite, name="invite"),
    path("organization/export/", views.export, name="export"),
    path(
        "organization/invitations/<int:pk>/cancel/",
        views.cancel_invitation,
        name="cancel_invitation",
    ),
    path(
        "organization/focal-points/<int:user_id>/remove/",
        views.remove_focal_point,
        name="remove_focal_point",
    ),
    path("invitations/<int:pk>/accept/", views.accept_invitation, name="accept_invitation"),
    path("invitations/<int:pk>/decline/", views.decline_invitation, name="decline_invitation"),
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
