"""The rules of registering representatives, kept by ``registration.services`` whatever asks.

The call's window (open from its opening inclusive to its closing exclusive); only
organizations accredited to the call or whose ECOSOC status was confirmed for it; meetings of
the call only; the call's limit per organization; one registration per address and call;
replacements, corrections and removals with their photos; the record; the mail.
"""

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import OutgoingMail
from accounts.roles import APPLICANT, REVIEWERS
from accreditation.models import Application, Status
from accreditation.services import TooMany
from registration import services
from registration.models import EcosocConfirmation, RegistrationEvent, Representative
from registration.photos import check_photo
from tests import people
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    MeetingFactory,
    OrganizationFactory,
    UserFactory,
    jpeg_bytes,
    png_bytes,
)

pytestmark = pytest.mark.django_db

NotAllowed = services.NotAllowed

# The window: 09:00 New York time (UTC−5, winter) on 15 January 2030 to 17:00 on 15 February.
OPENS = datetime(2030, 1, 15, 14, 0, tzinfo=UTC)
CLOSES = datetime(2030, 2, 15, 22, 0, tzinfo=UTC)
DURING = OPENS + timedelta(days=3)

NOT_ELIGIBLE = (
    "Only organizations accredited to this call, or whose consultative status with ECOSOC "
    "has been confirmed for it, register representatives."
)
CLOSED = (
    "Registration of representatives closed on 15 February 2030, 17:00 New York time "
    "(UTC\u22125): representatives can no longer be registered, replaced or removed."
)
SAME_ADDRESS = "Someone with this email address is already registered for this call."
NEEDS_PHOTO = "A new representative needs their own photo: choose one."


@functools.cache
def _photo(color):
    return check_photo(SimpleUploadedFile("face.jpg", jpeg_bytes((300, 400), color)))


def a_photo():
    return _photo((180, 140, 110))


def another_photo():
    return _photo((90, 60, 40))


def accredit(organization, call, status=Status.ACCREDITED):
    """The organization's application to the call, put straight into ``status``."""
    application = ApplicationFactory(organization=organization, call=call)
    if status != Status.DRAFT:
        Application.objects.filter(pk=application.pk).update(
            status=status, reference=f"SA-2030-{application.pk:05d}", submitted_at=OPENS
        )
    return application


@pytest.fixture
def call():
    return CallFactory(
        title="Migration Review Forum",
        registration_opens_at=OPENS,
        registration_closes_at=CLOSES,
        max_representatives=2,
        contact_email="forum@un.example.org",
    )


@pytest.fixture
def meeting(call):
    return MeetingFactory(call=call, title="Opening plenary")


@pytest.fixture
def organization(call):
    organization = OrganizationFactory(name="Alpha Migrant Voices")
    accredit(organization, call)
    return organization


@pytest.fixture
def focal_point(organization):
    return FocalPointFactory(organization=organization).user


def person(**changes):
    return {
        "full_name": "Grace Wanjiru",
        "function": "Programme officer",
        "gender": "female",
        "nationality": "KE",
        "email": "grace@alpha.example",
        "language": "en",
        **changes,
    }


def register(organization, call, by, meetings, *, now=DURING, photo=None, **changes):
    return services.register_representative(
        organization=organization,
        call=call,
        by=by,
        fields=person(**changes),
        meetings=meetings,
        photo=photo or a_photo(),
        now=now,
    )


def update(representative, by, meetings, *, now=DURING, photo=None, **changes):
    fields = {name: getattr(representative, name) for name in services.PERSON_FIELDS}
    return services.update_representative(
        representative=representative,
        by=by,
        fields={**fields, **changes},
        meetings=meetings,
        photo=photo,
        now=now,
    )


def stored_files() -> set[str]:
    folder = Path(settings.MEDIA_ROOT) / "photos"
    return {f"photos/{path.name}" for path in folder.iterdir()} if folder.exists() else set()


def stored(name: str) -> bytes:
    with default_storage.open(name) as file:
        return file.read()


@pytest.fixture
def registered(organization, call, focal_point, meeting):
    """Grace, registered during the window; the outbox emptied after her confirmation."""
    representative = register(organization, call, focal_point, [meeting])
    mail.outbox.clear()
    return representative


