"""Pages for everyone: which organizations were accredited under a call."""

from django.shortcuts import get_object_or_404, render

from events.models import Call

from .. import selectors
from ..models import MemberStateList


def accredited(request, slug):
    """A published call's accredited organizations (name and country), once its list is final."""
    call = get_object_or_404(Call.objects.published().select_related("venue"), slug=slug)
    finalized = MemberStateList.objects.filter(
        call=call, status=MemberStateList.Status.FINALIZED
    ).first()
    organizations = list(selectors.accredited_organizations(call)) if finalized else []
    return render(
        request,
        "reviews/public/accredited.html",
        {"call": call, "finalized": finalized, "organizations": organizations},
    )
