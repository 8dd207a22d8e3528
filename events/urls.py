from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.CallListView.as_view(), name="call_list"),
    path("calls/<slug:slug>/", views.CallDetailView.as_view(), name="call_detail"),
    path("help/", views.HelpView.as_view(), name="help"),
]