# The window ------------------------------------------------------------------------------


def test_registering_before_the_window_is_refused_naming_the_opening_in_the_venues_time(
    organization, call, focal_point, meeting
):
    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [meeting], now=OPENS - timedelta(seconds=1))

    assert refused.value.message == (
        "Registration of representatives opens on 15 January 2030, 09:00 New York time "
        "(UTC\u22125)."
    )
    assert not Representative.objects.exists()
    assert mail.outbox == []


def test_registering_at_the_opening_instant_is_allowed(organization, call, focal_point, meeting):
    representative = register(organization, call, focal_point, [meeting], now=OPENS)

    assert representative.registered_at == OPENS
    assert Representative.objects.get() == representative


@pytest.mark.parametrize("moment", [CLOSES, CLOSES + timedelta(days=30)], ids=["at", "after"])
def test_registering_at_or_after_the_closing_is_refused(
    organization, call, focal_point, meeting, moment
):
    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [meeting], now=moment)

    assert refused.value.message == CLOSED
    assert not Representative.objects.exists()


def test_registering_one_second_before_the_closing_is_allowed(
    organization, call, focal_point, meeting
):
    register(organization, call, focal_point, [meeting], now=CLOSES - timedelta(seconds=1))

    assert Representative.objects.count() == 1


def test_a_call_without_a_window_registers_nobody(organization, call, focal_point, meeting):
    call.registration_opens_at = call.registration_closes_at = None
    call.save()

    with pytest.raises(NotAllowed, match="has not been scheduled yet"):
        register(organization, call, focal_point, [meeting])


def test_after_the_closing_nothing_changes_with_a_message(
    organization, call, focal_point, meeting, registered
):
    files_before = stored_files()
    events_before = list(RegistrationEvent.objects.values_list("pk", flat=True))
    other_meeting = MeetingFactory(call=call)
    after = CLOSES + timedelta(hours=1)

    with pytest.raises(NotAllowed) as refused_registration:
        register(organization, call, focal_point, [meeting], now=after, email="new@alpha.example")
    with pytest.raises(NotAllowed) as refused_replacement:
        update(
            registered,
            focal_point,
            [other_meeting],
            now=after,
            photo=another_photo(),
            full_name="Someone Else",
            email="someone@alpha.example",
        )
    with pytest.raises(NotAllowed) as refused_correction:
        update(registered, focal_point, [meeting], now=after, function="Director")
    with pytest.raises(NotAllowed) as refused_removal:
        services.remove_representative(representative=registered, by=focal_point, now=after)

    for refused in (
        refused_registration,
        refused_replacement,
        refused_correction,
        refused_removal,
    ):
        assert refused.value.message == CLOSED
    [representative] = Representative.objects.all()
    assert representative.pk == registered.pk
    assert representative.full_name == "Grace Wanjiru"
    assert representative.function == "Programme officer"
    assert representative.email == "grace@alpha.example"
    assert representative.photo.name == registered.photo.name
    assert list(representative.meetings.all()) == [meeting]
    assert stored_files() == files_before
    assert list(RegistrationEvent.objects.values_list("pk", flat=True)) == events_before
    assert mail.outbox == []


# Who may register ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        Status.DRAFT,
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.RECOMMENDED,
        Status.NOT_RECOMMENDED,
        Status.NOT_ACCREDITED,
        Status.WITHDRAWN,
    ],
)
def test_an_organization_not_accredited_to_the_call_registers_nobody(call, meeting, status):
    organization = OrganizationFactory()
    accredit(organization, call, status)
    focal_point = FocalPointFactory(organization=organization).user

    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [meeting])

    assert refused.value.message == NOT_ELIGIBLE
    assert not Representative.objects.exists()


def test_an_organization_accredited_to_another_call_registers_nobody_to_this_one(call, meeting):
    organization = OrganizationFactory()
    accredit(organization, CallFactory())
    focal_point = FocalPointFactory(organization=organization).user

    with pytest.raises(NotAllowed, match="Only organizations accredited to this call"):
        register(organization, call, focal_point, [meeting])


@pytest.fixture
def in_ecosoc_status(call):
    organization = OrganizationFactory(name="Beta Refugee Council", in_ecosoc_status=True)
    return organization, FocalPointFactory(organization=organization).user


