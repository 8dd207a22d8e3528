"""The balance of a list: who is on it, by region, country, type and gender, and what to weigh.

The PGA office draws up a list "taking into account the principles of transparency and
equitable geographical representation, with due regard for gender parity". The balance panel
beside the draft list shows, for the applications on it:

- the organizations per UN regional group (``reviews/regional_groups.py``): the five groups
  always, zeros included, then "no regional group" and "other (not a Member State)" when an
  organization is in one of them;
- the organizations per country of headquarters, the most first, then by name;
- the organizations per type (every type of ``Organization.Type``, zeros included);
- the proposed participants per gender (every ``Gender``, zeros included);

each drawn as a chart on the server (SVG, by matplotlib: no JavaScript) and given as a table,
and the warnings, in words:

- a regional group has no organization on the list;
- one country holds more than ``settings.LIST_COUNTRY_SHARE_MAX`` of the list's organizations
  (only for a list of at least ``COUNTRY_CHECK_MIN_ORGANIZATIONS``, 4: on a smaller list one
  organization is already a quarter or more of it);
- women, or men, are under ``settings.LIST_GENDER_SHARE_MIN`` of the proposed participants whose
  gender is female or male.

``balance_of()`` runs two queries whatever the number of applications. Labels and warnings
are in the language active when it is called (the reader's); the charts, in the language
active when ``Balance.charts()`` is called. Nothing is cached: the panel follows the list.
"""

import io
import re
import textwrap
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

import matplotlib
from django.conf import settings
from django.db.models import Count, QuerySet
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext
from django_countries import countries
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from accreditation.models import Application, Gender, Organization, ProposedParticipant
from reviews.regional_groups import GROUPS, RegionalGroup, regional_group

# No GUI backend is ever chosen: each chart is its own Figure on an SVG canvas, never pyplot's
# global figures, so requests drawing at once in several threads share nothing. Text stays
# text in the SVG (readable, searchable, selectable), not outlines of glyphs, and the same
# numbers always give the same SVG (the ids of clip paths are hashed with a fixed salt, not a
# random one). These are set once for the process; nothing changes them per chart.
matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "reviews.balance"

COUNTRY_CHECK_MIN_ORGANIZATIONS = 4
# The country chart shows the countries with the most organizations; its table lists them all.
COUNTRY_CHART_MAX_BARS = 15

# Colours against the chart's white background: bars 10.0:1, text 17.2:1, axes 7.0:1
# (WCAG 2.1 asks 3:1 for graphics and large text, 4.5:1 for text).
BACKGROUND = "#ffffff"
BAR_COLOUR = "#0b3d91"
TEXT_COLOUR = "#1b1b1b"
AXIS_COLOUR = "#595959"
CHART_WIDTH_INCHES = 4.8
# At 375 px wide the chart is drawn at about its own size: 11-unit text reads as 11 px or more.
LABEL_WRAP = 20
TITLE_WRAP = 40
FONT_SIZE = 11

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
REFERENCE = re.compile(r"url\(#([^)]+)\)")


def _sort_key(name: str) -> str:
    """Names in alphabetical order whatever their accents: Côte d'Ivoire between Congo and Croatia."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _percent(value: Decimal) -> str:
    """A percentage in the reader's language: "37.5%", "30%"."""
    return pgettext("percentage", "%(number)s%%") % {"number": floatformat(value, -1)}


def _percent_of(count: int, total: int, rounding=ROUND_HALF_UP) -> str:
    if not total:
        return _percent(Decimal(0))
    value = (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=rounding)
    return _percent(value)


def _limit(share: float) -> str:
    return _percent(Decimal(str(share)) * 100)


@dataclass(frozen=True)
class Tally:
    """One line of a chart and its table: what is counted, in words, and how many."""

    key: str
    label: str
    count: int
    total: int

    @property
    def share(self) -> float:
        """The count as a fraction of the chart's total (0 when the total is 0)."""
        return self.count / self.total if self.total else 0.0

    @property
    def percent(self) -> str:
        """The share in words, to one decimal where it has one: "30%", "37.5%"."""
        return _percent_of(self.count, self.total)


@dataclass(frozen=True)
class Chart:
    """A chart drawn as inline SVG, with what its table shows."""

    slug: str
    title: str
    label_heading: str
    count_heading: str
    rows: tuple[Tally, ...]
    total: int
    svg: SafeString
    note: str = ""

    @property
    def caption_id(self) -> str:
        return caption_id(self.slug)


def caption_id(slug: str) -> str:
    return f"balance-{slug}-caption"


