"""When a pause starts: the text's own words, and a UTC time when they are precise.

Pure: no I/O and no clock: times are resolved against the `published` argument.
Precise phrases ("today", "tomorrow", "on Friday", "from 7am Friday", "at midnight",
"6 February 2024, 00:00 hours", "effective immediately") resolve in the place's time
zone when it is known, else UTC. Vague ones ("this week", "next week") keep their words
and resolve to None. A weekday is the next one on or after publication, or the last one
on or before it when the pause is reported as already begun (`past`).

`Start.range` is (earliest, latest) in UTC when the words do not fix the moment: a bare
day with no clock time ("on Thursday", "on 6 February") gives that local day's bounds
(its `at` stays the day's midnight), and a vague phrase the bounds that `vague_ranges`
in the data give it ("this week": from publication to the end of the week). A precise
start elsewhere then wins over it. `end()` reads an explicit end ("until Sunday", "until
midnight on Friday"): a bare day ends with that local day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .literals import Need, Probe, fold, may_match, needs
from .vocab import Vocab, alternation, fragment

I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class WhenRules:
    phrase: re.Pattern[str]
    vague: re.Pattern[str]
    immediate: re.Pattern[str]
    relative_start: re.Pattern[str]
    cue_before: re.Pattern[str]
    reporting_before: re.Pattern[str]
    lead_is_cue: re.Pattern[str]
    weekday: re.Pattern[str]
    date_dm: re.Pattern[str]
    date_md: re.Pattern[str]
    clock: re.Pattern[str]
    midnight: re.Pattern[str]
    noon: re.Pattern[str]
    relative_day: re.Pattern[str]
    day_part: re.Pattern[str]
    utc: re.Pattern[str]
    weekdays: dict
    months: dict
    relative_days: dict
    day_parts: dict
    # the literal stems `immediate`, `relative_start` and `vague` need (see `literals`)
    immediate_need: Need
    relative_need: Need
    vague_need: Need
    until: re.Pattern[str]  # "until <day and time>": group "when"
    until_before: re.Pattern[str]  # "until" right before a phrase
    until_need: Need
    vague_ranges: tuple[tuple[re.Pattern[str], str, str], ...]  # (phrase, earliest, latest)


def compile_rules(vocab: Vocab) -> WhenRules:
    w = vocab.raw["when"]
    wd = alternation(list(w["weekdays"]))
    mo = alternation(list(w["months"])) + r"\.?"
    rel = alternation(list(w["relative_days"]))
    parts = alternation(list(w["day_parts"]))
    am, pm = w["am"], w["pm"]
    clock = (
        r"\d{1,2}(?:[:.]\d{2})?\s*(?:" + am + "|" + pm + r")(?![\w])"
        r"|\d{1,2}:\d{2}(?:\s*(?:" + w["hours_word"] + r")\b)?"
        r"|\d{4}\s*(?:" + w["utc"] + r"|hours)\b"
    )
    part = (
        r"(?:" + clock + "|" + fragment(w["midnight"]) + "|" + w["noon"]
        + r"|" + wd + r"(?:\s+" + parts + r")?"
        + r"|\d{1,2}(?:st|nd|rd|th)?\s+" + mo + r"(?:\s+\d{4})?"
        + r"|" + mo + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
        + r"|" + rel + r"(?:\s+" + parts + r")?)"
    )
    sep = r"(?:,\s*|\s+)(?:(?:at|on|from)\s+)?"
    paren = r"(?:\s*\([^)]*(?:" + w["utc"] + "|" + wd + r")[^)]*\))?"
    phrase = (
        r"(?<![\w])(?:(?P<lead>" + fragment(w["lead"]) + r")\s+)?" + part
        + r"(?:" + sep + part + r"){0,3}(?:\s+" + fragment(w["local_time"]) + r")?" + paren + r"(?![\w])"
    )
    vague = re.compile(r"(?<!earlier )(?<!since )(?<![\w])" + alternation(w["vague"]) + r"(?![\w])", I)
    until = re.compile(
        r"(?<![\w])(?:" + w["until"] + r")\s+(?P<when>(?:the\s+end\s+of\s+)?" + part + r"(?:" + sep + part + r"){0,3}(?:\s+"
        + fragment(w["local_time"]) + r")?" + paren + r")(?![\w])",
        I,
    )
    immediate = re.compile(r"(?<![\w])" + alternation(w["immediate"]) + r"(?![\w])", I)
    relative_start = re.compile(fragment(w["relative_start"]), I)
    return WhenRules(
        phrase=re.compile(phrase, I),
        vague=vague,
        immediate=immediate,
        relative_start=relative_start,
        cue_before=re.compile(r"\b" + fragment(w["start_cue"]) + r"(?:\s+[\w'\u2019-]+){0,4}\s*$", I),
        reporting_before=re.compile(fragment(w["reporting_before"]), I),
        lead_is_cue=re.compile(r"^(?:starting|beginning|from|as of|effective)", I),
        weekday=re.compile(r"\b" + wd + r"\b", I),
        date_dm=re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + mo + r")(?:\s+(\d{4}))?", I),
        date_md=re.compile(r"\b(" + mo + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", I),
        clock=re.compile(
            r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(" + am + "|" + pm + r")(?![\w])|\b(\d{1,2}):(\d{2})|\b(\d{2})(\d{2})\s*(?:" + w["utc"] + r"|hours)\b",
            I,
        ),
        midnight=re.compile(fragment(w["midnight"]), I),
        noon=re.compile(r"\b(?:" + w["noon"] + r")\b", I),
        relative_day=re.compile(r"\b" + rel + r"\b", I),
        day_part=re.compile(r"\b" + parts + r"\b", I),
        utc=re.compile(r"^[^(]*\b(?:" + w["utc"] + r")\b"),
        weekdays=dict(w["weekdays"]),
        months=dict(w["months"]),
        relative_days=dict(w["relative_days"]),
        day_parts=dict(w["day_parts"]),
        immediate_need=needs(immediate),
        relative_need=needs(relative_start),
        vague_need=needs(vague),
        until=until,
        until_before=re.compile(r"(?<![\w])(?:" + w["until"] + r")\s+(?:the\s+end\s+of\s+)?$", I),
        until_need=needs(until),
        vague_ranges=tuple(
            (re.compile(r"^" + fragment(k) + r"$", I), v[0], v[1]) for k, v in w["vague_ranges"].items() if not k.startswith("_")
        ),
    )


@dataclass(frozen=True, slots=True)
class Start:
    text: str
    at: datetime | None
    range: tuple[datetime, datetime] | None = None  # (earliest, latest) when the words are vague


def _near_cue(before: str, rules: WhenRules, trigger_end: int) -> bool:
    if rules.reporting_before.search(before):
        return False
    if rules.cue_before.search(before):
        return True
    return 0 <= len(before) - trigger_end <= 25 and "," not in before[trigger_end:]


def find(sentence: str, lo: int, hi: int, trigger_end: int, rules: WhenRules, probe: Probe | None = None) -> tuple[str, str] | None:
    """(kind, words) of the start phrase in sentence[lo:hi]; kind is precise, vague or immediate.

    The patterns whose literal stems are not in the sentence are not run (`probe`: the
    sentence as `literals` tests it).
    """
    p = Probe(sentence) if probe is None else probe

    def may(need: Need) -> bool:
        return may_match(need, p.text, p.folded)

    found: list[tuple[int, int, str, str]] = []
    for m in rules.immediate.finditer(sentence, lo, hi) if may(rules.immediate_need) else ():
        words = m.group(0)
        if words.lower() != "immediately" or _near_cue(sentence[: m.start()], rules, trigger_end):
            found.append((0, m.start(), "immediate", words))
    for m in rules.phrase.finditer(sentence, lo, hi):
        before = sentence[: m.start()]
        if rules.until_before.search(before):
            continue  # "until Sunday" is the end, not the start
        lead = m.group("lead") or ""
        if (rules.lead_is_cue.match(lead) and not rules.reporting_before.search(before)) or _near_cue(before, rules, trigger_end):
            found.append((0, m.start(), "precise", m.group(0)))
    for m in rules.relative_start.finditer(sentence, lo, hi) if may(rules.relative_need) else ():
        if _near_cue(sentence[: m.start()], rules, trigger_end):
            found.append((1, m.start(), "vague", m.group(0)))
    for m in rules.vague.finditer(sentence, lo, hi) if may(rules.vague_need) else ():
        if not rules.reporting_before.search(sentence[: m.start()]):
            found.append((1, m.start(), "vague", m.group(0)))
    if not found:
        return None
    _, _, kind, words = min(found)
    return kind, words


def _clock(words: str, rules: WhenRules) -> time | None:
    if rules.midnight.search(words):
        return time(0, 0)
    if rules.noon.search(words):
        return time(12, 0)
    m = rules.clock.search(words)
    if m:
        if m.group(3):
            h, mi = int(m.group(1)), int(m.group(2) or 0)
            pm = m.group(3).lower().startswith("p")
            h = (h % 12) + (12 if pm else 0)
        elif m.group(4):
            h, mi = int(m.group(4)), int(m.group(5))
        else:
            h, mi = int(m.group(6)), int(m.group(7))
        return time(h, mi) if h < 24 and mi < 60 else None
    m = rules.day_part.search(words)
    if m:
        return time(rules.day_parts[fold(m.group(0))], 0)
    return None


def _date(words: str, base: date, past: bool, rules: WhenRules) -> date | None:
    for pattern, order in ((rules.date_dm, "dm"), (rules.date_md, "md")):
        m = pattern.search(words)
        if m:
            day_s, month_s = (m.group(1), m.group(2)) if order == "dm" else (m.group(2), m.group(1))
            month = rules.months.get(fold(month_s).rstrip("."))
            year = int(m.group(3)) if m.group(3) else base.year
            try:
                return date(year, month, int(day_s))
            except (TypeError, ValueError):
                return None
    m = rules.weekday.search(words)
    if m:
        target = rules.weekdays[fold(m.group(0))]
        if past:
            return base - timedelta(days=(base.weekday() - target) % 7)
        return base + timedelta(days=(target - base.weekday()) % 7)
    m = rules.relative_day.search(words)
    if m:
        return base + timedelta(days=rules.relative_days[fold(m.group(0))])
    return None


def _zone(words: str, tz_name: str | None, rules: WhenRules):
    return timezone.utc if rules.utc.search(words) or not tz_name else ZoneInfo(tz_name)


def _day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def resolve(kind: str, words: str, published: datetime | None, tz_name: str | None, past: bool, rules: WhenRules) -> datetime | None:
    """UTC start for a precise phrase, else None."""
    return _resolve(kind, words, published, tz_name, past, rules)[0]


def _resolve(
    kind: str, words: str, published: datetime | None, tz_name: str | None, past: bool, rules: WhenRules
) -> tuple[datetime | None, tuple[datetime, datetime] | None]:
    """(UTC start, (earliest, latest) when the words leave the moment open)."""
    if published is None:
        return None, None
    if kind == "vague":
        return None, _vague_range(words, published, tz_name, past, rules)
    if kind == "immediate":
        return published.astimezone(timezone.utc), None
    tz = _zone(words, tz_name, rules)
    local = published.astimezone(tz)
    day = _date(words, local.date(), past, rules)
    clock = _clock(words, rules)
    if day is None and clock is None:
        return None, None
    if day is None:
        day = local.date()
        if not past and clock <= local.time().replace(tzinfo=None):
            day += timedelta(days=1)
        elif past and clock > local.time().replace(tzinfo=None):
            day -= timedelta(days=1)
    at = datetime.combine(day, clock or time(0, 0), tzinfo=tz).astimezone(timezone.utc)
    return at, (_day_bounds(day, tz) if clock is None else None)


def _vague_range(words: str, published: datetime, tz_name: str | None, past: bool, rules: WhenRules) -> tuple[datetime, datetime] | None:
    phrase = " ".join(words.split())
    spec = next(((lo, hi) for pattern, lo, hi in rules.vague_ranges if pattern.match(phrase)), None)
    if spec is None:
        return None
    local = published.astimezone(ZoneInfo(tz_name) if tz_name else timezone.utc)
    week = datetime.combine(local.date() - timedelta(days=local.weekday()), time(0, 0), tzinfo=local.tzinfo)
    month = datetime.combine(local.date().replace(day=1), time(0, 0), tzinfo=local.tzinfo)

    def at(point: str) -> datetime:
        base, _, step = point.partition("+")
        origin = {"now": local, "week": week, "month": month}[base]
        if step.endswith("d"):
            return origin + timedelta(days=int(step[:-1]))
        if step.endswith("m"):
            months = origin.month - 1 + int(step[:-1])
            return origin.replace(year=origin.year + months // 12, month=months % 12 + 1)
        return origin

    lo, hi = at(spec[0]), at(spec[1])
    if past:  # "a truce that began this week": from the period's start to publication
        if spec[0] != "now" or not spec[1].startswith(("week", "month")):
            return None
        lo, hi = (week if spec[1].startswith("week") else month), local
    return lo.astimezone(timezone.utc), hi.astimezone(timezone.utc)


def start(
    sentence: str, lo: int, hi: int, trigger_end: int, published: datetime | None, tz_name: str | None, past: bool, rules: WhenRules,
    probe: Probe | None = None,
) -> Start | None:
    """The start phrase of the pause whose text runs over sentence[lo:hi], resolved when precise."""
    found = find(sentence, lo, hi, trigger_end, rules, probe)
    if not found:
        return None
    kind, words = found
    at, span = _resolve(kind, words, published, tz_name, past, rules)
    return Start(words, at, span)


def end(
    sentence: str, lo: int, hi: int, published: datetime | None, tz_name: str | None, past: bool, rules: WhenRules,
    probe: Probe | None = None, not_before: datetime | None = None,
) -> datetime | None:
    """An explicit end in sentence[lo:hi] ("until Sunday", "until midnight on Friday"), in UTC.

    A clock time is that moment; a bare day ends with that local day ("until Sunday": Monday
    00:00). A date without a year that would fall before `not_before` (the start) or, for
    a pause not yet over, before publication is in the next year ("from Dec. 23 until Jan.
    2"). Not resolved without `published`.
    """
    p = Probe(sentence) if probe is None else probe
    if published is None or not may_match(rules.until_need, p.text, p.folded):
        return None
    m = rules.until.search(sentence, lo, hi)
    if not m:
        return None
    words = m.group("when")
    tz = _zone(words, tz_name, rules)
    local = published.astimezone(tz)
    day = _date(words, local.date(), past, rules)
    clock = _clock(words, rules)
    if day is None and clock is None:
        return None
    if day is None:
        day = local.date()
        if not past and clock is not None and clock <= local.time().replace(tzinfo=None):
            day += timedelta(days=1)
    elif not _YEAR.search(words):
        floor = not_before or (None if past else published - timedelta(days=1))
        if floor is not None and _end_at(day, clock, tz) < floor:
            try:
                day = day.replace(year=day.year + 1)
            except ValueError:  # 29 February
                day = day + timedelta(days=365)
    return _end_at(day, clock, tz)


_YEAR = re.compile(r"\b\d{4}\b")


def _end_at(day: date, clock: time | None, tz) -> datetime:
    if clock is None:
        return _day_bounds(day, tz)[1]
    return datetime.combine(day, clock, tzinfo=tz).astimezone(timezone.utc)
