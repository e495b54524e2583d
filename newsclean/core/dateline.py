"""Datelines: the four layouts scrapers write, read without locale or strptime.

    Tue Oct 25, 2016 21:36:02            (the scraper's)
    Tuesday, October 25, 2016 21:36:02   (the weekday optional: October 25, 2016 21:36:02)
    25 October 2016 21:36:02
    2016-10-25 21:36:02

English names, full or three letters; seconds optional; a 12-hour time with AM or PM (`9:36 PM`,
`9:36 p.m.`); an optional zone after the time (`Z`, `GMT`, `UTC`, `+01:00`, `+0100`). A zone
written in the dateline wins over `tz`.

PHP's `DateTimeInterface` formats are read too: ATOM, RFC3339 and W3C (ISO 8601), RFC3339_EXTENDED
(fractions of a second, dropped), COOKIE and RFC850 (`Tuesday, 25-Oct-2016`, `25-Oct-16`),
RFC822 and RFC1036 (two-digit years: 00-49 are 2000-2049, 50-99 1950-1999, as RFC 2822 reads
them), RFC1123, RFC7231, RFC2822 and RSS; with the zone abbreviations PHP writes that name one
offset (`BST`, `CET`, `EST`, ...; `IST` or `CST`, which name several, leave the dateline unread).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import NamedTuple

_MONTHS = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3])
}
_WEEKDAYS = {
    name: number
    for number, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    for name in (full, full[:3])
}

# One grammar, for reading a dateline (`parse_dateline`) and for finding one that begins a dump
# (`DATELINE_LINE`, the splitter's): a date in one of three layouts, a time, a zone.
_MONTH = "|".join(_MONTHS)
_WEEKDAY = "|".join(_WEEKDAYS)
_DATES = (
    rf"(?:(?P<weekday>{_WEEKDAY}),?\s+)?(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})",
    rf"(?:(?P<weekday>{_WEEKDAY}),?\s+)?(?P<day>\d{{1,2}})(?:\s+|-)(?P<month>{_MONTH})\.?(?:,?\s+|-)"
    r"(?P<year>\d{4}|\d{2})",
    r"(?P<year>\d{4})-(?P<month_number>\d{2})-(?P<day>\d{2})",
)
_TIME_SEPARATORS = (r",?\s+", r",?\s+", r"(?:,?\s+|T)")  # ISO 8601 also joins them with T
_CLOCK = (
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,9})?)?"
    r"(?:\s*(?P<meridiem>[ap])\.?m\.?)?"
)
# Zone abbreviations PHP writes (`T`) that name one offset, in hours.
_ABBREVIATIONS = {
    "BST": 1, "IST": None, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0, "WEST": 1,
    "MSK": 3, "EST": -5, "EDT": -4, "CST": None, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
    "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
    "ACST": 9.5, "AWST": 8, "NZST": 12, "NZDT": 13, "SAST": 2, "WIB": 7, "PKT": 5,
}  # fmt: skip
_NAMED = "|".join(name for name, hours in _ABBREVIATIONS.items() if hours is not None)
_ZONE = rf"(?:\s*(?P<zone>Z|GMT|UTC|[+-]\d{{2}}:?\d{{2}}|(?:{_NAMED})\b))?"


@cache
def _layouts() -> list[re.Pattern[str]]:
    """The general layouts, compiled when a dateline first needs them (most are the scraper's,
    read by slicing): a start that reads one dump does not pay for them."""
    return [
        re.compile(f"{date}(?:{separator}{_CLOCK})?{_ZONE}", re.IGNORECASE)
        for date, separator in zip(_DATES, _TIME_SEPARATORS, strict=True)
    ]


def _line_pattern() -> re.Pattern[bytes]:
    """A line holding only a dateline with a time, in bytes as they are in a dump: the same
    layouts, with blanks (NBSP included) around it and a CR before its LF."""
    with_time = "|".join(
        f"{date}{separator}{_CLOCK}{_ZONE}"
        for date, separator in zip(_DATES, _TIME_SEPARATORS, strict=True)
    )
    unnamed = re.sub(r"\(\?P<\w+>", "(?:", with_time)
    blanks = rb"(?:[ \t\xa0]|\xc2\xa0)*"
    return re.compile(blanks + b"(?:" + unnamed.encode() + b")" + blanks + rb"\r?", re.IGNORECASE)


DATELINE_LINE = _line_pattern()


# The scraper's own layout, read by slicing: most datelines. Anything else takes the general way.
_SCRAPER_LAYOUT = re.compile(
    r"[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}"
)
_MONTH_DIGITS = {
    name.title(): f"{number:02d}" for name, number in _MONTHS.items() if len(name) == 3
}
# Short, with a year and a time: a line in the dateline's place that we failed to read.
_LOOKS_LIKE_DATELINE = re.compile(r"\d{4}.*\d{1,2}:\d{2}|\d{1,2}:\d{2}.*\d{4}")


class Dateline(NamedTuple):
    """What a dateline says: its local time, the instant where its zone is known, and how
    precise it is. Each in one format, whatever the dateline's, so that loaders type them."""

    published: str  # the local time it printed: YYYY-MM-DDTHH:MM:SS (00:00:00 for a day)
    published_utc: str | None  # the instant, YYYY-MM-DDTHH:MM:SSZ: its zone's, or --tz's
    precision: str  # "day", "minute" or "second"
    weekday_ok: bool


