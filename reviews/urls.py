from django.urls import path

from .views import delegates, office, participants, public

app_name = "reviews"

urlpatterns = [
    # The PGA office's pages: drawing up, circulating and finalizing the lists.
    path("office/", office.home, name="office_home"),
    path("office/calls/<slug:slug>/list/", office.current_list, name="office_list"),
    path("office/calls/<slug:slug>/new-version/", office.new_version, name="office_new_version"),
    path("office/lists/<int:pk>/", office.version, name="office_version"),
    path("office/lists/<int:pk>/add/", office.add, name="office_add"),
    path("office/lists/<int:pk>/remove/", office.remove, name="office_remove"),
    path("office/lists/<int:pk>/leave-off/", office.leave_off, name="office_leave_off"),
    path("office/lists/<int:pk>/share/", office.share, name="office_share"),
    path("office/lists/<int:pk>/circulate/", office.circulate, name="office_circulate"),
    path("office/lists/<int:pk>/finalize/", office.finalize, name="office_finalize"),
    path("office/lists/<int:pk>/compare/<int:other>/", office.compare, name="office_compare"),
    path("office/lists/<int:pk>/list.<str:file_format>", office.export, name="office_export"),
    # The PGA office and administrators: who registered for a call's meetings.
    path("office/participants/", participants.calls, name="office_participant_calls"),
    path(
        "office/calls/<slug:slug>/participants/",
        participants.participants,
        name="office_participants",
    ),
    path(
        "office/calls/<slug:slug>/participants.<str:file_format>",
        participants.export,
        name="office_participants_export",
    ),
    # Member State delegates: the circulated lists, requests and objections.
    path("member-states/", delegates.home, name="delegate_home"),
    path("member-states/lists/<int:pk>/", delegates.list_page, name="delegate_list"),
    path(
        "member-states/lists/<int:pk>/list.<str:file_format>",
        delegates.export,
        name="delegate_export",
    ),
    path(
        "member-states/entries/<int:pk>/request/",
        delegates.request_information,
        name="delegate_request",
    ),
    path(
        "member-states/entries/<int:pk>/object/", delegates.lodge_objection, name="delegate_object"
    ),
    path(
        "member-states/entries/<int:pk>/withdraw/",
        delegates.withdraw_objection,
        name="delegate_withdraw",
    ),
    # Everyone: who was accredited, for transparency.
    path("calls/<slug:slug>/accredited/", public.accredited, name="accredited"),
]
