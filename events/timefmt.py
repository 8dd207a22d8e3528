"""How instants are put into words: in the venue's time zone, with its UTC offset, and in UTC.

Deadlines are stored in UTC. People read them in the venue's time zone, so the
words name the place and the offset in force at that instant (which changes
with daylight saving time), and UTC is always given beside them.
"""

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MINUS_SIGN = "\u2212"


def utc_offset_label(moment: datetime) -> str:
    """“UTC−4”, “UTC+5:30”, “UTC” for the offset in force at an aware instant."""
    offset = moment.utcoffset() or timedelta(0)
    total_minutes = int(offset.total_seconds() // 60)
    if total_minutes == 0:
        return "UTC"
    sign = "+" if total_minutes > 0 else MINUS_SIGN
    hours, minutes = divmod(abs(total_minutes), 60)
    return f"UTC{sign}{hours}:{minutes:02d}" if minutes else f"UTC{sign}{hours}"


def _date_and_time(moment: datetime) -> tuple[str, str]:
    return date_format(moment, "j F Y"), date_format(moment, "H:i")


def in_zone(moment: datetime, tz: zoneinfo.ZoneInfo, place: str) -> str:
    """“14 October 2021, 23:59 New York time (UTC−4)”."""
    local = moment.astimezone(tz)
    day, clock = _date_and_time(local)
    return _("%(date)s, %(time)s %(place)s time (%(offset)s)") % {
        "date": day,
        "time": clock,
        "place": place,
        "offset": utc_offset_label(local),
    }


def in_utc(moment: datetime) -> str:
    """“15 October 2021, 03:59 UTC”."""
    day, clock = _date_and_time(moment.astimezone(UTC))
    return _("%(date)s, %(time)s UTC") % {"date": day, "time": clock}


def duration_words(delta: timedelta) -> str:
    """The largest whole unit of a positive duration: “3 days”, “5 hours”, “12 minutes”."""
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    if days:
        day_words = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
        if days < 3 and hours:
            hour_words = ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
            return _("%(days)s and %(hours)s") % {"days": day_words, "hours": hour_words}
        return day_words
    if hours:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    if minutes:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    return _("less than a minute")
