from django.conf import settings
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from . import selectors
from .models import Call, CallState

# Every page here is public: calls are published notices.


class CallListView(TemplateView):
    template_name = "events/call_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(calls=selectors.public_calls(at=timezone.now()), **kwargs)


class CallDetailView(DetailView):
    template_name = "events/call_detail.html"
    context_object_name = "call"

    def get_queryset(self):
        return selectors.calls_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        call = self.object
        return super().get_context_data(
            state=call.state_at(timezone.now()),
            CallState=CallState,
            ngo_branch_url=settings.NGO_BRANCH_URL,
            **kwargs,
        )


class HelpView(TemplateView):
    """How sign-in works, what is shared with Member States, and whom to ask."""

    template_name = "events/help.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            calls_with_contact=Call.objects.published()
            .exclude(contact_email="")
            .order_by("-deadline")[:20],
            link_minutes=settings.SIGN_IN_LINK_MINUTES,
            ngo_branch_url=settings.NGO_BRANCH_URL,
            **kwargs,
        )