@dataclass(frozen=True)
class Balance:
    """The numbers of a list and the warnings they raise.

    ``organizations`` and ``participants`` are the totals; each tuple of ``Tally`` sums to
    its total. ``warnings`` are sentences in the language active when ``balance_of()`` ran.
    ``country_share_max`` and ``gender_share_min`` are the settings the warnings used.
    """

    organizations: int
    participants: int
    regional_groups: tuple[Tally, ...]
    countries: tuple[Tally, ...]
    types: tuple[Tally, ...]
    genders: tuple[Tally, ...]
    warnings: list[str]
    country_share_max: float
    gender_share_min: float

    @property
    def country_limit(self) -> str:
        """``country_share_max`` in words: "25%"."""
        return _limit(self.country_share_max)

    @property
    def gender_limit(self) -> str:
        """``gender_share_min`` in words: "40%"."""
        return _limit(self.gender_share_min)

    @property
    def country_check_min_organizations(self) -> int:
        return COUNTRY_CHECK_MIN_ORGANIZATIONS

    def charts(self) -> tuple[Chart, ...]:
        """The four charts, drawn now in the active language, each with its table's rows."""
        organizations = gettext("Organizations")
        shown = self.countries[:COUNTRY_CHART_MAX_BARS]
        country_note = ""
        if len(self.countries) > len(shown):
            country_note = gettext(
                "The chart shows the %(shown)d countries with the most organizations; "
                "the table lists all %(all)d."
            ) % {"shown": len(shown), "all": len(self.countries)}
        specs = [
            (
                "regional-groups",
                gettext("Organizations per UN regional group"),
                gettext("Regional group"),
                organizations,
                self.regional_groups,
                self.regional_groups,
                self.organizations,
                "",
            ),
            (
                "countries",
                gettext("Organizations per country of headquarters"),
                gettext("Country"),
                organizations,
                self.countries,
                shown,
                self.organizations,
                country_note,
            ),
            (
                "types",
                gettext("Organizations per type"),
                gettext("Type of organization"),
                organizations,
                self.types,
                self.types,
                self.organizations,
                "",
            ),
            (
                "genders",
                gettext("Proposed participants per gender"),
                gettext("Gender"),
                gettext("Proposed participants"),
                self.genders,
                self.genders,
                self.participants,
                "",
            ),
        ]
        return tuple(
            Chart(
                slug=slug,
                title=title,
                label_heading=label_heading,
                count_heading=count_heading,
                rows=rows,
                total=total,
                svg=draw_chart(title, count_heading, bars, slug=slug),
                note=note,
            )
            for slug, title, label_heading, count_heading, rows, bars, total, note in specs
        )


def balance_of(applications: QuerySet[Application] | Iterable[Application]) -> Balance:
    """The balance of these applications: a list's, e.g.
    ``balance_of(Application.objects.filter(list_entries__list=draft))``.

    Two queries, whatever the number of applications: the organizations counted by country
    and type, and the proposed participants counted by gender. An organization is counted
    once even if several of the applications are its own.

    Warnings, in this order:

    - each of the five UN regional groups with no organization on the list; a list with no
      organization at all gets one warning that says so instead;
    - each country holding more than ``settings.LIST_COUNTRY_SHARE_MAX`` (0.25 by default) of
      the list's organizations, checked only when the list has at least 4 organizations
      (``COUNTRY_CHECK_MIN_ORGANIZATIONS``): below that, a single organization is already a
      quarter or more of the list;
    - women, then men, when they are under ``settings.LIST_GENDER_SHARE_MIN`` (0.4 by default)
      of the proposed participants whose gender is female or male. Participants of another
      gender, and those who prefer not to say, are counted in the gender table and its total
      but left out of this check, in both the part and the whole: they are neither women nor
      men to be balanced. With no participant who is female or male there is nothing to check.

    A share is compared exactly (3 of 12 is a quarter, not more); a percentage in a warning is
    rounded away from the limit, so that it never reads as equal to it.
    """
    if isinstance(applications, QuerySet):
        chosen = applications.values("pk")
        organization_ids = applications.values("organization")
    else:
        applications = list(applications)
        chosen = [application.pk for application in applications]
        organization_ids = [application.organization_id for application in applications]

    per_country_and_type = (
        Organization.objects.filter(pk__in=organization_ids)
        .order_by()
        .values_list("country", "type")
        .annotate(number=Count("pk"))
    )
    per_gender = (
        ProposedParticipant.objects.filter(application__in=chosen)
        .order_by()
        .values_list("gender")
        .annotate(number=Count("pk"))
    )

    by_group: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    for country, kind, number in per_country_and_type:
        code = str(country or "")
        by_group[regional_group(code)] += number
        by_country[code] += number
        by_type[kind] += number
    by_gender: Counter[str] = Counter(dict(per_gender))

    organizations = sum(by_country.values())
    participants = sum(by_gender.values())

    group_keys = [*GROUPS, *(g for g in (RegionalGroup.NONE, RegionalGroup.OTHER) if by_group[g])]
    groups = tuple(
        Tally(str(group), str(RegionalGroup(group).label), by_group[group], organizations)
        for group in group_keys
    )
    country_rows = sorted(
        (
            Tally(code, _country_name(code), number, organizations)
            for code, number in by_country.items()
        ),
        key=lambda row: (-row.count, _sort_key(row.label), row.key),
    )
    type_keys = [*Organization.Type.values, *sorted(set(by_type) - set(Organization.Type.values))]
    types = tuple(
        Tally(kind, _choice_label(Organization.Type, kind), by_type[kind], organizations)
        for kind in type_keys
    )
    gender_keys = [*Gender.values, *sorted(set(by_gender) - set(Gender.values))]
    genders = tuple(
        Tally(gender, _choice_label(Gender, gender), by_gender[gender], participants)
        for gender in gender_keys
    )

    country_share_max = settings.LIST_COUNTRY_SHARE_MAX
    gender_share_min = settings.LIST_GENDER_SHARE_MIN
    return Balance(
        organizations=organizations,
        participants=participants,
        regional_groups=groups,
        countries=tuple(country_rows),
        types=types,
        genders=genders,
        warnings=_warnings(
            organizations,
            groups,
            country_rows,
            by_gender,
            country_share_max=country_share_max,
            gender_share_min=gender_share_min,
        ),
        country_share_max=country_share_max,
        gender_share_min=gender_share_min,
    )