def _dated(moment: datetime, precision: str, weekday_ok: bool) -> Dateline:
    """The dateline of a moment, aware where the zone is known."""
    published = moment.replace(tzinfo=None).isoformat()
    return Dateline(published, _utc(moment), precision, weekday_ok)


def _utc(moment: datetime) -> str | None:
    if moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    except OverflowError:  # the first or last day of year 1 or 9999, moved past it
        return None


def _offset_of(text: str) -> tzinfo:
    if text.upper() in ("Z", "GMT", "UTC"):
        return UTC
    if (hours := _ABBREVIATIONS.get(text.upper())) is not None:
        return timezone(timedelta(hours=hours))
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_dateline(text: str, tz: tzinfo | None = None) -> Dateline | None:
    """What `text` says of when it was published, or None when it is not a dateline we know.
    `tz` is the zone of a dateline that names none."""
    text = text.strip()
    if _SCRAPER_LAYOUT.fullmatch(text) and (found := _scraper_dateline(text, tz)):
        return found
    return parse_any_layout(text, tz)


def parse_any_layout(text: str, tz: tzinfo | None = None) -> Dateline | None:
    """`parse_dateline` without the quick way for the scraper's own layout."""
    text = text.strip()
    for layout in _layouts():
        if (match := layout.fullmatch(text)) is not None:
            return _dateline(match.groupdict(), tz)
    return None


def _scraper_dateline(text: str, tz: tzinfo | None) -> Dateline | None:
    """`Tue Oct 25, 2016 21:36:02` as `parse_dateline` reads it; None: let the general way tell."""
    month, weekday = _MONTH_DIGITS.get(text[4:7]), _WEEKDAYS.get(text[:3].lower())
    if month is None or weekday is None:
        return None
    iso = f"{text[12:16]}-{month}-{text[8:10]}T{text[17:]}"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    utc = None if tz is None else _utc(moment.replace(tzinfo=tz))
    return Dateline(iso, utc, "second", weekday == moment.weekday())


def _dateline(groups: dict[str, str | None], tz: tzinfo | None) -> Dateline | None:
    """The dateline of a layout's match: its groups are there as the layout has them."""
    weekday, month_name = groups.get("weekday"), groups.get("month")
    month = _MONTHS[month_name.lower()] if month_name else int(groups["month_number"] or 0)
    hour, zone = groups["hour"], groups["zone"]
    hours = _hours(int(hour or 0), groups["meridiem"])
    if hours is None:
        return None
    try:
        moment = datetime(
            _full_year(groups["year"] or "0"),
            month,
            int(groups["day"] or 0),
            hours,
            int(groups["minute"] or 0),
            int(groups["second"] or 0),
            tzinfo=tz if zone is None else _offset_of(zone),  # a zone in the dateline wins
        )
    except ValueError:
        return None
    precision = "day" if not hour else "minute" if groups["second"] is None else "second"
    weekday_ok = weekday is None or _WEEKDAYS[weekday.lower()] == moment.weekday()
    return _dated(moment, precision, weekday_ok)


def _full_year(year: str) -> int:
    """A two-digit year as RFC 2822 reads it: 00-49 are 2000-2049, 50-99 are 1950-1999."""
    if len(year) != 2:
        return int(year)
    return int(year) + (2000 if int(year) < 50 else 1900)


def _hours(hours: int, meridiem: str | None) -> int | None:
    """The hour on a 24-hour clock: 12 AM is 0, 12 PM is 12; None for a 12-hour time past 12."""
    if meridiem is None:
        return hours
    if not 1 <= hours <= 12:
        return None
    return hours % 12 + (12 if meridiem.lower() == "p" else 0)


def looks_like_dateline(text: str) -> bool:
    """Whether a line we could not read is still, by its shape, meant as a dateline."""
    return len(text) <= 64 and _LOOKS_LIKE_DATELINE.search(text) is not None
