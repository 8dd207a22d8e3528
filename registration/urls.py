from django.urls import path

from . import views

app_name = "registration"

urlpatterns = [
    path("representatives/", views.home, name="home"),
    path("representatives/calls/<slug:slug>/", views.call_page, name="call"),
    path("representatives/calls/<slug:slug>/add/", views.add, name="add"),
    path("representatives/calls/<slug:slug>/ecosoc/", views.request_ecosoc, name="ecosoc"),
    path("representatives/<uuid:public_id>/edit/", views.edit, name="edit"),
    path("representatives/<uuid:public_id>/remove/", views.remove, name="remove"),
    # Private: only the organization's focal points and the staff who see participants.
    path("representatives/<uuid:public_id>/photo/", views.photo, name="photo"),
    path("representatives/<uuid:public_id>/thumbnail/", views.thumbnail, name="thumbnail"),
]