def test_an_organization_whose_ecosoc_status_is_only_requested_registers_nobody(
    call, meeting, in_ecosoc_status
):
    organization, focal_point = in_ecosoc_status
    services.request_ecosoc_confirmation(
        organization=organization, call=call, by=focal_point, now=DURING
    )

    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [meeting])

    assert refused.value.message == NOT_ELIGIBLE


def test_an_organization_whose_ecosoc_status_was_refused_registers_nobody(
    call, meeting, in_ecosoc_status
):
    organization, focal_point = in_ecosoc_status
    confirmation = services.request_ecosoc_confirmation(
        organization=organization, call=call, by=focal_point, now=DURING
    )
    services.decide_ecosoc_confirmation(
        confirmation=confirmation, by=people.reviewer(), confirm=False, reason="Not on the list."
    )

    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [meeting])

    assert refused.value.message == NOT_ELIGIBLE


def test_an_organization_whose_ecosoc_status_was_confirmed_registers_as_the_accredited_do(
    call, meeting, in_ecosoc_status
):
    organization, focal_point = in_ecosoc_status
    confirmation = services.request_ecosoc_confirmation(
        organization=organization, call=call, by=focal_point, now=DURING
    )
    services.decide_ecosoc_confirmation(
        confirmation=confirmation, by=people.reviewer(), confirm=True
    )

    representative = register(organization, call, focal_point, [meeting])

    assert representative.organization == organization


def test_an_ecosoc_status_confirmed_for_another_call_does_not_count(
    call, meeting, in_ecosoc_status
):
    organization, focal_point = in_ecosoc_status
    other_call = CallFactory(registration_opens_at=OPENS, registration_closes_at=CLOSES)
    confirmation = services.request_ecosoc_confirmation(
        organization=organization, call=other_call, by=focal_point, now=DURING
    )
    services.decide_ecosoc_confirmation(
        confirmation=confirmation, by=people.reviewer(), confirm=True
    )

    with pytest.raises(NotAllowed, match="Only organizations accredited to this call"):
        register(organization, call, focal_point, [meeting])


# Meetings --------------------------------------------------------------------------------


def test_a_meeting_of_another_call_is_refused(organization, call, focal_point, meeting):
    elsewhere = MeetingFactory(call=CallFactory())

    for meetings in ([elsewhere], [meeting, elsewhere]):
        with pytest.raises(NotAllowed) as refused:
            register(organization, call, focal_point, meetings)
        assert refused.value.message == "Choose meetings of this call only."
    assert not Representative.objects.exists()


def test_a_representative_attends_at_least_one_meeting(organization, call, focal_point):
    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [])

    assert refused.value.message == "Choose at least one meeting the representative will attend."


def test_an_update_to_a_meeting_of_another_call_is_refused(call, focal_point, meeting, registered):
    elsewhere = MeetingFactory(call=CallFactory())

    with pytest.raises(NotAllowed, match="Choose meetings of this call only"):
        update(registered, focal_point, [elsewhere], function="Director")
    with pytest.raises(NotAllowed, match="Choose at least one meeting"):
        update(registered, focal_point, [], function="Director")

    registered.refresh_from_db()
    assert registered.function == "Programme officer"
    assert list(registered.meetings.all()) == [meeting]


# The limit per organization --------------------------------------------------------------


def test_the_representative_past_the_limit_is_refused_and_one_removed_makes_room(
    organization, call, focal_point, meeting
):
    first = register(organization, call, focal_point, [meeting], email="one@alpha.example")
    register(organization, call, focal_point, [meeting], email="two@alpha.example")

    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [meeting], email="three@alpha.example")

    assert refused.value.message == (
        "Your organization has registered its 2 representatives, the most this call allows. "
        "Replace or remove one to register someone else."
    )
    assert organization.representatives.count() == 2

    services.remove_representative(representative=first, by=focal_point, now=DURING)
    register(organization, call, focal_point, [meeting], email="three@alpha.example")

    assert sorted(organization.representatives.values_list("email", flat=True)) == [
        "three@alpha.example",
        "two@alpha.example",
    ]


