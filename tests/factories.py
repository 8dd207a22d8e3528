import io
from datetime import date, timedelta

import factory
import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accreditation import services
from accreditation.models import Application, Document, FocalPoint, Organization, Status
from accreditation.uploads import check_upload
from events.models import Call, Meeting, Venue
from registration.models import Representative


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


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Migrant Voices Network {n}")
    acronym = "MVN"
    type = Organization.Type.MIGRANT
    country = "KE"
    city = "Nairobi"
    year_established = 2009
    homepage = "https://www.migrantvoices.example"
    contact_email = "info@migrantvoices.example"
    phone = "+254 20 000000"
    head_name = "Grace Wanjiru"
    head_title = "Executive Director"
    areas_of_work = "Migrant rights"
    in_ecosoc_status = False


class FocalPointFactory(factory.django.DjangoModelFactory):
    """A person speaking for an organization; ``FocalPointFactory().user`` signs in."""

    class Meta:
        model = FocalPoint

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft with a reason, no documents and no acknowledgement yet."""

    class Meta:
        model = Application

    organization = factory.SubFactory(OrganizationFactory)
    call = factory.SubFactory(CallFactory)
    reason = "We work with migrants and want their experience heard."


def pdf_bytes(pages: int = 1) -> bytes:
    """A small, clean PDF."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    output = io.BytesIO()
    pdf.save(output)
    return output.getvalue()


def png_bytes(size=(8, 8), color=(20, 120, 200)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format="PNG")
    return output.getvalue()


def complete_application(application=None, *, by=None) -> Application:
    """An application with everything needed to submit it (one person proposed to be sent
    among them), through the services."""
    application = application or ApplicationFactory()
    by = by or FocalPointFactory(organization=application.organization).user
    meetings = list(application.call.meetings.all()) or [MeetingFactory(call=application.call)]
    services.save_draft(
        application=application,
        by=by,
        reason=application.reason,
        meetings=meetings,
        acknowledged=True,
        participants=[
            {"full_name": "Grace Wanjiru", "function": "Executive Director", "gender": "female"}
        ],
    )
    for kind in (Document.Kind.LEGAL_STATUS, Document.Kind.HEAD_LETTER):
        services.add_document(
            application=application,
            kind=kind,
            checked=check_upload(SimpleUploadedFile(f"{kind}.pdf", pdf_bytes())),
            by=by,
        )
    application.refresh_from_db()
    return application


def application_in(status: str) -> Application:
    """A complete application put straight into a status, as if it had got there step by step."""
    application = complete_application()
    if status != Status.DRAFT:
        Application.objects.filter(pk=application.pk).update(
            status=status, reference=f"SA-2030-{application.pk:05d}", submitted_at=timezone.now()
        )
        application.refresh_from_db()
    return application


def jpeg_bytes(size=(1200, 1600), color=(180, 140, 110)) -> bytes:
    """A camera-like JPEG with EXIF (a camera make and GPS), for photo tests."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 12.0, 30.0)}  # GPS latitude
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif, quality=80)
    return output.getvalue()


def open_registration(call, *, days_left: int = 10):
    """The call's registration window, opened a day ago and closing in ``days_left`` days."""
    now = timezone.now()
    call.registration_opens_at = now - timedelta(days=1)
    call.registration_closes_at = now + timedelta(days=days_left)
    call.save(update_fields=["registration_opens_at", "registration_closes_at"])
    return call


class RepresentativeFactory(factory.django.DjangoModelFactory):
    """A registered representative with a small stored photo; set ``organization`` and ``call``
    (and a meeting with ``meetings=[...]``) as the test needs them."""

    class Meta:
        model = Representative
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    call = factory.SubFactory(CallFactory)
    full_name = factory.Sequence(lambda n: f"Amina Person {n}")
    function = "Programme officer"
    gender = "female"
    nationality = "KE"
    email = factory.Sequence(lambda n: f"person{n}@migrantvoices.example")
    language = "en"
    photo = factory.django.FileField(filename="photo.jpg", data=b"\xff\xd8\xff")
    thumbnail = factory.django.FileField(filename="thumbnail.jpg", data=b"\xff\xd8\xff")

    @factory.post_generation
    def meetings(self, create, extracted, **kwargs):
        if create and extracted:
            self.meetings.set(extracted)
