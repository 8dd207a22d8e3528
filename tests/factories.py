from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.models import User
from events.models import Call, Meeting, Venue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    given_name = "Amina"
    family_name = "Diallo"


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True
    email = factory.Sequence(lambda n: f"staff{n}@un.example.org")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue
        django_get_or_create = ["name"]

    name = "United Nations Headquarters"
    city = "New York"
    country = "US"
    time_zone = "America/New_York"


class ViennaVenueFactory(VenueFactory):
    name = "United Nations Office at Vienna"
    city = "Vienna"
    country = "AT"
    time_zone = "Europe/Vienna"


class CallFactory(factory.django.DjangoModelFactory):
    """An open, published call by default: opened a week ago, closing in ten days."""

    class Meta:
        model = Call

    title = factory.Sequence(lambda n: f"High-level meeting number {n}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    mandate = "General Assembly resolution 75/283"
    mandate_symbol = "A/RES/75/283"
    summary = "The President of the General Assembly invites applications."
    venue = factory.SubFactory(VenueFactory)
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    is_published = True


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    call = factory.SubFactory(CallFactory)
    title = factory.Sequence(lambda n: f"Plenary meeting {n}")
    kind = Meeting.Kind.HIGH_LEVEL_MEETING
    start_date = date(2030, 11, 22)
    end_date = date(2030, 11, 23)
    venue = factory.LazyAttribute(lambda meeting: meeting.call.venue)
    format = Meeting.Format.IN_PERSON