def _country_name(code: str) -> str:
    return str(countries.name(code)) if code else gettext("Country not given")


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _warnings(
    organizations: int,
    groups: tuple[Tally, ...],
    country_rows: list[Tally],
    by_gender: Counter[str],
    *,
    country_share_max: float,
    gender_share_min: float,
) -> list[str]:
    warnings = []
    if organizations == 0:
        warnings.append(gettext("The list has no organization yet: no regional group is on it."))
    else:
        warnings.extend(
            gettext("No organization from the %(group)s is on the list.") % {"group": row.label}
            for row in groups
            if row.key in GROUPS and row.count == 0
        )

    most = Fraction(str(country_share_max))
    if organizations >= COUNTRY_CHECK_MIN_ORGANIZATIONS:
        warnings.extend(
            gettext(
                "%(country)s has %(count)s of the %(total)s organizations on the list "
                "(%(percent)s), more than the %(limit)s set as the most for one country."
            )
            % {
                "country": row.label,
                "count": number_format(row.count),
                "total": number_format(organizations),
                "percent": _percent_of(row.count, organizations, ROUND_CEILING),
                "limit": _limit(country_share_max),
            }
            for row in country_rows
            if row.key and Fraction(row.count, organizations) > most
        )

    least = Fraction(str(gender_share_min))
    women, men = by_gender[Gender.FEMALE], by_gender[Gender.MALE]
    counted = women + men
    if counted:
        values = {"total": number_format(counted), "limit": _limit(gender_share_min)}
        if Fraction(women, counted) < least:
            warnings.append(
                ngettext(
                    "Women are %(count)s of the %(total)s proposed participant whose gender is "
                    "female or male (%(percent)s), under the %(limit)s set as the least for each.",
                    "Women are %(count)s of the %(total)s proposed participants whose gender is "
                    "female or male (%(percent)s), under the %(limit)s set as the least for each.",
                    counted,
                )
                % {
                    **values,
                    "count": number_format(women),
                    "percent": _percent_of(women, counted, ROUND_FLOOR),
                }
            )
        if Fraction(men, counted) < least:
            warnings.append(
                ngettext(
                    "Men are %(count)s of the %(total)s proposed participant whose gender is "
                    "female or male (%(percent)s), under the %(limit)s set as the least for each.",
                    "Men are %(count)s of the %(total)s proposed participants whose gender is "
                    "female or male (%(percent)s), under the %(limit)s set as the least for each.",
                    counted,
                )
                % {
                    **values,
                    "count": number_format(men),
                    "percent": _percent_of(men, counted, ROUND_FLOOR),
                }
            )
    return warnings