def test_a_limit_of_one_is_named_in_the_singular(organization, call, focal_point, meeting):
    call.max_representatives = 1
    call.save()
    register(organization, call, focal_point, [meeting], email="one@alpha.example")

    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [meeting], email="two@alpha.example")

    assert refused.value.message == (
        "Your organization has registered its 1 representative, the most this call allows. "
        "Replace or remove them to register someone else."
    )


def test_the_limit_is_per_organization_and_per_call(organization, call, focal_point, meeting):
    call.max_representatives = 1
    call.save()
    register(organization, call, focal_point, [meeting], email="one@alpha.example")
    other = OrganizationFactory()
    accredit(other, call)
    other_call = CallFactory(registration_opens_at=OPENS, registration_closes_at=CLOSES)
    accredit(organization, other_call)

    register(
        other, call, FocalPointFactory(organization=other).user, [meeting], email="b@b.example"
    )
    register(
        organization,
        other_call,
        focal_point,
        [MeetingFactory(call=other_call)],
        email="one@alpha.example",
    )

    assert Representative.objects.count() == 3


# One registration per address and call ---------------------------------------------------


def test_the_same_address_twice_in_a_call_is_refused_whatever_its_case(
    organization, call, focal_point, meeting, registered
):
    files_before = stored_files()

    with pytest.raises(NotAllowed) as refused:
        register(
            organization,
            call,
            focal_point,
            [meeting],
            full_name="Grace W. Wanjiru",
            email="Grace@ALPHA.example",
        )

    assert refused.value.message == SAME_ADDRESS
    assert Representative.objects.count() == 1
    # Nothing of the refused registration is left in storage.
    assert stored_files() == files_before
    assert mail.outbox == []


def test_an_address_registered_by_another_organization_in_the_call_is_refused(
    call, meeting, registered
):
    other = OrganizationFactory()
    accredit(other, call)

    with pytest.raises(NotAllowed) as refused:
        register(other, call, FocalPointFactory(organization=other).user, [meeting])

    # Another organization's people are its own: the message does not say they are there.
    assert refused.value.message.startswith("This address cannot be registered for this call.")
    assert "already registered" not in refused.value.message


def test_the_same_address_may_be_registered_for_another_call(organization, focal_point, registered):
    other_call = CallFactory(registration_opens_at=OPENS, registration_closes_at=CLOSES)
    accredit(organization, other_call)

    register(organization, other_call, focal_point, [MeetingFactory(call=other_call)])

    assert Representative.objects.filter(email="grace@alpha.example").count() == 2


def test_a_replacement_by_someone_already_registered_in_the_call_is_refused(
    organization, call, focal_point, meeting, registered
):
    second = register(organization, call, focal_point, [meeting], email="second@alpha.example")
    files_before = stored_files()

    with pytest.raises(NotAllowed) as refused:
        update(second, focal_point, [meeting], photo=another_photo(), email="GRACE@alpha.example")

    assert refused.value.message == SAME_ADDRESS
    second.refresh_from_db()
    assert second.email == "second@alpha.example"
    assert stored_files() == files_before


def test_two_registering_the_same_address_at_once_are_told_so_by_the_constraint(
    organization, call, focal_point, meeting, registered, monkeypatch
):
    # As if the other registration had committed between the check and the insert.
    monkeypatch.setattr(services, "_check_address", lambda *args, **kwargs: None)
    files_before = stored_files()

    with pytest.raises(NotAllowed) as refused:
        register(organization, call, focal_point, [meeting], email="grace@ALPHA.example")

    assert refused.value.message == SAME_ADDRESS
    assert Representative.objects.count() == 1
    assert stored_files() == files_before


# Replacement, correction, removal --------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{"full_name": "Someone Else"}, {"email": "someone@alpha.example"}],
    ids=["new-name", "new-address"],
)
def test_a_replacement_without_a_photo_is_refused(focal_point, meeting, registered, changes):
    with pytest.raises(NotAllowed) as refused:
        update(registered, focal_point, [meeting], **changes)

    assert refused.value.message == NEEDS_PHOTO
    registered.refresh_from_db()
    assert registered.full_name == "Grace Wanjiru"
    assert registered.email == "grace@alpha.example"
    assert not RegistrationEvent.objects.exclude(kind=RegistrationEvent.Kind.REGISTERED).exists()


