"""No role filters, searches or orders an admin list by a field it may not read.

Django's admin filters a list by any lookup written into the address on the model's own
fields (``?note__startswith=S``), shown or not: the internal reason of a status change could
be read one character at a time by someone who may not read it. Every list of the portal
takes only its own filters (those of its sidebar and date hierarchy); anything else is a 400.
"""

import html
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.admin import FieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from accounts import services as account_services
from accounts.admin import PortalAdmin
from accounts.roles import ADMINISTRATORS, PGA_OFFICE, REVIEWERS
from accreditation import services
from accreditation.models import Application, MembershipEvent, Status, StatusChange
from registration.models import EcosocConfirmation, RegistrationEvent
from reviews import services as review_services
from tests.factories import (
    CallFactory,
    FocalPointFactory,
    OrganizationFactory,
    RepresentativeFactory,
    StaffFactory,
    UserFactory,
    complete_application,
    open_registration,
)
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

SUPERUSER = "superuser"
ROLES = [REVIEWERS, PGA_OFFICE, ADMINISTRATORS, SUPERUSER]
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODELS = [model for model, _model_admin in REGISTERED]
MODEL_IDS = [model._meta.label for model in MODELS]
INTERNAL_REASON = "Statutes look altered."


def staff(role):
    if role == SUPERUSER:
        return StaffFactory()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def own_parameters(model_admin, user):
    """The parameters the list's own filters and date hierarchy take, built as Django builds
    them (whether or not a filter has choices to show)."""
    request = RequestFactory().get("/")
    request.user = user
    model = model_admin.model
    names = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type):
            spec = item(request, {}, model, model_admin)
        else:
            path, make = item if isinstance(item, (list, tuple)) else (item, FieldListFilter.create)
            field = get_fields_from_path(model, path)[-1]
            spec = make(field, request, {}, model, model_admin, field_path=path)
        names.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        names.update(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return names


@pytest.fixture
def record():
    """One of everything the lists show: a submitted application under review with an
    internal reason, a note and a document opened; a reset second factor; the ECOSOC list."""
    application = complete_application()
    focal_point = application.organization.memberships.first().user
    services.submit_application(application=application, by=focal_point)
    reviewer = staff(REVIEWERS)
    review_services.review(application=application, action="start_review", by=reviewer)
    review_services.review(
        application=application,
        action="request_information",
        by=reviewer,
        message="Please send the statutes.",
        internal_reason=INTERNAL_REASON,
    )
    review_services.add_staff_note(application=application, by=reviewer, text="Call the embassy.")
    services.record_document_view(document=application.documents.first(), by=reviewer)
    account_services.reset_second_factor(
        user=reviewer, by=StaffFactory(), note="Reset from the admin"
    )
    review_services.import_ecosoc_list(
        text="name,country,status\nMigrant Voices Network,Kenya,Special\n"
    )
    MembershipEvent.objects.create(
        organization=application.organization,
        kind=MembershipEvent.Kind.JOINED,
        email=focal_point.email,
        actor=focal_point,
    )
    # Representatives: one registered (on the record) and an ECOSOC confirmation asked for.
    call = open_registration(application.call)
    Application.objects.filter(pk=application.pk).update(status=Status.ACCREDITED)
    RepresentativeFactory(organization=application.organization, call=call)
    RegistrationEvent.objects.create(
        organization=application.organization,
        call=call,
        kind=RegistrationEvent.Kind.REGISTERED,
        person="Amina Person",
        actor=focal_point,
    )
    EcosocConfirmation.objects.create(organization=OrganizationFactory(), call=call)
    application.refresh_from_db()
    return SimpleNamespace(application=application, focal_point=focal_point)


def test_every_admin_of_the_portal_takes_only_its_own_filters():
    assert [
        model._meta.label
        for model, model_admin in REGISTERED
        if not isinstance(model_admin, PortalAdmin)
    ] == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_no_list_is_filtered_by_a_lookup_typed_into_the_address(client, record, role, model):
    user = staff(role)
    sign_in(client, user)
    url = changelist_url(model)
    opened = client.get(url).status_code
    own = own_parameters(admin.site._registry[model], user)

    # The refusal goes by the parameter's name, whatever its lookup: one lookup a field
    # stands for all (the tests below try __regex, __isnull and exact values on the fields
    # that matter most).
    answers = {}
    for field in model._meta.concrete_fields:
        key = f"{field.name}__startswith"
        if key not in own:
            answers[key] = client.get(url, {key: "S"}).status_code

    assert opened in {200, 403}
    expected = 400 if opened == 200 else opened
    assert {key: status for key, status in answers.items() if status != expected} == {}


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_every_choice_of_a_lists_own_filters_still_works(client, record, model):
    # A superuser sees every list and every filter; what each role may open is tested above.
    sign_in(client, staff(SUPERUSER))
    url = changelist_url(model)
    page = client.get(url)
    if page.status_code == 403:
        return
    changelist = page.context["cl"]
    links = []
    for spec in changelist.filter_specs:
        choices = [choice["query_string"] for choice in spec.choices(changelist)]
        # Every country of the world is a choice: the first few and the last stand for all.
        links += choices if len(choices) <= 5 else [*choices[:4], choices[-1]]
    date_hierarchy = admin.site._registry[model].date_hierarchy
    if date_hierarchy:
        first = changelist.queryset.values_list(date_hierarchy, flat=True).first()
        if first:
            links.append(
                f"?{date_hierarchy}__year={first.year}&{date_hierarchy}__month={first.month}"
                f"&{date_hierarchy}__day={first.day}"
            )

    answers = {link: client.get(url + link).status_code for link in links}
    faceted = client.get(url, {"_facets": "True"})

    assert {link: status for link, status in answers.items() if status != 200} == {}
    assert faceted.status_code == 200


def test_an_administrator_cannot_read_an_internal_reason_through_a_filter(client, record):
    sign_in(client, staff(ADMINISTRATORS))
    url = changelist_url(StatusChange)

    answers = [
        client.get(url, {"note__startswith": "S"}),
        client.get(url, {"note__regex": "^Statutes"}),
        client.get(url, {"note__contains": "altered"}),
        client.get(url, {"note": INTERNAL_REASON}),
    ]

    assert [response.status_code for response in answers] == [400] * 4
    assert all(INTERNAL_REASON not in response.content.decode() for response in answers)


def test_the_refusal_is_a_page_in_words_for_the_person_signed_in(client, record):
    sign_in(client, staff(ADMINISTRATORS))

    response = client.get(changelist_url(StatusChange), {"note__startswith": "S"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "This request cannot be answered" in page
    assert "Sign out" in page  # drawn with the request: the header knows who is signed in


def test_an_administrator_cannot_tell_which_applications_have_internal_notes(client, record):
    sign_in(client, staff(ADMINISTRATORS))
    url = changelist_url(Application)

    answers = [
        client.get(url, {"staff_notes__isnull": "False"}),
        client.get(url, {"staff_notes__text__startswith": "C"}),
        client.get(url, {"history__note__startswith": "S"}),
    ]

    assert [response.status_code for response in answers] == [400] * 3


def test_not_even_a_reviewer_filters_by_a_lookup_of_their_own(client, record):
    sign_in(client, staff(REVIEWERS))

    response = client.get(changelist_url(StatusChange), {"note__startswith": "S"})

    assert response.status_code == 400
    assert "This request cannot be answered" in response.content.decode()


def test_the_lists_own_filters_still_filter(client, record):
    sign_in(client, staff(ADMINISTRATORS))
    call = record.application.call
    other = CallFactory()  # with a single call, Django shows no filter by call, nor applies it

    by_call = client.get(changelist_url(Application), {"call__id__exact": call.pk})
    by_other_call = client.get(changelist_url(Application), {"call__id__exact": other.pk})
    by_step = client.get(changelist_url(StatusChange), {"to_status__exact": "under_review"})

    assert by_call.context["cl"].result_count == 1
    assert by_other_call.context["cl"].result_count == 0
    assert by_step.context["cl"].result_count == 1


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_a_list_is_ordered_by_its_columns_only(client, record, model):
    # The columns are the same for every role; the superuser opens every list.
    sign_in(client, staff(SUPERUSER))
    url = changelist_url(model)
    columns = len(client.get(url).context["cl"].list_display)
    asked = ["0", f"-{columns - 1}", str(columns), "note", "1.-2.x", "99999999999999999999"]

    pages = {order: client.get(url, {"o": order}) for order in asked}

    assert {order: page.status_code for order, page in pages.items()} == dict.fromkeys(asked, 200)
    # Whatever is asked, the list is sorted by its columns (or its default order), never by a
    # field reached by name.
    for page in pages.values():
        changelist = page.context["cl"]
        by_columns = {changelist.get_ordering_field(name) for name in changelist.list_display}
        default = {*(changelist.model_admin.ordering or ()), *model._meta.ordering}
        allowed = {str(field).lstrip("-") for field in by_columns | default if field}
        ordered_by = {str(field).lstrip("-") for field in changelist.queryset.query.order_by}
        assert ordered_by - allowed <= {"pk", model._meta.pk.name}, page.request


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_a_list_is_searched_only_by_what_the_role_reads_on_its_pages(client, record, role, model):
    """Each search field of a row is shown to the role: in the list, on the row's page, or on
    the page of the object the field belongs to (the organization of an application)."""
    user = staff(role)
    sign_in(client, user)
    model_admin = admin.site._registry[model]
    url = changelist_url(model)
    listing = client.get(url)
    if listing.status_code == 403:
        return
    request = RequestFactory().get(url)
    request.user = user
    rows = list(model_admin.get_queryset(request))
    assert rows, f"{model._meta.label}: the fixture gives the list no row"

    unread = []
    for row in rows:
        pages = [listing.content.decode(), client.get(change_url(row)).content.decode()]
        for path in model_admin.get_search_fields(request):
            path = path.lstrip("^=@")
            first, *rest = path.split("__")
            related = getattr(row, first, None) if rest else None
            if related is not None and hasattr(related, "_meta") and related._meta.pk:
                pages.append(client.get(change_url(related)).content.decode())
            for value in values_along(row, path.split("__")):
                if value and not any(html.escape(str(value)) in page for page in pages):
                    unread.append((str(row), path, value))

    assert unread == []


def values_along(obj, parts):
    if obj is None:
        return []
    if not parts:
        return [obj]
    value = getattr(obj, parts[0], None)
    if hasattr(value, "all"):  # a many-valued relation
        return [found for item in value.all() for found in values_along(item, parts[1:])]
    return values_along(value, parts[1:])


def test_reviewers_read_who_speaks_for_an_organization_as_they_search_by_it(client, record):
    organization = record.application.organization
    colleague = FocalPointFactory(
        organization=organization, user=UserFactory(email="second@migrants.example")
    ).user
    sign_in(client, staff(REVIEWERS))

    page = client.get(change_url(organization)).content.decode()
    found = client.get(changelist_url(Application), {"q": "second@migrants.example"})

    assert colleague.email in page
    assert record.focal_point.email in page
    assert found.context["cl"].result_count == 1
    assert 'name="memberships-0-user"' not in page  # shown, not editable