# Drawing -----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Text that matplotlib draws as it is: a "$" would otherwise start mathematics."""
    return text.replace("$", r"\$")


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def draw_chart(title: str, axis_label: str, rows: Iterable[Tally], *, slug: str) -> SafeString:
    """A horizontal bar chart of the rows, as an SVG element to put inline in a page.

    It scales to its container (width 100%, with its viewBox), is labelled by its table's
    caption (``caption_id(slug)``), and has no ids or styles that could clash with the page's
    or another chart's.
    """
    rows = tuple(rows)
    labels = [_plain(_wrapped(row.label, LABEL_WRAP)) for row in rows]
    counts = [row.count for row in rows]
    title_text = _plain(_wrapped(title, TITLE_WRAP))
    label_lines = max((label.count("\n") + 1 for label in labels), default=1)
    row_height = 0.18 + 0.19 * label_lines
    height = 0.85 + 0.22 * (title_text.count("\n") + 1) + row_height * max(len(rows), 1)

    figure = Figure(figsize=(CHART_WIDTH_INCHES, height), layout="constrained")
    figure.set_facecolor(BACKGROUND)
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    axes.set_facecolor(BACKGROUND)
    positions = list(range(len(rows)))
    bars = axes.barh(positions, counts, height=0.6, color=BAR_COLOUR)
    axes.set_yticks(positions, labels=labels)
    axes.set_ylim(len(rows) - 0.5 if rows else 0.5, -0.5)
    axes.bar_label(
        bars,
        labels=[number_format(count) for count in counts],
        padding=3,
        color=TEXT_COLOUR,
        fontsize=FONT_SIZE,
    )
    axes.set_xlim(0, max([1, *counts]) * 1.15)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number_format(int(value))))
    axes.set_xlabel(_plain(axis_label), color=TEXT_COLOUR, fontsize=FONT_SIZE)
    figure.suptitle(
        title_text, x=0.01, ha="left", color=TEXT_COLOUR, fontsize=FONT_SIZE + 1, fontweight="bold"
    )
    axes.tick_params(colors=TEXT_COLOUR, labelsize=FONT_SIZE)
    axes.tick_params(axis="x", color=AXIS_COLOUR)
    axes.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(AXIS_COLOUR)
    if not rows:
        axes.text(
            0.5,
            0.5,
            _plain(gettext("None yet")),
            transform=axes.transAxes,
            ha="center",
            va="center",
            color=TEXT_COLOUR,
            fontsize=FONT_SIZE,
        )

    output = io.BytesIO()
    figure.savefig(
        output,
        format="svg",
        facecolor=BACKGROUND,
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    return _inline(output.getvalue(), slug=slug)


def _inline(document: bytes, *, slug: str) -> SafeString:
    """matplotlib's SVG document as an element for an HTML page.

    Out go the XML prologue, the metadata and the style sheet (its ``*`` rule would reach
    the whole page). Ids that nothing refers to go; those that are referred to (clip paths,
    tick marks) are prefixed with the chart's slug, so that four charts on a page have none in
    common. ``xlink:href`` becomes ``href``. The root scales to its container and is an image
    labelled by its table's caption. Serializing escapes every text: country names and type
    labels come from our own choices, and are escaped anyway.
    """
    # Our own output, just written by matplotlib: no one else's XML is parsed here.
    root = ET.fromstring(document)  # noqa: S314
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in {f"{{{SVG_NAMESPACE}}}metadata", f"{{{SVG_NAMESPACE}}}style"}:
                parent.remove(child)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{{{SVG_NAMESPACE}}}defs" and len(child) == 0:
                parent.remove(child)

    referenced = set()
    for element in root.iter():
        for name, value in element.attrib.items():
            referenced.update(REFERENCE.findall(value))
            if name in {XLINK_HREF, "href"} and value.startswith("#"):
                referenced.add(value[1:])
    prefix = f"balance-{slug}-"
    for element in root.iter():
        if "id" in element.attrib:
            if element.attrib["id"] in referenced:
                element.attrib["id"] = prefix + element.attrib["id"]
            else:
                del element.attrib["id"]
        for name, value in list(element.attrib.items()):
            if name in {XLINK_HREF, "href"}:
                del element.attrib[name]
                element.attrib["href"] = f"#{prefix}{value[1:]}" if value[:1] == "#" else value
            elif "url(#" in value:
                element.attrib[name] = REFERENCE.sub(
                    lambda match: f"url(#{prefix}{match.group(1)})", value
                )

    # Plain tag names with the namespace declared once, as HTML writes inline SVG.
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{SVG_NAMESPACE}}}")
    for name in ("width", "height", "version"):
        root.attrib.pop(name, None)
    root.attrib.update(
        {
            "xmlns": SVG_NAMESPACE,
            "width": "100%",
            "class": "balance-chart",
            "role": "img",
            "aria-labelledby": caption_id(slug),
        }
    )
    return mark_safe(  # noqa: S308 - serialized by ElementTree, which escapes every text
        ET.tostring(root, encoding="unicode")
    )