def test_a_correction_keeps_the_photo_and_mails_nobody(call, focal_point, meeting, registered):
    other_meeting = MeetingFactory(call=call)
    photo, thumbnail = registered.photo.name, registered.thumbnail.name

    corrected = update(
        registered,
        focal_point,
        [meeting, other_meeting],
        # The same person, written differently.
        full_name="grace wanjiru ",
        function="Director of programmes",
        language="fr",
    )

    corrected.refresh_from_db()
    assert corrected.pk == registered.pk
    assert corrected.function == "Director of programmes"
    assert corrected.language == "fr"
    assert set(corrected.meetings.all()) == {meeting, other_meeting}
    assert (corrected.photo.name, corrected.thumbnail.name) == (photo, thumbnail)
    assert default_storage.exists(photo)
    assert default_storage.exists(thumbnail)
    event = RegistrationEvent.objects.get(kind=RegistrationEvent.Kind.CORRECTED)
    assert event.replaced_person == ""
    assert mail.outbox == []


def test_a_correction_with_a_new_photo_replaces_the_files(focal_point, meeting, registered):
    old = {registered.photo.name, registered.thumbnail.name}

    corrected = update(registered, focal_point, [meeting], photo=another_photo(), function="Chair")

    assert old.isdisjoint({corrected.photo.name, corrected.thumbnail.name})
    assert not any(default_storage.exists(name) for name in old)
    assert default_storage.exists(corrected.photo.name)
    assert RegistrationEvent.objects.filter(kind=RegistrationEvent.Kind.CORRECTED).count() == 1
    assert mail.outbox == []


def test_a_replacement_stores_the_new_photo_and_deletes_the_old_one(
    focal_point, meeting, registered
):
    old = [registered.photo.name, registered.thumbnail.name]
    assert all(default_storage.exists(name) for name in old)

    replaced = update(
        registered,
        focal_point,
        [meeting],
        photo=another_photo(),
        full_name="Joseph Otieno",
        email="joseph@alpha.example",
        gender="male",
    )

    replaced.refresh_from_db()
    assert replaced.full_name == "Joseph Otieno"
    assert replaced.registered_by == focal_point
    assert replaced.registered_at == DURING
    assert stored(replaced.photo.name) == another_photo().content
    assert stored(replaced.thumbnail.name) == another_photo().thumbnail
    assert not any(default_storage.exists(name) for name in old)
    event = RegistrationEvent.objects.get(kind=RegistrationEvent.Kind.REPLACED)
    assert (event.person, event.replaced_person) == ("Joseph Otieno", "Grace Wanjiru")


def test_the_old_photo_is_deleted_only_once_the_replacement_commits(
    focal_point, meeting, registered
):
    old = [registered.photo.name, registered.thumbnail.name]

    def replace_then_fail():
        with transaction.atomic():
            update(
                registered,
                focal_point,
                [meeting],
                photo=another_photo(),
                full_name="Joseph Otieno",
                email="joseph@alpha.example",
            )
            raise RuntimeError("the request failed after the replacement")

    with pytest.raises(RuntimeError):
        replace_then_fail()

    registered.refresh_from_db()
    assert registered.full_name == "Grace Wanjiru"
    assert [registered.photo.name, registered.thumbnail.name] == old
    assert all(default_storage.exists(name) for name in old)
    assert mail.outbox == []


def test_a_removal_deletes_the_photos_and_leaves_the_name_on_the_record(
    organization, call, focal_point, registered
):
    files = [registered.photo.name, registered.thumbnail.name]

    services.remove_representative(representative=registered, by=focal_point, now=DURING)

    assert not Representative.objects.exists()
    assert not any(default_storage.exists(name) for name in files)
    event = RegistrationEvent.objects.get(kind=RegistrationEvent.Kind.REMOVED)
    assert (event.organization, event.call, event.person) == (organization, call, "Grace Wanjiru")
    assert mail.outbox == []


