"""The staff side's steps: review steps on applications, internal notes, the ECOSOC list.

An application's status still changes only through ``accreditation.services.transition``;
the steps here check who may take them and which step applies, then call it.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import role_of
from accreditation.models import Application, EcosocOrganization, StaffNote, Status
from accreditation.names import homepage_domain, normalize_name
from accreditation.permissions import is_visible_to_staff
from accreditation.services import NotAllowed, mail_focal_points, transition

from . import permissions

__all__ = ["NotAllowed"]  # refusals are accreditation's one exception, raised here too


# Review steps ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewAction:
    name: str
    label: str
    target: str
    sources: frozenset
    needs_message: bool = False
    needs_reason: bool = False
    # Whether it may be taken on many applications at once from the list.
    in_bulk: bool = False


REVIEW_ACTIONS = {
    action.name: action
    for action in [
        ReviewAction(
            "start_review",
            gettext_lazy("Start review"),
            Status.UNDER_REVIEW,
            frozenset({Status.SUBMITTED}),
            in_bulk=True,
        ),
        ReviewAction(
            "request_information",
            gettext_lazy("Request more information"),
            Status.INFORMATION_REQUESTED,
            frozenset({Status.SUBMITTED, Status.UNDER_REVIEW}),
            needs_message=True,
        ),
        ReviewAction(
            "recommend",
            gettext_lazy("Recommend"),
            Status.RECOMMENDED,
            frozenset({Status.UNDER_REVIEW}),
            in_bulk=True,
        ),
        ReviewAction(
            "not_recommend",
            gettext_lazy("Do not recommend"),
            Status.NOT_RECOMMENDED,
            # Also when the applicant never answers a request.
            frozenset({Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED}),
            needs_reason=True,
        ),
        ReviewAction(
            "reopen",
            gettext_lazy("Reopen"),
            Status.UNDER_REVIEW,
            frozenset({Status.RECOMMENDED, Status.NOT_RECOMMENDED}),
        ),
    ]
}
# Steps that tell the applicant something by mail.
MAILED_ACTIONS = {"request_information", "recommend", "not_recommend", "reopen"}


def available_actions(application: Application) -> list[ReviewAction]:
    return [action for action in REVIEW_ACTIONS.values() if application.status in action.sources]


def review(
    *,
    application: Application,
    action: str,
    by: User,
    message: str = "",
    internal_reason: str = "",
    answer_by: date | None = None,
    now: datetime | None = None,
) -> Application:
    """Take one review step on an application, as a reviewer.

    The row is locked first, so two reviewers acting at once are serialized:
    the second sees the first one's result and is refused if its step no
    longer applies.
    """
    step = REVIEW_ACTIONS[action]
    if not permissions.can_review(by):
        raise NotAllowed(_("Only reviewers can take review steps."))
    message, internal_reason = message.strip(), internal_reason.strip()
    if step.needs_message and not message:
        raise NotAllowed(_("Write the message the applicant will receive."))
    if step.needs_reason and not internal_reason:
        raise NotAllowed(_("Give the internal reason for not recommending."))
    if answer_by is not None and action != "request_information":
        answer_by = None
    if answer_by is not None and answer_by <= timezone.localdate(now):
        raise NotAllowed(_("The date for the answer must be after today."))
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status not in step.sources:
            raise NotAllowed(
                _("“%(action)s” is not possible: the application is now “%(status)s”.")
                % {"action": step.label, "status": Status(application.status).label}
            )
        transition(
            application=application,
            to=step.target,
            by=by,
            note=internal_reason,
            message=message,
            answer_by=answer_by,
            now=now,
        )
        if action in MAILED_ACTIONS:
            mail_focal_points(
                application,
                f"accreditation/email/{action}",
                message=message,
                extra={"answer_by": answer_by},
            )
    return application


def add_staff_note(*, application: Application, by: User, text: str) -> StaffNote:
    if not permissions.can_add_staff_notes(by):
        raise NotAllowed(_("Only reviewers and the PGA office can add internal notes."))
    if not is_visible_to_staff(application):
        raise NotAllowed(_("A draft cannot be annotated."))
    return StaffNote.objects.create(
        application=application, author=by, role=role_of(by), text=text.strip()
    )


# The ECOSOC list ------------------------------------------------------------------


@dataclass(frozen=True)
class EcosocImport:
    imported: int
    skipped: int


# The column headers as UN DESA's lists and people's spreadsheets spell them, compared
# without case, surrounding spaces or a byte order mark.
ECOSOC_COLUMNS = {
    "name": {
        "name",
        "organization",
        "organisation",
        "organization name",
        "organisation name",
        "name of organization",
        "name of organisation",
    },
    "country": {"country", "country/area", "country or area"},
    "status": {"status", "consultative status"},
    "homepage": {"homepage", "home page", "website", "web site", "url"},
}


def _ecosoc_header_key(column: str | None) -> str:
    key = " ".join((column or "").replace("\ufeff", "").casefold().split())
    return key.replace(" / ", "/")


def _read_ecosoc_list(text: str) -> tuple[list[EcosocOrganization], int]:
    """The rows of a CSV as published by UN DESA (name, country, status[, homepage]), and
    how many were left out for want of a name; NotAllowed says what is wrong with a file."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise NotAllowed(
            _("Line %(line)d holds a NUL character: the file is not a plain-text CSV file.")
            % {"line": line}
        )
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error:
        header = []
    columns = {}
    for column in header:
        key = _ecosoc_header_key(column)
        for field, spellings in ECOSOC_COLUMNS.items():
            if key in spellings:
                columns.setdefault(field, column)
    if "name" not in columns:
        raise NotAllowed(
            _("The file has no “name” column. Expected columns: name, country, status.")
        )
    try:
        return _ecosoc_rows(reader, columns)
    except csv.Error as error:
        raise NotAllowed(
            _("The file could not be read as CSV (line %(line)d).") % {"line": reader.line_num}
        ) from error


