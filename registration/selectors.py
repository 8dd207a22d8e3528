"""What the focal points' pages show: their calls, where they stand, their representatives."""

from dataclasses import dataclass

from django.db.models import Q

from accreditation.models import Application, Organization, Status
from events.models import Call, RegistrationState

from .models import EcosocConfirmation, Representative
from .services import Eligibility, eligibility


@dataclass
class CallStanding:
    call: Call
    standing: str
    registered: int
    confirmation: EcosocConfirmation | None

    @property
    def may_register(self) -> bool:
        return self.standing in (Eligibility.ACCREDITED, Eligibility.ECOSOC_CONFIRMED)

    @property
    def window_open(self) -> bool:
        return self.call.registration_state == RegistrationState.OPEN


def standings(organization: Organization) -> list[CallStanding]:
    """The calls the organization registers representatives for, or may ask to: accredited to,
    ECOSOC confirmation asked for, or (in ECOSOC status) with a registration window not
    closed yet."""
    accredited = Application.objects.filter(
        organization=organization, status=Status.ACCREDITED
    ).values("call")
    asked = EcosocConfirmation.objects.filter(organization=organization).values("call")
    scope = Q(pk__in=accredited) | Q(pk__in=asked)
    if organization.in_ecosoc_status:
        scope |= Q(is_published=True, registration_closes_at__isnull=False)
    calls = (
        Call.objects.published()
        .filter(scope)
        .select_related("venue")
        .order_by("registration_opens_at")
    )
    rows = []
    for call in calls:
        standing = eligibility(organization, call)
        if (
            standing == Eligibility.MAY_ASK_ECOSOC
            and call.registration_state == RegistrationState.CLOSED
        ):
            continue
        rows.append(standing_for(organization, call, standing))
    return rows


def standing_for(
    organization: Organization, call: Call, standing: str | None = None
) -> CallStanding:
    return CallStanding(
        call=call,
        standing=standing if standing is not None else eligibility(organization, call),
        registered=Representative.objects.filter(organization=organization, call=call).count(),
        confirmation=EcosocConfirmation.objects.filter(
            organization=organization, call=call
        ).first(),
    )


def representatives(organization: Organization, call: Call):
    return (
        Representative.objects.filter(organization=organization, call=call)
        .prefetch_related("meetings")
        .order_by("registered_at", "pk")
    )


def proposed_not_registered(organization: Organization, call: Call) -> list:
    """The people named in the organization's application to the call who are not registered
    yet (by name), to start a registration from."""
    application = (
        Application.objects.filter(organization=organization, call=call)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if application is None:
        return []
    registered = {
        name.strip().casefold()
        for name in Representative.objects.filter(organization=organization, call=call).values_list(
            "full_name", flat=True
        )
    }
    return [
        person
        for person in application.proposed_participants.all()
        if person.full_name.strip().casefold() not in registered
    ]