def test_a_representative_is_removed_once(focal_point, meeting, registered):
    stale = Representative.objects.get(pk=registered.pk)
    services.remove_representative(representative=registered, by=focal_point, now=DURING)

    with pytest.raises(NotAllowed, match="no longer registered"):
        services.remove_representative(representative=stale, by=focal_point, now=DURING)
    with pytest.raises(NotAllowed, match="no longer registered"):
        update(stale, focal_point, [meeting], function="Director")

    assert RegistrationEvent.objects.filter(kind=RegistrationEvent.Kind.REMOVED).count() == 1


# The record ------------------------------------------------------------------------------


def test_every_change_is_on_the_record_with_its_author_role_and_time(
    organization, call, focal_point, meeting, in_ecosoc_status
):
    moments = [DURING + timedelta(hours=hours) for hours in range(4)]
    representative = register(organization, call, focal_point, [meeting], now=moments[0])
    representative = update(
        representative, focal_point, [meeting], now=moments[1], function="Director"
    )
    representative = update(
        representative,
        focal_point,
        [meeting],
        now=moments[2],
        photo=another_photo(),
        full_name="Joseph Otieno",
        email="joseph@alpha.example",
    )
    services.remove_representative(representative=representative, by=focal_point, now=moments[3])
    beta, beta_focal_point = in_ecosoc_status
    asked_at = DURING + timedelta(days=1)
    confirmation = services.request_ecosoc_confirmation(
        organization=beta, call=call, by=beta_focal_point, now=asked_at
    )
    decided_at = asked_at + timedelta(hours=2)
    services.decide_ecosoc_confirmation(
        confirmation=confirmation, by=people.reviewer(), confirm=True, now=decided_at
    )

    record = [
        (
            event.kind,
            event.organization,
            event.person,
            event.replaced_person,
            event.actor,
            event.role,
            event.at,
        )
        for event in RegistrationEvent.objects.filter(call=call)
    ]
    kind = RegistrationEvent.Kind
    assert record == [
        (kind.REGISTERED, organization, "Grace Wanjiru", "", focal_point, APPLICANT, moments[0]),
        (kind.CORRECTED, organization, "Grace Wanjiru", "", focal_point, APPLICANT, moments[1]),
        (
            kind.REPLACED,
            organization,
            "Joseph Otieno",
            "Grace Wanjiru",
            focal_point,
            APPLICANT,
            moments[2],
        ),
        (kind.REMOVED, organization, "Joseph Otieno", "", focal_point, APPLICANT, moments[3]),
        (kind.ECOSOC_REQUESTED, beta, "", "", beta_focal_point, APPLICANT, asked_at),
        (kind.ECOSOC_CONFIRMED, beta, "", "", people.reviewer(), REVIEWERS, decided_at),
    ]
    assert APPLICANT == "Applicant"
    assert EcosocConfirmation.objects.get().status == EcosocConfirmation.Status.CONFIRMED


# The mail --------------------------------------------------------------------------------


def test_a_registration_mails_the_representative_the_meetings(
    organization, call, focal_point, meeting
):
    second = MeetingFactory(call=call, title="Round table on remittances")
    MeetingFactory(call=call, title="A meeting she does not attend")

    register(organization, call, focal_point, [meeting, second])

    [message] = mail.outbox
    assert message.to == ["grace@alpha.example"]
    assert message.reply_to == ["forum@un.example.org"]
    assert message.subject == "You are registered: Migration Review Forum"
    assert "Dear Grace Wanjiru," in message.body
    assert "Alpha Migrant Voices has registered you" in message.body
    assert "- Opening plenary (22 November 2030 – 23 November 2030)" in message.body
    assert "- Round table on remittances" in message.body
    assert "does not attend" not in message.body
    html = message.alternatives[0].content
    assert "<li>Opening plenary" in html
    assert "Round table on remittances" in html


def test_a_registration_is_mailed_in_the_representatives_language_not_the_focal_points(
    organization, call, focal_point, meeting
):
    focal_point.preferred_language = "en"
    focal_point.save()

    register(organization, call, focal_point, [meeting], language="fr")

    [message] = mail.outbox
    # The meeting's dates are in French whatever the translation of the sentences.
    assert "22 novembre 2030" in message.body
    assert "22 novembre 2030" in message.alternatives[0].content
    assert (
        OutgoingMail.objects.filter(template="registration/email/registered").get().language == "fr"
    )