def ecosoc_list_version() -> str:
    """Changes whenever the list is replaced (each import adds rows with new keys)."""
    last = EcosocOrganization.objects.order_by("-pk").values_list("pk", flat=True).first()
    return f"{EcosocOrganization.objects.count()}:{last or 0}"


def import_ecosoc_list(*, text: str, expected_version: str | None = None) -> EcosocImport:
    """Replace the ECOSOC list with a CSV as published by UN DESA (name, country, status[, homepage]).

    ``expected_version``: the list's version when the change was previewed; if the list was
    replaced since, nothing is done and NotAllowed says so.
    """
    rows, skipped = _read_ecosoc_list(text)
    with transaction.atomic():
        if expected_version is not None:
            # Waits for an import replacing a non-empty list at the same moment.
            EcosocOrganization.objects.select_for_update().order_by("-pk").first()
            if ecosoc_list_version() != expected_version:
                raise NotAllowed(
                    _(
                        "The ECOSOC list was replaced since this preview. "
                        "Upload the file again to see what it would change now."
                    )
                )
        EcosocOrganization.objects.all().delete()
        EcosocOrganization.objects.bulk_create(rows, batch_size=1000)
    return EcosocImport(imported=len(rows), skipped=skipped)


ECOSOC_PREVIEW_NAMES = 10


@dataclass(frozen=True)
class EcosocPreview:
    """What an import would change, organizations compared by normalized name."""

    imported: int
    skipped: int
    added: int
    removed: int
    unchanged: int
    # Up to ECOSOC_PREVIEW_NAMES of each, in alphabetical order.
    added_names: list[str]
    removed_names: list[str]
    unchanged_names: list[str]
    version: str


def preview_ecosoc_list(*, text: str) -> EcosocPreview:
    """What ``import_ecosoc_list`` would do with this file; nothing is changed."""
    rows, skipped = _read_ecosoc_list(text)
    with transaction.atomic():
        version = ecosoc_list_version()
        current = list(EcosocOrganization.objects.values_list("normalized_name", "name"))

    def key(normalized_name, name):
        return normalized_name or name.casefold()

    current_keys = {key(*pair) for pair in current}
    new_keys = set()
    added, unchanged = [], []
    for row in rows:
        row_key = key(row.normalized_name, row.name)
        new_keys.add(row_key)
        (unchanged if row_key in current_keys else added).append(row.name)
    removed = [
        name for normalized_name, name in current if key(normalized_name, name) not in new_keys
    ]

    def first(names):
        return sorted(names, key=str.casefold)[:ECOSOC_PREVIEW_NAMES]

    return EcosocPreview(
        imported=len(rows),
        skipped=skipped,
        added=len(added),
        removed=len(removed),
        unchanged=len(unchanged),
        added_names=first(added),
        removed_names=first(removed),
        unchanged_names=first(unchanged),
        version=version,
    )


def _ecosoc_rows(reader, columns) -> tuple[list[EcosocOrganization], int]:
    """``columns``: the header of each column read (name, country, status, homepage)."""
    rows, skipped = [], 0
    for row in reader:
        values = {
            field: (row.get(columns[field], "") if field in columns else "") or ""
            for field in ("name", "country", "status", "homepage")
        }
        values = {field: value.strip() for field, value in values.items()}
        if not values["name"]:
            skipped += 1
            continue
        for column in ("name", "country", "status"):
            limit = EcosocOrganization._meta.get_field(column).max_length
            if len(values[column]) > limit:
                raise NotAllowed(
                    _("Line %(line)d: the %(column)s is longer than %(limit)d characters.")
                    % {"line": reader.line_num, "column": column, "limit": limit}
                )
        rows.append(
            EcosocOrganization(
                name=values["name"],
                normalized_name=normalize_name(values["name"])[:300],
                country=values["country"],
                status=values["status"],
                homepage_domain=homepage_domain(values["homepage"])[:253],
            )
        )
    return rows, skipped