def test_a_registration_mailed_in_french_has_a_french_subject_and_body(
    organization, call, focal_point, meeting
):
    register(organization, call, focal_point, [meeting], language="fr")

    [message] = mail.outbox
    assert message.subject != "You are registered: Migration Review Forum"
    assert "Migration Review Forum" in message.subject
    assert "Dear" not in message.body
    assert "has registered you" not in message.body
    assert "Opening plenary" in message.body


def test_a_replacement_mails_the_new_representative_and_a_correction_nobody(
    focal_point, meeting, registered
):
    update(registered, focal_point, [meeting], function="Director")
    assert mail.outbox == []

    update(
        registered,
        focal_point,
        [meeting],
        photo=another_photo(),
        full_name="Joseph Otieno",
        email="joseph@alpha.example",
    )

    [message] = mail.outbox
    assert message.to == ["joseph@alpha.example"]
    assert "Dear Joseph Otieno," in message.body
    assert "- Opening plenary" in message.body


def test_a_refused_registration_mails_nobody(organization, call, focal_point, meeting):
    with pytest.raises(NotAllowed):
        register(organization, call, focal_point, [meeting], now=CLOSES)

    assert mail.outbox == []


def test_a_png_photo_is_stored_as_a_jpeg(organization, call, focal_point, meeting):
    photo = check_photo(SimpleUploadedFile("face.png", png_bytes((300, 400))))

    representative = register(organization, call, focal_point, [meeting], photo=photo)

    assert representative.photo.name.endswith(".jpg")
    assert stored(representative.photo.name)[:3] == b"\xff\xd8\xff"


def test_each_organization_registers_or_replaces_at_most_so_many_people_a_day(
    organization, call, focal_point, meeting, settings
):
    settings.REGISTRATION_MAILS_PER_DAY = 2
    call.max_representatives = 5
    call.save()
    for number in range(2):
        register(organization, call, focal_point, [meeting], email=f"p{number}@alpha.example")
    mail.outbox.clear()

    with pytest.raises(TooMany) as refused:
        register(
            organization,
            call,
            focal_point,
            [meeting],
            email="third@alpha.example",
            now=DURING + timedelta(hours=1),
        )

    assert "the most the portal mails in a day" in refused.value.message
    assert mail.outbox == []
    # A day later, the next one is mailed.
    register(
        organization,
        call,
        focal_point,
        [meeting],
        email="third@alpha.example",
        now=DURING + timedelta(days=1, minutes=1),
    )
    assert [m.to for m in mail.outbox] == [["third@alpha.example"]]


@pytest.mark.parametrize(
    ("when", "says"),
    [
        (OPENS - timedelta(days=1), "Registration opens on 15 January 2030"),
        (DURING, "Registration is open from 15 January 2030"),
        (CLOSES + timedelta(days=1), "Registration closed on 15 February 2030"),
    ],
)
def test_the_confirmation_mail_says_where_registration_stands(call, when, says):
    organization = OrganizationFactory(in_ecosoc_status=True)
    FocalPointFactory(organization=organization, user=UserFactory(email="ecosoc@example.org"))
    confirmation = EcosocConfirmation.objects.create(organization=organization, call=call)

    with time_machine.travel(when, tick=False):
        services.decide_ecosoc_confirmation(
            confirmation=confirmation, by=people.reviewer(), confirm=True, now=when
        )

    (message,) = mail.outbox
    assert says in message.body


def test_reviewers_are_told_a_request_waits_in_their_language(call):
    reviewer = people.reviewer()
    reviewer.preferred_language = "fr"
    reviewer.save()
    people.pga_office()
    organization = OrganizationFactory(name="Gamma Coalition", in_ecosoc_status=True)
    focal_point = FocalPointFactory(organization=organization).user

    confirmation = services.request_ecosoc_confirmation(
        organization=organization, call=call, by=focal_point, now=DURING
    )

    (message,) = mail.outbox
    assert message.to == [reviewer.email]
    assert "Gamma Coalition" in message.subject
    assert "ECOSOC" in message.subject
    assert f"/admin/registration/ecosocconfirmation/{confirmation.pk}/change/" in message.body
    assert "asks for its consultative status" not in message.body  # French
