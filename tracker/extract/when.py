"""When a pause starts and ends: the text's own words, and UTC times with their precision.

Pure: no I/O and no clock: times are resolved against the `published` argument.

How news states time, and how each way is read (the conventions, documented once here):

* **Zones.** A zone named next to a clock time wins over the place's: "11:00 GMT", "8:00
  AM GMT+4", "2 p.m. Moscow time", "1900 hours IST", "7.30 am Gaza time" (the table is
  `when.zones` in the data; "<place> time" also resolves through the gazetteer). "local
  time" is the place's zone. Without a stated zone the place's zone is used (the caller
  gives it: the mention's place, else the article's); with none the zone is *unknown* and
  the start is a range over every offset from UTC-12 to UTC+14, never silently UTC (the
  extractor may then keep, inside that range, the reading in the zone of the one country
  all the article's parties are in: "the Kremlin declared a truce from 18:00").
* **Before the trigger.** "the agreed 6 p.m. (1600 GMT) onset of the ceasefire", "the 6 a.m.
  truce": a time right before the trigger, as its onset ("onset/start/beginning of") or as
  its attribute, is its start; so is one before "when the ceasefire came into effect" (in
  that verb's tense). An act "with immediate effect" at a clock time the sentence gives
  before it ("At 11:15 a.m. ... signed a ceasefire with immediate effect") starts then.
* **Bracketed figures.** "06:00 (03:00 GMT)", "10:00 local time [07:00 GMT]", "12:00 hours
  (local time, 0500 GMT)": a UTC figure
  in brackets settles the moment (the nearest instant with that UTC clock time); when the
  local figure disagrees by more than 15 minutes the UTC figure wins and a note says so. A
  bracketed figure in another stated zone ("[1 a.m. Boston time]") wins over the place's
  zone but not over a zone stated in the main figure.
* **Days.** A date ("March 14", "14 March 2024", "Feb. 15") or weekday next to the clock
  time is kept. A weekday is the next one on or after the publication date in the zone
  (the last one on or before it for a pause reported as begun, `past`; the verb right
  before the phrase, "will take effect" / "took effect", wins over the status; "last
  Friday" is the one before; "next Friday" is the coming one or the one after, a range). A date
  without a year takes the year that puts it nearest the publication on the side the words
  look to ("took effect on Dec. 24" read in January: last December; but one more than four
  months ahead while the one before is nearer is the one before, a range over both years),
  or the year in which
  a weekday beside it fits ("Sunday, January 19"); an end's day or date is the first after
  its start ("from Dec. 23 until Jan. 2"). A clock time alone is its next occurrence
  after publication (the last one before it when `past`), or, when the stamp is date-only
  (exactly 00:00 or 12:00 UTC), on the publication's date read as written in the news
  day's hours, 06:00-18:00 local (a time ahead before 06:00 is the next day's, "will start
  at 2 a.m."; a time gone by from 18:00 the day before's, "began at 6 p.m."), flagged as a
  range over both days it can fall on; "tonight"/"today"/"tomorrow" on a date-only stamp
  are a range of a day either side (the stamp's date may be the UTC one or the outlet's;
  "minutes after" a time also looks back). A clock
  time without a day takes the one day named before it in the pause's text ("introduced
  on Thursday ..., between 8 a.m. and 4 p.m."), but a day the news was told or the deal
  struck on ("said on Sunday", "agreed on Wednesday", "on Monday announced") is not the
  pause's: a clock time without a day, "tonight" and "tomorrow" count from it as from a
  date-only stamp of that day ("announced on Sunday a ceasefire starting at midnight": the
  end of Sunday, certain; another clock time that day's or the next, flagged; a day told
  further back than the day before publication, a range up to the publication's reading).
  The tense of a time is that of the verb between the trigger and it ("had proposed a truce
  from noon on Friday" looks ahead; "had come into effect" and "since Monday" look back).
  "June 3-4" is its first day, except for
  midnight ("midnight on June 3-4" is the night between). Without `published`, only a
  date resolves: with its year, or the year of the article's first full date
  (`article_year`); a weekday does not, unless the text gives a full date: the extractor
  then reads it as a date-only stamp of that day (`article_date`) and flags what it anchors.
  A day right after a deal verb and its object ("agreed a 48-hour ceasefire on Wednesday")
  is the deal's day, not the start.
* **Midnight and noon.** Noon is 12:00. "midnight on D" and "00:00 on D" are the start of D
  (00:00); "midnight" alone is the next midnight after publication; "midnight tonight",
  "24:00", "2400 hours", "zero hours from Sunday to Monday", "the night of June 9" are the
  midnight that ends the day. Because "midnight on Monday" is also said for the end of
  Monday, a start read as "midnight on D" is a *range* (start of D .. end of D) unless a
  bracketed figure settles it (its best reading the start of D, or the end of D when the
  words look ahead and the page is of D itself: "will stop fighting at midnight on Monday"
  told on that Monday); an end "until midnight on D" is the end of D.
* **Offsets.** "will begin in approximately six hours", "within 24 hours", "two hours ago":
  publication + offset, always a range ("within": up to it; a date-only stamp: a day wide).
* **Ends.** "until 8 p.m. on Thursday", "until February 3" (a bare day ends with that local
  day), "from 6 a.m. of April 10 to 6 a.m. of April 13", "between 8 a.m. and 4 p.m. on
  Thursday", "9 a.m.-9 p.m.", "ended at 7am": the second figure of a window takes the day
  and zone of the first when it has none (and the next day when it is not later). An end's
  day is the first after its start and, unless an end verb puts it in the past ("ended",
  "lasted until"; not "was extended until") or the pause is over, not before publication;
  the end of a pause in effect lies ahead. A start clock without a day takes the day of the
  end joined to it in one clause when both then fall within a day ("began at 9 a.m. and
  lasted until 3 p.m. on Tuesday"); a relative clause between the trigger and its end verb
  ("the truce, which began on March 18, ended at ...") does not part them. The end
  from a duration ("for 72 hours from noon") is the caller's: start + duration. An end
  verb joined to the start's ("will begin at 7 a.m. on Friday and end at 7 a.m. on
  Tuesday") is the pause's end.
* **The fighting's end.** "fighting would end at 4 a.m.", "the guns will fall silent at 6
  p.m.", "hostilities are to cease from midnight", "strikes continued until 6 a.m.": the end
  of the fighting is the pause's start, not its end. A time right after the pause's name with
  another event's verb between ("the truce was violated at 7 a.m.", "was signed at 10 a.m.")
  or with the pause as another event's object ("voted on the truce at 8 p.m.", "released under
  the truce at 4 p.m.") is no start; "collapsed at 7 a.m." is its end. An end with a clock time and no day in a later sentence ("It will last
  until 2 p.m.") lies after the start told before (`end_after`).
* **Clock times in words**: "7 in the morning", "10 o'clock in the evening"; a bare figure
  after a part of the day and "at" ("tomorrow morning at 8", "Friday evening at 7:30").
* **Four-digit figures** ("1500") are clock times next to a zone, "hours", "local time" (or
  "local" before punctuation or a time word: "0700 local on Friday"),
  in a window whose second figure has one, before a bracketed zoned figure ("0700
  (0500 GMT)"), after "at" unless a word follows ("at 0700", not "at 2024 talks"), or with a
  leading zero before "on" ("from 0000 on May 8").
* **Implausible dates** (a year before 1900 or after 2100) are ignored with a note; no date
  arithmetic here can raise.

Precision is "minute" (a clock time in a known zone), "day" (a day without a time: `at` is
its local midnight, `range` the day) or "range" (`at` is the best reading, or None when the
zone is unknown; `range` holds every reading). Zone is "stated", "place" or "unknown".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from .literals import Need, Probe, fold, may_match, needs
from .vocab import Vocab, alternation, fragment

I = re.IGNORECASE
UTC = timezone.utc
MIN_YEAR, MAX_YEAR = 1900, 2100
_EXACT = timedelta(minutes=15)
_NEWS_DAY = (time(6, 0), time(18, 0))  # the local hours a page with only a date is read as written in


@dataclass(frozen=True, slots=True)
class WhenRules:
    phrase: re.Pattern[str]
    vague: re.Pattern[str]
    immediate: re.Pattern[str]
    relative_start: re.Pattern[str]
    cue_before: re.Pattern[str]
    cue: re.Pattern[str]  # a start cue anywhere ("will take effect")
    reporting_before: re.Pattern[str]
    told_before: re.Pattern[str]  # "agreed on", "said on" right before a day: when the news was told
    told_after: re.Pattern[str]  # "on Monday agreed": the same after the day
    told_words: tuple[str, ...]  # those verbs, lower-cased, for a cheap test
    lead_is_cue: re.Pattern[str]
    weekday: re.Pattern[str]
    date_dm: re.Pattern[str]
    date_md: re.Pattern[str]
    clock: re.Pattern[str]
    midnight: re.Pattern[str]
    noon: re.Pattern[str]
    relative_day: re.Pattern[str]
    holiday: re.Pattern[str]  # "Holy Thursday", "New Year's Eve", "Orthodox Christmas"
    holidays: dict  # folded name -> "12-31" | "easter-3" | "orthodox_easter+0"
    day_part: re.Pattern[str]
    zone: re.Pattern[str]
    local: re.Pattern[str]  # "local time": the place's zone
    bracket: re.Pattern[str]
    night_between: re.Pattern[str]
    end_of_day: re.Pattern[str]
    first_hour: re.Pattern[str]
    weekdays: dict
    months: dict
    relative_days: dict
    day_parts: dict
    abbreviations: dict
    shared_abbreviations: dict  # abbreviation -> the zones that also use it ("PST": Pakistan)
    named_zones: dict
    place_zones: tuple  # (compiled name pattern, tz) from the gazetteer
    immediate_need: Need
    relative_need: Need
    vague_need: Need
    until: re.Pattern[str]  # "until <day and time>": group "when"
    until_before: re.Pattern[str]  # "until" or an end cue right before a phrase
    other_subject: re.Pattern[str]  # "talks that" right before a cue: another event's time
    future_before: re.Pattern[str]  # "will take effect", "begins": the phrase looks ahead
    past_before: re.Pattern[str]  # "took effect", "began": the phrase looks back
    until_need: Need
    end_cue: re.Pattern[str]  # "ended at <time>": group "when"
    join: re.Pattern[str]  # "-" / "to" / "and" between the two figures of a window
    vague_ranges: tuple[tuple[re.Pattern[str], str, str], ...]  # (phrase, earliest, latest)
    wide_countries: dict  # country name -> the zones it spans (westmost, eastmost)
    offset: re.Pattern[str]  # "in approximately six hours", "within 24 hours", "two hours ago"
    offset_need: Need
    numbers: dict  # number words ("six": 6), from the durations' data


# A four-digit time ("1500") or a dotted one ("15.00") is a clock time only next to a zone,
# "hours" or "local time", or as the first figure of a window whose second has one
# ("between 0700 and 1500 GMT"); otherwise it is a year or a number.
_MARK = (  # "local" alone only before punctuation or a time word: "2014 local elections" is a year
    r"(?:GMT|UTC|Z|hours|hrs|local\s+time|local(?=\s*(?:[,.;:)\]]|$)|\s+(?:on|at|from|and|to|until|till|tomorrow|today|tonight)\b))(?![\w])"
)
_FOUR = (
    r"(?:(?=\s*" + _MARK + r"|\s*(?:and|to|-|\u2013)\s*[0-2]\d[0-5]\d\s*" + _MARK
    + r"|\s*[\(\[]\s*(?:[0-2]\d[0-5]\d|\d{1,2}[:.]\d{2})\s*" + _MARK + r")"  # "0700 (0500 GMT)"
    + r"|(?<=\bat\s[0-2]\d[0-5]\d)(?!\w|[,.]\d|\s+(?!(?:on|at|local|hours|hrs|tomorrow|today|tonight|and|to|until|till|from)\b)[a-z]))"  # "at 0700"
    # (not "at 2024 talks", "at 1500 metres": a lower-case word after it other than a time word)
)
# "from 0000 on May 8 to 0000 on May 11", "until 0600 on Sunday": before "on", a figure with a
# leading zero is no year
_FOUR = _FOUR[:-1] + (
    r"|(?<=0\d[0-5]\d)(?=\s+on\s)"
    r"|(?=(?-i:H)(?![\w])))"  # "from 0001H of December 23": military notation
)
# "7 in the morning", "10 o'clock in the evening": a clock time said in words (groups 9-11)
_SPOKEN = (
    r"(?<![\w:.])(\d{1,2})(?:[:.](\d{2}))?\s+(?:o['\u2019]clock\s+)?in\s+the\s+(morning|afternoon|evening)(?![\w])"
)
# "tomorrow morning at 8", "on Friday evening at 7:30": a bare figure after a part of the day
# and "at" is that part's clock time (groups 12-13)
_PART_AT = (
    r"(?:(?<=morning\sat\s)|(?<=afternoon\sat\s)|(?<=evening\sat\s))(\d{1,2})(?:[:.]([0-5]\d))?(?![\w:]|[.,]\d|\s*%|\s+(?!(?:on|at|local|hours|hrs|tomorrow|today|tonight|and|to|until|till|from)\b)(?-i:[a-z]))"
)
# "will open for Kyiv, Sumy and Mariupol at 10:00": a list of names between a start cue and its time
_NAMES = (
    r"(?:\s+(?:for|in|to|from)\s+(?-i:[A-Z])[\w'\u2019-]*(?:(?:,\s*|,?\s+and\s+)(?-i:[A-Z])[\w'\u2019-]*){1,8}"
    # "took hold in Khan Younis and other parts of Gaza at 7 a.m.": where, told at some length
    r"|\s+(?:in|across|throughout|along|over)\s+(?:the\s+)?(?-i:[A-Z])[\w'\u2019-]*(?:\s+[\w'\u2019-]+){0,6}?\s+(?-i:[A-Z])[\w'\u2019-]*"
    # "would reopen for humanitarian shipments to Afghanistan at 8:00": for what, to where
    r"|\s+(?:for|to)\s+(?:[\w'\u2019-]+\s+){1,5}?(?:to|into|in|from)\s+(?-i:[A-Z])[\w'\u2019-]*)?"
)
_DOT = r"\.(?=\d{2}\s*" + _MARK + r")"
# "at 00.01 on Sunday", "at 10.30": a dotted figure right after "at" is a clock time too, and
# after "from", "between", "since", "until" ("from 09.00 to 15.00 on Monday"; the figure after "to"
# or "and" when a day, "hours" or a zone follows it), and at the start of a phrase found so (read again alone)
#: "18h00", "6h30": a clock time written the French way, as much of Africa's copy does
_H_SEP = r"(?<=\d)h(?=[0-5]\d(?![\w]))"
#: what follows a dotted clock time's figure: a day, "hours", a zone
_TIME_WORD = r"(?:on|hours|hrs|local|GMT|UTC|(?-i:[A-Z])[\w'\u2019-]+\s+time)\b"
_AT_DOT = (
    r"(?:(?<=\bat\s\d)|(?<=\bat\s[0-2]\d)|(?<=^[0-2]\d)"
    # after from/between/since/until: a window's first figure or a figure a time word follows
    # (not "from 12.50 to 10.20 shekels")
    r"|(?:(?<=\bfrom\s[0-2]\d)|(?<=\bbetween\s[0-2]\d)|(?<=\bsince\s[0-2]\d)|(?<=\buntil\s[0-2]\d)|(?<=\btill\s[0-2]\d))"
    r"(?=\.\d\d\s+(?:(?:to|and|until|till)\s+[0-2]?\d[.:][0-5]\d\s+)?" + _TIME_WORD + r")"
    r"|(?:(?<=\bto\s[0-2]\d)|(?<=\band\s[0-2]\d))(?=\.\d\d\s+" + _TIME_WORD + r"))"
    r"\.(?=[0-5]\d(?![\w.,]\d|\w|\s*%))"
)
# the words that make an offset from publication approximate ("in approximately six hours")
_ABOUT = (
    r"(?:approximately|about|around|roughly|some|nearly|almost|just(?:\s+(?:over|under))?|less\s+than|under|"
    r"more\s+than|over|no\s+more\s+than|fewer\s+than|a\s+few|an\s+estimated)"
)


#: the two days of a night or a span: "June 3-4", "3/4 June", "the night of 9 to 10 May"
_DAYS_SEP = (  # "June 3-4", "3 to 4 June", "(midnight between) May 7 and 8"
    r"(?:\s*[-\u2013/]\s*|\s+to\s+(?=\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Za-z]{3})"
    r"|(?<=\d)\s+and\s+(?=\d{1,2}(?:st|nd|rd|th)?(?![\w:.]|\s*(?:a\.?m|p\.?m|hours|hrs|o'clock)\b)))"
)


def compile_rules(vocab: Vocab) -> WhenRules:
    w = vocab.raw["when"]
    wd = alternation(list(w["weekdays"]))
    mo = alternation(list(w["months"])) + r"\.?"
    rel = alternation(list(w["relative_days"]))
    hol = alternation(sorted((k.replace("'", "['\u2019]") for k in w["holidays"] if not k.startswith("_")), key=len, reverse=True))
    parts = alternation([k for k in w["day_parts"] if not k.startswith("_")])
    am, pm = w["am"], w["pm"]
    zones = w["zones"]
    abbreviations = {k: v for k, v in zones["abbreviations"].items()}
    named = {fold(k): v for k, v in zones["named"].items()}
    # a four-digit or dotted figure before a zone abbreviation is a clock time too ("1700 IST")
    mark = r"(?:(?-i:" + "|".join(sorted(abbreviations, key=len, reverse=True)) + r")|" + _MARK[3:]
    four, dot = _FOUR.replace(_MARK, mark), "(?:" + _DOT.replace(_MARK, mark) + "|" + _AT_DOT + ")"
    zone = (
        r"(?:(?:GMT|UTC)\s*[+\-\u2212]\s*\d{1,2}(?::?\d{2})?(?![\w])"
        r"|(?-i:" + "|".join(sorted(abbreviations, key=len, reverse=True)) + r")(?![\w])"
        r"|" + fragment(w["local_time"]) + r"(?![\w])"
        r"|" + alternation(list(zones["named"])) + r"(?![\w])"
        r"|(?-i:[A-Z][\w'\u2019.-]+)(?:\s+(?-i:[A-Z])[\w'\u2019.-]+){0,2}\s+time(?![\w]))"
    )
    clock = (
        r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:" + am + "|" + pm + r")(?![\w])"
        r"|\d{1,2}(?::|" + dot + r"|" + _H_SEP + r")\d{2}(?:\s*(?:" + w["hours_word"] + r")(?![\w]))?"
        r"|[0-2]\d[0-5]\d" + four + r"(?:\s*(?:hours|hrs)(?![\w])|(?-i:H)(?![\w]))?"
        r"|zero\s+hours"
        r"|" + _SPOKEN + r"|" + _PART_AT + r")"
    )
    day_md = mo + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:" + _DAYS_SEP + r"\d{1,2})?(?:,?\s+\d{4})?"
    day_dm = r"\d{1,2}(?:st|nd|rd|th)?(?:" + _DAYS_SEP + r"\d{1,2})?\s+(?:of\s+)?" + mo + r"(?:,?\s+\d{4})?"
    night = r"(?:the\s+)?night\s+(?:from|between)\s+" + wd + r"\s+(?:to|and|-)\s+" + wd
    tail = r"(?:\s*(?:" + zone + r"))?(?:\s*[\(\[][^\)\]\n]{1,80}[\)\]])?"
    part = (
        r"(?:(?:(?:" + clock + r"|(?:12\s+)?(?:" + fragment(w["midnight"]) + "|" + w["noon"] + r"))"  # "12 noon", "12 midnight"
        + r"(?:\s+(?:on\s+)?(?:the\s+night\s+)?(?:from|between)\s+" + wd + r"\s+(?:to|and|-)\s+" + wd + r")?" + tail + r")"
        + r"|" + night
        + r"|(?:(?:the\s+)?(?:first\s+hour|night)\s+of\s+(?:the\s+)?)?(?:(?:(?:next|this|last|coming)\s+)?(?:" + hol + "|" + wd + r")(?:\s+" + parts + r")?"
        + r"|" + day_dm + r"|" + day_md + r")" + tail
        + r"|" + rel + r"(?:\s+" + parts + r")?" + tail
        + r"|(?:(?:at|by)\s+)?" + parts + tail + r")"
    )
    sep = r"(?:,\s*|\s+)(?:(?:at\s+the\s+(?:end|close)\s+of|at\s+the\s+start\s+of|at|on|of|from|between|following)\s+)?(?:the\s+)?"  # "midnight at the end of Saturday"
    lead = r"(?:(?P<lead>" + fragment(w["lead"]) + r")\s+)?"
    phrase = r"(?<![\w])" + lead + part + r"(?:" + sep + part + r"){0,3}(?:,?\s+(?:" + zone + r"))?(?![\w])"
    when_words = r"(?:the\s+end\s+of\s+)?" + part + r"(?:" + sep + part + r"){0,3}(?:,?\s+(?:" + zone + r"))?"
    vague = re.compile(r"(?<!earlier )(?<!since )(?<![\w])" + alternation(w["vague"]) + r"(?![\w])", I)
    until = re.compile(r"(?<![\w])(?:" + w["until"] + r")\s+(?P<when>" + when_words + r")(?![\w])", I)
    end_cue = re.compile(r"(?<![\w])" + fragment(w["end_cue"]) + r"\s+(?:at\s+|on\s+)?(?P<when>" + when_words + r")(?![\w])", I)
    immediate = re.compile(r"(?<![\w])" + alternation(w["immediate"]) + r"(?![\w])", I)
    relative_start = re.compile(fragment(w["relative_start"]), I)
    place_zones = tuple(
        (pattern, place.tz) for pattern, place in vocab.places if not place.demonym
    )
    numbers = {fold(k): v for k, v in vocab.raw["durations"]["number_words"].items()}
    number = r"(?:\d{1,3}(?:\.\d)?|half\s+an|" + alternation(sorted(numbers, key=len, reverse=True)) + r")"
    offset = re.compile(
        r"(?<![\w])(?:(?P<dir>in|within|inside(?:\s+of)?)\s+(?:the\s+next\s+)?(?:(?P<q>" + _ABOUT + r")\s+)?(?P<num>" + number
        + r")[\s-]+(?P<unit>minute|hour|day)s?(?:['\u2019]s?\s+time)?(?![\w-])(?!\s+(?:of|after|before|later|earlier|ago|into|since)\b)"
        r"|(?:(?P<q2>" + _ABOUT + r")\s+)?(?P<num2>" + number + r")[\s-]+(?P<unit2>minute|hour|day)s?\s+(?P<dir2>from\s+now|ago))(?![\w])",
        I,
    )
    return WhenRules(
        phrase=re.compile(phrase, I),
        vague=vague,
        immediate=immediate,
        relative_start=relative_start,
        cue=re.compile(r"(?<![\w])" + fragment(w["start_cue"]) + r"(?![\w])", I),
        cue_before=re.compile(r"\b" + fragment(w["start_cue"]) + _NAMES + r"(?:\s+[\w'\u2019-]+){0,4}\s*$", I),
        reporting_before=re.compile(fragment(w["reporting_before"]), I),
        told_before=re.compile(r"(?<![\w])(?:" + w["told_verbs"] + r")(?:\s+(?:on|last))?\s*$", I),
        told_after=re.compile(r"\s+(?:" + w["told_verbs"] + r")\b", I),
        told_words=tuple(v.lower() for v in w["told_verbs"].split("|")),
        lead_is_cue=re.compile(r"^(?:starting|beginning|from|between|as of|effective|with effect|no later|(?:just |shortly )?(?:after|past))", I),
        weekday=re.compile(r"\b" + wd + r"\b", I),
        date_dm=re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?(?:" + _DAYS_SEP + r"(\d{1,2}))?\s+(?:of\s+)?(" + mo + r")(?:,?\s+(\d{4}))?", I),
        date_md=re.compile(r"\b(" + mo + r")\s+(\d{1,2})(?:st|nd|rd|th)?(?:" + _DAYS_SEP + r"(\d{1,2}))?(?:,?\s+(\d{4}))?", I),
        clock=re.compile(
            r"(?<![\w:.])(\d{1,2})(?:[:.](\d{2}))?\s*(" + am + "|" + pm + r")(?![\w])|(?<![\w:.])(\d{1,2})(?::|" + dot + r"|" + _H_SEP + r")(\d{2})"
            r"|(?<![\w:.])([0-2]\d)([0-5]\d)" + four + r"|\b(zero)\s+hours\b|" + _SPOKEN + r"|" + _PART_AT,
            I,
        ),
        midnight=re.compile(fragment(w["midnight"]) + r"|\b12\s*(?:" + am + r")(?![\w])", I),
        noon=re.compile(r"\b(?:" + w["noon"] + r")\b|\b12\s*(?:" + pm + r")(?![\w])", I),
        relative_day=re.compile(r"\b" + rel + r"\b", I),
        holiday=re.compile(r"\b" + hol + r"(?![\w'\u2019])", I),
        holidays={fold(k).replace("\u2019", "'"): v for k, v in w["holidays"].items() if not k.startswith("_")},
        day_part=re.compile(r"\b" + parts + r"\b", I),
        zone=re.compile(zone, I),
        local=re.compile(fragment(w["local_time"]), I),
        bracket=re.compile(r"[\(\[]([^\)\]\n]{1,80})[\)\]]"),
        night_between=re.compile(r"\b(?:from|between)\s+" + wd + r"\s+(?:to|and|-)\s+(" + wd + r")\b|\bnight\s+of\b", I),
        end_of_day=re.compile(r"\b(?:tonight|24:00|2400)\b|\b(?:end|close)\s+of\b|\bmidnight\s+(?:following|after)\b|\b" + wd + r"\s+night\b", I),  # "midnight Saturday night", "midnight following Easter Sunday"
        first_hour=re.compile(r"\bfirst\s+hour\s+of\b", I),
        weekdays=dict(w["weekdays"]),
        months=dict(w["months"]),
        relative_days={fold(k): v for k, v in w["relative_days"].items()},
        day_parts={k: v for k, v in w["day_parts"].items() if not k.startswith("_")},
        abbreviations=abbreviations,
        shared_abbreviations={k: frozenset(v) for k, v in zones.get("shared_abbreviations", {}).items()},
        named_zones=named,
        place_zones=place_zones,
        immediate_need=needs(immediate),
        relative_need=needs(relative_start),
        vague_need=needs(vague),
        until=until,
        until_before=re.compile(
            r"(?<![\w])(?:(?:" + w["until"] + r")\s+(?:the\s+end\s+of\s+)?|" + fragment(w["end_cue"]) + r"\s+(?:at\s+|on\s+)?)$", I
        ),
        until_need=needs(until),
        # not the talks a pause was agreed at ("a ceasefire agreed at talks in Sweden came into force at midnight")
        # (but "agreed at talks that ended at 3 a.m.": the talks' own clause)
        other_subject=re.compile(
            r"\b(?:(?<!at\s)(?<!during\s)(?<!after\s)" + w["other_subject"] + "|"
            + w["other_subject"].replace(r"(?:\s+(?:that|which))?", r"\s+(?:that|which)") + ")", I
        ),
        future_before=re.compile(r"(?<![\w])" + w["tense_before"]["future"], I),
        past_before=re.compile(r"(?<![\w])" + w["tense_before"]["past"], I),
        end_cue=end_cue,
        join=re.compile(
            r"\s*(?:[-\u2013]|(?:" + "|".join(j for j in w["window_join"].split("|") if j.isalpha()) + r")(?![\w]))\s*", I
        ),
        vague_ranges=tuple(
            (re.compile(r"^" + fragment(k) + r"$", I), v[0], v[1]) for k, v in w["vague_ranges"].items() if not k.startswith("_")
        ),
        wide_countries={k: tuple(v) for k, v in w["wide_countries"].items() if not k.startswith("_")},
        offset=offset,
        offset_need=needs(offset),
        numbers=numbers,
    )


@dataclass(frozen=True, slots=True)
class Start:
    """A start (or an end) as read: the words, the best UTC reading, and how sure it is."""

    text: str
    at: datetime | None
    range: tuple[datetime, datetime] | None = None  # (earliest, latest) when the words leave it open
    precision: str | None = None  # "minute", "day" or "range"
    zone: str | None = None  # "stated", "place" or "unknown"
    notes: tuple[str, ...] = ()
    local: str | None = None  # zone unknown: the wall time read ("2024-03-13T06:00", or a date), for a zone found later;
    # "midnight on Monday": the interval of its two midnights ("2024-03-11T00:00/2024-03-12T00:00"), the first the best reading


def _near_cue(before: str, rules: WhenRules, trigger_end: int) -> bool:
    if rules.reporting_before.search(before):
        return False
    cue = rules.cue_before.search(before)
    if cue:
        return not rules.other_subject.search(before[max(trigger_end, 0, cue.start() - 60) : cue.start()])
    return (
        0 <= trigger_end <= len(before)
        # close after the trigger, or after its parties and place ("guns fell silent along the border at 12:00")
        and (len(before) - trigger_end <= 25 and "," not in before[trigger_end:]
             or len(before) - trigger_end <= 100 and _MODIFIER.fullmatch(before, trigger_end) is not None)
        and not _OTHER_EVENT.search(before, trigger_end)  # "the truce was violated at 7 a.m.": the breach's time
        and not _OTHER_EVENT_OBJECT.search(before, max(0, trigger_end - 60), trigger_end)  # "Hamas violated the truce at ..."
    )


# what happens to a pause at a time other than its start: a breach, a collapse, the deal
# itself ("the truce was violated at 7 a.m.", "was signed at 10 a.m.", "a deal reached at 2 a.m.")
_OTHER_EVENT = re.compile(
    r"(?<![\w])(?:violat\w*|breach\w*|broke|broken|shatter\w*|collaps\w*|agreed|signed|brokered|approved|struck|sealed|"
    r"accepted|rejected|negotiated|mediated|endorsed|welcomed|condemned|held|holding|remained|appeared|seemed|survived)(?![\w])",
    I,
)
# ... or the pause as the object of another event: "Hamas violated the truce at 7 a.m.", "the
# cabinet will vote on the truce at 8 p.m.", "hostages will be released under the truce at 4 p.m."
_OTHER_EVENT_OBJECT = re.compile(
    r"(?<![\w])(?:violat\w*|breach\w*|broke|shatter\w*|vot(?:e|es|ed|ing)\s+on|debat\w*|discuss\w*|sign(?:s|ed|ing)?|"
    r"approv\w*|endors\w*|reject\w*|under|during|despite|amid)"
    r"\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+|this\s+)?(?:[\w'\u2019-]+\s+){0,3}[\w'\u2019-]*$",
    I,
)


# "the agreed 6 p.m. (1600 GMT) onset of the ceasefire", "the 6 a.m. truce": a time right
# before the trigger, as its onset or as its attribute (the last word is the trigger's)
_BEFORE_TRIGGER = re.compile(
    r"\s*(?:(?:onset|start|beginning|launch)\s+of\s+(?:the\s+|this\s+|a\s+)?(?:[\w'\u2019-]+\s+){0,2}|(?:[\w'\u2019-]+\s+)?"
    r"|for\s+(?:a|an|the)\s+(?:[\w'\u2019-]+\s+){0,2})[\w'\u2019-]+",  # "halted strikes at 6 a.m. on Sunday for an eight-hour humanitarian pause"
    I,
)
def _cue_after(sentence: str, trigger_end: int, rules: WhenRules) -> re.Match[str] | None:
    """A start cue right after the trigger, a place between at most ("the truce in Gaza took effect")."""
    c = rules.cue.search(sentence, trigger_end, min(len(sentence), trigger_end + 35))
    return c if c and not re.search(r"[,;:]", sentence[trigger_end : c.start()]) else None


# "<time>, when the ceasefire came into effect": the time the pause named after it began
_WHEN_TRIGGER = re.compile(r",?\s*when\s+(?:the\s+|a\s+|an\s+|this\s+|its\s+)?(?:[\w'\u2019-]+\s+){0,2}[\w'\u2019-]+", I)
_NOT_UNTIL = re.compile(r"(?:\bnot|n't)\s+(?:[\w'\u2019-]+\s+){0,4}(?:until|till)\s+$", I)
# "fighting would end at 4 a.m.", "the guns will fall silent at noon", "hostilities are to
# cease from midnight": the end of the fighting is the pause's start, not its end
_FIGHTING = (  # "fighting in Gaza", "hostilities along the border" may name where
    r"(?<![\w])(?:fighting|hostilities|combat|shelling|bombardments?|attacks|guns|war|firing|shooting)\s+"
    r"(?:(?:in|on|across|along|around|between)\s+(?:(?:the\s+)?(?:parts?|most|much|areas?|some)\s+of\s+)?(?:the\s+)?[\w'\u2019-]+(?:\s+(?-i:[A-Z])[\w'\u2019-]+){0,2}\s+)?"
)
_FIGHTING_STOPS = re.compile(
    _FIGHTING + r"(?:(?:will|would|shall|should|must|has|have|had|(?:is|are|was|were)\s+(?:due\s+|set\s+|expected\s+|scheduled\s+)?to)\s+)?"
    r"(?:end(?:s|ed)?|stop(?:s|ped)?|cease[sd]?|halt(?:s|ed)?|f[ae]ll\s+silent|falls\s+silent)\s+"
    r"(?:(?:in|on|across|along|around)\s+(?:the\s+)?[\w'\u2019-]+(?:\s+(?-i:[A-Z])[\w'\u2019-]+){0,2}\s+)?"  # "stopped across Gaza at 7 a.m."
    r"(?:at\s+|on\s+|from\s+|as\s+of\s+|by\s+)?$",
    I,
)
# "fighting continued until 6 a.m.", "it would keep fighting until 7 a.m. on Friday": the fighting
# goes on until the pause starts (not "attacks will be paused until ...")
_FIGHTING_UNTIL = re.compile(
    r"(?<![\w])(?:fighting|fight|hostilities|combat|shelling|strikes|airstrikes|bombardments?|bombing|bombed|attacks|"
    r"guns|operations|offensive)(?![\w])(?P<gap>[^,;]{0,50}?)\s(?:until|till)\s+(?:at\s+)?$",
    I,
)
_PAUSING = re.compile(r"(?<![\w])(?:paus|halt|stop|suspen|ceas|truce|silen|freez)", I)


def _fighting_until(sentence: str, at: int) -> bool:
    """Whether the time phrase at `at` follows "until" after fighting that goes on till then."""
    m = _FIGHTING_UNTIL.search(sentence, max(0, at - 70), at)
    return bool(m) and not _PAUSING.search(m.group("gap"))


_FIGHTING_SUBJECT = re.compile(_FIGHTING + r"(?:(?:will|would|shall|should|must|(?:is|are|was|were)\s+(?:due\s+|set\s+|expected\s+|scheduled\s+)?to)\s+)?$", I)


def _find(
    sentence: str, lo: int, hi: int, trigger_end: int, rules: WhenRules, probe: Probe | None = None
) -> tuple[str, str, int] | None:
    """(kind, words, end offset) of the start phrase in sentence[lo:hi]; kind is precise, vague
    or immediate. Patterns whose literal stems are not in the sentence are not run (`probe`:
    the sentence as `literals` tests it)."""
    p = Probe(sentence) if probe is None else probe

    def may(need: Need) -> bool:
        return may_match(need, p.text, p.folded)

    found: list[tuple[int, int, str, str, int]] = []
    for m in rules.immediate.finditer(sentence, lo, hi) if may(rules.immediate_need) else ():
        words = m.group(0)
        if words.lower() != "immediately" or _near_cue(sentence[: m.start()], rules, trigger_end):
            found.append((0, m.start(), "immediate", words, m.end()))
    for m in rules.phrase.finditer(sentence, lo, hi):
        before = sentence[: m.start()]
        if _FIGHTING_STOPS.search(sentence, max(0, m.start() - 80), m.start()) or _fighting_until(sentence, m.start()):
            found.append((0, m.start(), "precise", m.group(0), m.end()))  # "fighting would end at 4 a.m."
            continue
        if rules.until_before.search(before) and not _NOT_UNTIL.search(before) or _END_OF_BEFORE.search(before):
            continue  # "until Sunday", "ended at 7am", "expired at the end of Wednesday": an end, not the start ("not ... until" is a start)
        if before.rstrip().endswith(("-", "\u2013")) or re.search(r"(?<![\w])(?:to|and)\s+$", before, I) and rules.clock.search(before[-40:]):
            continue  # the second figure of a window "9 a.m.-9 p.m."
        if _SAID_AT.search(before[-80:]) and re.match(r"\s*,?\s*that\b", sentence[m.end() :], I):
            continue  # "State television said in a bulletin shortly after 2 a.m. that ...": when it was said
        lead = m.group("lead") or ""
        if lead.lower() == "as of" and _STILL.search(sentence, max(0, m.start() - 60), min(len(sentence), m.end() + 160)):
            continue  # "as of 10 a.m. on Wednesday, the truce was holding": when it was seen holding
        if lead.lower() in ("", "on") and _told_object(sentence, m.start(), trigger_end, rules) and not _has_clock(m.group(0), rules):
            continue  # "agreed a 48-hour ceasefire on Wednesday": the day of the deal, not the pause's start
        if (
            (rules.lead_is_cue.match(lead) and not rules.reporting_before.search(before))
            or _WINDOW_INSIDE.search(m.group(0), len(lead))  # "on Wednesday from 10 a.m. until 3 p.m.": a window's first figure
            or _near_cue(before, rules, trigger_end)
            or (
                m.end() < trigger_end and _BEFORE_TRIGGER.fullmatch(sentence, m.end(), trigger_end)
                and not rules.reporting_before.search(before)  # "said on Sunday the truce ...": when it was said
            )
            or (  # "... returned at 4 am local time (02:00 GMT), when the ceasefire came into effect"
                m.end() < trigger_end and _WHEN_TRIGGER.fullmatch(sentence, m.end(), trigger_end)
                and _cue_after(sentence, trigger_end, rules) is not None
            )
            or _opens_sentence(sentence, m, trigger_end, rules)
        ):
            found.append((0, m.start(), "precise", m.group(0), m.end()))
    for m in rules.offset.finditer(sentence, lo, hi) if may(rules.offset_need) else ():
        if _near_cue(sentence[: m.start()], rules, trigger_end):  # "will begin in approximately six hours"
            found.append((0, m.start(), "offset", m.group(0), m.end()))
    for m in rules.relative_start.finditer(sentence, lo, hi) if may(rules.relative_need) else ():
        if _near_cue(sentence[: m.start()], rules, trigger_end):
            found.append((1, m.start(), "vague", m.group(0), m.end()))
    for m in rules.vague.finditer(sentence, lo, hi) if may(rules.vague_need) else ():
        if not rules.reporting_before.search(sentence[: m.start()]):
            found.append((1, m.start(), "vague", m.group(0), m.end()))
    if not found:
        return None
    _, at, kind, words, end = min(found)
    if kind == "precise" and not _has_clock(words, rules) and _has_day(words, rules):
        # "announced a ceasefire in Las Anod on Friday, to take effect from 6 p.m.": the clock
        # time with its own start cue, read on the day named before it (`_times`)
        timed = [f for f in sorted(found) if f[2] == "precise" and f[1] > at and clock_only(f[3], rules)
                 and (rules.lead_is_cue.match(f[3]) or _near_cue(sentence[: f[1]], rules, trigger_end))]
        if timed:
            _, at, kind, words, end = timed[0]
    if kind == "precise" and _PLANNED.search(_tense_window(sentence, at, trigger_end)):
        # "which was meant to begin at 8:30 a.m., took effect at 11:15 a.m.": the start that happened
        done = [f for f in sorted(found) if f[2] == "precise" and f[1] > at and rules.past_before.search(_tense_window(sentence, f[1], trigger_end))]
        if done:
            _, _, kind, words, end = done[0]
    return kind, words, end


_SAID_AT = re.compile(r"\b(?:said|says|announced|told|stated|reported|declared|confirmed)\b[^.;]{0,60}$", I)
_END_OF_BEFORE = re.compile(
    r"(?<!\bbegin\sat\s)(?<!\bbegins\sat\s)(?<!\bstart\sat\s)(?<!\bstarts\sat\s)(?<!\beffect\sat\s)\bthe\s+end\s+of\s+$", I
)  # not "will begin at the end of Friday": a start
_WINDOW_INSIDE = re.compile(r"(?<![\w])(?:from|between)\s+(?=\S*\d)", I)

# a pause seen going on ("was holding", "appeared to hold", "remained in place"): a time "as of"
# it is when it was seen so, not its start
_STILL = re.compile(
    r"(?<![\w])(?:still|holding|held|remained|remains|appeared|appears|seemed|seems|stayed|intact|largely\s+respected|had\s+been\s+reported)(?![\w])",
    I,
)


def _act_time(
    sentence: str, lo: int, at: int, published: datetime, tz_name: str | None, rules: WhenRules, year_hint: int | None
) -> Start | None:
    """The clock time a sentence gives to the act that takes effect immediately ("At 11:15 AM
    this morning ... signed a ceasefire agreement with immediate effect"): the first clock time
    before the immediate phrase, not an end's, read as gone by."""
    for m in rules.phrase.finditer(sentence, lo, max(at, lo)):
        words = m.group(0)
        if not _has_clock(words, rules) or rules.until_before.search(sentence[: m.start()]):
            continue
        got, _ = _resolve_words(words, published, tz_name, True, rules, year_hint=year_hint)
        if got is not None and (got.at is not None or got.range is not None) and (got.at is None or got.at <= published + _EXACT):
            return got
        return None
    return None


def _opens_sentence(sentence: str, m: re.Match[str], trigger_end: int, rules: WhenRules) -> bool:
    """"At 6 a.m. on Friday, a ceasefire in Gaza will take effect": a clock time opening the
    sentence, set off by a comma, is the start of the pause named after it when a start cue
    follows the trigger ("On Friday, the sides agreed a truce" is when it was agreed)."""
    if not sentence.startswith(",", m.end()) or trigger_end <= m.end() or sentence[: m.start()].strip():
        return False
    if _clock(rules.bracket.sub(" ", m.group(0)), rules)[1] in (None, "part"):
        return False
    # a start cue after the trigger, or a trigger that is the verb ("X and Y will formally stop fighting")
    return bool(rules.cue.search(sentence, trigger_end, trigger_end + 50) or _WILL_VERB.search(sentence, m.end(), trigger_end))


_WILL_VERB = re.compile(r"\b(?:will|would|shall|are\s+to|is\s+to)\s+(?:\w+ly\s+)?[\w'\u2019-]+(?:\s+[\w'\u2019-]+)?$", I)


# --------------------------------------------------------------------------- reading words


@dataclass(frozen=True, slots=True)
class _Words:
    """What one time phrase says, before any zone is applied."""

    clock: time | None
    clock_kind: str | None  # "clock", "midnight", "noon", "part" (a part of the day)
    part: tuple[int, int] | None  # the hours of a part of the day
    day: date | None
    day_stated: bool  # a date or weekday (or "tomorrow") in the words, not the publication's
    day_kind: str | None  # "date", "weekday", "relative"
    second_day: date | None  # "June 3-4", "from Sunday to Monday": the night's second day
    night_of: bool
    end_of_day: bool  # "midnight tonight", "24:00"
    first_hour: bool
    next_week: bool  # "next Friday": this week's or the next
    has_year: bool
    other_day: date | None  # a date without a year read before publication: the same date ahead (`_nearest_year`)
    zone: tzinfo | None
    zone_stated: bool
    notes: tuple[str, ...]


def _parse_zone(text: str, place_tz: tzinfo | None, rules: WhenRules) -> tuple[tzinfo | None, bool] | None:
    """(zone, stated) for the first zone words in `text`; None when it names none."""
    for m in rules.zone.finditer(text):
        words = m.group(0).split()
        for i in range(len(words) - 1 if len(words) > 2 else 1):  # "Friday Moscow time": try "Moscow time"
            z = _zone_of(" ".join(words[i:]), place_tz, rules)
            if z is not None:
                return z
    return None


def _zone_of(words: str, place_tz: tzinfo | None, rules: WhenRules) -> tuple[tzinfo | None, bool] | None:
    text = " ".join(words.split())
    off = re.fullmatch(r"(?:GMT|UTC)\s*([+\-\u2212])\s*(\d{1,2})(?::?(\d{2}))?", text, I)
    if off:
        sign = -1 if off.group(1) in "-\u2212" else 1
        hours, minutes = int(off.group(2)), int(off.group(3) or 0)
        return (_fixed(sign * (hours * 60 + minutes)), True) if hours <= 14 and minutes < 60 else None
    if text in rules.abbreviations or text in rules.shared_abbreviations:
        own = getattr(place_tz, "key", None)
        if own is not None and own in rules.shared_abbreviations.get(text, ()):
            return place_tz, True  # "4pm PST" in Orakzai: Pakistan Standard Time, not Pacific
        if text not in rules.abbreviations:
            return None
        return _named(rules.abbreviations[text]), True
    if rules.local.fullmatch(text):
        return place_tz, False
    if fold(text) in rules.named_zones:
        return _named(rules.named_zones[fold(text)]), True
    name = re.sub(r"\s+time$", "", text, flags=I)
    for pattern, tz in rules.place_zones:
        m = pattern.match(name)
        if m and m.end() == len(name):
            return ZoneInfo(tz), True
    return None


def _date_only(published: datetime) -> bool:
    """A publication stamp at exactly 00:00 or 12:00 UTC: feeds and pages that give only a date
    are stored so. Its clock time says nothing: a clock time alone is read on its date."""
    t = published.astimezone(UTC).time()
    return t.minute == t.second == t.microsecond == 0 and t.hour in (0, 12)


def _fixed(minutes: int) -> tzinfo:
    return UTC if minutes == 0 else timezone(timedelta(minutes=minutes))


def _named(value: str) -> tzinfo:
    if value[:1] in "+-":
        sign = -1 if value[0] == "-" else 1
        h, m = value[1:].split(":")
        return _fixed(sign * (int(h) * 60 + int(m)))
    return ZoneInfo(value)


def _clock(words: str, rules: WhenRules) -> tuple[time | None, str | None, tuple[int, int] | None]:
    m = rules.clock.search(words)
    mid = rules.midnight.search(words)
    noon = rules.noon.search(words)
    if m and mid and re.fullmatch(r"12(?::00)?\s*", words[m.start() : mid.start()]):
        return time(0, 0), "midnight", None  # "12 midnight", "12:00 midnight"
    if m and not (mid and mid.start() < m.start()) and not (noon and noon.start() < m.start()):
        if m.group(8):
            return time(0, 0), "midnight", None
        if m.group(9):
            h, mi = int(m.group(9)), int(m.group(10) or 0)
            if not 1 <= h <= 12 or mi > 59:
                return None, None, None
            h = h % 12 + (0 if m.group(11).lower() == "morning" else 12)
            return time(h, mi), "clock", None
        if m.group(12):
            h, mi = int(m.group(12)), int(m.group(13) or 0)
            if not 1 <= h <= 12:
                return None, None, None
            h = h % 12 + (0 if words[: m.start()].rstrip()[:-2].rstrip().lower().endswith("morning") else 12)
            return time(h, mi), "clock", None
        if m.group(3):
            h, mi = int(m.group(1)), int(m.group(2) or 0)
            morning = bool(re.match(r"a|in\s+the\s+morning", m.group(3), I))  # "8:30 in the morning" is a.m.
            if h == 12 and mi == 0:
                return (time(0, 0), "midnight", None) if morning else (time(12, 0), "noon", None)
            h = (h % 12) + (0 if morning else 12)
        elif m.group(4):
            h, mi = int(m.group(4)), int(m.group(5))
            if 1 <= h < 12 and re.search(r"\b(?:afternoon|evening)\s+at\s+$", words[: m.start()], re.IGNORECASE):
                h += 12  # "on Friday evening at 7:30"
        else:
            h, mi = int(m.group(6)), int(m.group(7))
        if (h, mi) == (24, 0):
            return time(0, 0), "midnight24", None
        if h > 23 or mi > 59:
            return None, None, None
        return time(h, mi), ("midnight0" if (h, mi) == (0, 0) else "clock"), None
    if mid:
        minute = re.match(r"(?:one|a|1)\s+minute\s+(past|after|to|before)", mid.group(0), re.IGNORECASE)
        if minute:  # "one minute past midnight" 00:01, "one minute to midnight" 23:59 (of the day named)
            return (time(0, 1) if minute.group(1).lower() in ("past", "after") else time(23, 59)), "clock", None
        return time(0, 0), "midnight", None
    if noon:
        return time(12, 0), "noon", None
    p = rules.day_part.search(words)
    if p:
        lo, hi = rules.day_parts[fold(p.group(0))]
        return time(lo % 24, 0), "part", (lo, hi)
    return None, None, None


def _read(
    words: str, base: date | None, past: bool | None, place_tz: tzinfo | None, rules: WhenRules, year_hint: int | None = None,
    far_back: bool = False,
) -> _Words:
    """The parts of a time phrase (outside its brackets); `base`: the publication date in the
    zone; `past` None: a weekday is the one nearest `base`, either side (read as ahead otherwise).
    `far_back`: a date without a year far ahead of `base` is the one before (`_nearest_year`)."""
    clock, clock_kind, part = _clock(words, rules)
    notes: list[str] = []
    next_week = False
    day = second = other_day = None
    day_kind = None
    has_year = False
    for pattern, order in ((rules.date_dm, "dm"), (rules.date_md, "md")):
        m = pattern.search(words)
        if m:
            if order == "dm":
                day_s, to_s, month_s, year_s = m.group(1), m.group(2), m.group(3), m.group(4)
            else:
                month_s, day_s, to_s, year_s = m.group(1), m.group(2), m.group(3), m.group(4)
            month = rules.months.get(fold(month_s).rstrip("."))
            has_year = year_s is not None
            year, other_year = (int(year_s), None) if year_s else (
                _nearest_year(base, month, int(day_s), past, far_back) if base and month else (year_hint, None)
            )
            day_kind = "date"
            if year is None or month is None:
                break
            if not MIN_YEAR <= year <= MAX_YEAR:
                notes.append(f"year {year} is implausible: the date is ignored")
                break
            try:
                day = date(year, month, int(day_s))
                second = date(year, month, int(to_s)) if to_s else None
                wd = rules.weekday.search(words)
                if other_year is not None and not (wd and date(other_year, month, int(day_s)).weekday() != rules.weekdays[fold(wd.group(0))]):
                    other_day = date(other_year, month, int(day_s))  # (a weekday beside it may settle which)
                if wd and not year_s and day.weekday() != rules.weekdays[fold(wd.group(0))]:
                    other_day = None
                    # "Sunday, January 19" published in March: the year in which that date is a Sunday
                    for other in (year - 1, year + 1):
                        try:
                            moved = date(other, month, int(day_s))
                        except ValueError:
                            continue
                        if moved.weekday() == rules.weekdays[fold(wd.group(0))]:
                            day, second = moved, (date(other, month, int(to_s)) if to_s else None)
                            break
            except ValueError:
                notes.append(f"{m.group(0)!r} is not a date: it is ignored")
                day = second = None
            break
    hol = rules.holiday.search(words) if day_kind is None else None
    eve = False
    if hol is not None:
        day_kind = "date"
        day = _holiday(rules.holidays[fold(hol.group(0)).replace("\u2019", "'")], base, past, year_hint) if (base or year_hint) else None
        eve = day is not None and hol.group(0).lower().endswith("eve")  # "midnight on New Year's Eve": the one that ends it
    if day_kind is None:
        nb = rules.night_between.search(words)
        m = rules.weekday.search(words)
        if m and base is not None:
            day_kind = "weekday"
            target = rules.weekdays[fold(m.group(0))]
            qualifier = re.search(r"\b(next|last)\s+$", words[: m.start()], I)
            if qualifier and qualifier.group(1).lower() == "last":
                day = base - timedelta(days=(base.weekday() - target) % 7 or 7)
            elif past is None:  # a plan told in the past: the occurrence nearest publication
                back = base - timedelta(days=(base.weekday() - target) % 7)
                ahead = base + timedelta(days=(target - base.weekday()) % 7)
                day = back if base - back <= ahead - base else ahead
            elif past:
                day = base - timedelta(days=(base.weekday() - target) % 7)
            else:
                day = base + timedelta(days=(target - base.weekday()) % 7)
                # "next Friday": the coming one, or the one a week later; both are said
                next_week = bool(qualifier)
            if nb and nb.group(1):
                second = day + timedelta(days=(rules.weekdays[fold(nb.group(1))] - target) % 7 or 7)
        elif m:
            day_kind = "weekday"
        else:
            r = rules.relative_day.search(words)
            if r:
                day_kind = "relative"
                if base is not None:
                    day = base + timedelta(days=rules.relative_days[fold(r.group(0))])
    zone = _parse_zone(words, place_tz, rules)
    return _Words(
        clock=clock,
        clock_kind=clock_kind,
        part=part,
        day=day,
        day_stated=day_kind is not None,
        day_kind=day_kind,
        second_day=second,
        night_of=bool(re.search(r"\bnight\s+(?:of|from|between)\b", words, I)),
        end_of_day=bool(rules.end_of_day.search(words)) or eve,
        first_hour=bool(rules.first_hour.search(words)),
        next_week=next_week,
        has_year=has_year,
        other_day=other_day,
        zone=zone[0] if zone else place_tz,
        zone_stated=bool(zone and zone[1]),
        notes=tuple(notes),
    )


_FAR_AHEAD = timedelta(days=120)  # a pause is seldom announced further ahead than this


def _nearest_year(base: date, month: int, day: int, past: bool | None, far_back: bool = True) -> tuple[int, int | None]:
    """(year, the other year it may be) that puts a date without one nearest the publication,
    on its side of it (within a week) when the words look back (`past`) or ahead: "took
    effect on Dec. 24" read on 5 January is last December's; "will start on Jan. 2" read on
    20 December is next January's. A date ahead further than `_FAR_AHEAD` while the one
    before publication is nearer ("from 0700 GMT on November 2" read in March) is the one
    before, with the one ahead as the other reading: news seldom tells a pause months ahead,
    and often a past one without its year."""
    slack = timedelta(days=7)
    found: list[tuple[bool, timedelta, int]] = []
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            d = date(year, month, day)
        except ValueError:  # 29 February
            continue
        on_side = d <= base + slack if past else d >= base - slack
        found.append((not on_side, abs(d - base), year))
    if not found:
        return base.year, None
    best = min(found)
    if far_back and not past and best[1] > _FAR_AHEAD and date(best[2], month, day) > base:
        nearer = [f for f in found if f[1] < best[1] and date(f[2], month, day) < base]
        if nearer:
            return min(nearer, key=lambda f: f[1])[2], best[2]
    return best[2], None


def _split_brackets(words: str, rules: WhenRules) -> tuple[str, list[str]]:
    """(the words outside brackets, each bracket's text); a bracket without a clock time
    ("(15 February)") is read as part of the words."""
    inner = [m.group(1) for m in rules.bracket.finditer(words)]
    timed = [t for t in inner if _clock(t, rules)[1] not in (None, "part")]
    def out(m: re.Match[str]) -> str:
        if m.group(1) not in timed:
            return " " + m.group(1) + " "
        # "0700 (0500 GMT)": the bracket is what made "0700" a clock time; "hours" keeps it one
        return " hours " if re.search(r"(?<![\w:.])[0-2]\d[0-5]\d\s*$", words[: m.start()]) else " "

    return rules.bracket.sub(out, words), timed


def _local(day: date, clock: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _unknown_range(day: date, clock: time, span: timedelta = timedelta(0)) -> tuple[datetime, datetime]:
    """Every reading of a local time whose zone is unknown: UTC+14 (earliest) .. UTC-12 (latest)."""
    naive = datetime.combine(day, clock, tzinfo=UTC)
    return naive - timedelta(hours=14), naive + span + timedelta(hours=12)


def _nearest(clock: time, tz: tzinfo, near: datetime) -> datetime:
    """The instant with local clock time `clock` in `tz` nearest to `near`."""
    local = near.astimezone(tz).date()
    candidates = [_local(local + timedelta(days=d), clock, tz) for d in (-1, 0, 1)]
    return min(candidates, key=lambda at: abs(at - near))


def _resolve_words(
    words: str,
    published: datetime | None,
    tz_name: str | None,
    past: bool,
    rules: WhenRules,
    role: str = "start",
    anchor: Start | None = None,
    anchor_words: _Words | None = None,
    next_year: bool = False,
    year_hint: int | None = None,
    reported_on: date | None = None,
) -> tuple[Start | None, _Words | None]:
    """A precise phrase as a Start (or an end when role == "end"); `anchor`: the window's
    first figure, whose day and zone a second figure without them takes. `reported_on`: the
    local day the news was told on (before publication), read like a date-only stamp of that
    day, except that midnight after it is certain (the end of that day)."""
    if reported_on is not None:
        published = datetime.combine(reported_on, time(12, 0), tzinfo=UTC)
    place_tz = ZoneInfo(tz_name) if tz_name else None
    main, brackets = _split_brackets(words, rules)
    probe_zone = _parse_zone(main, place_tz, rules)
    tz0 = probe_zone[0] if probe_zone and probe_zone[0] is not None else place_tz
    if tz0 is None and anchor_words is not None and anchor_words.zone is not None:
        tz0 = anchor_words.zone
    date_only = published is not None and _date_only(published)
    base = (published.astimezone(UTC) if date_only else published.astimezone(tz0 or published.tzinfo or UTC)).date() if published else None
    read_past = past
    if role == "end" and anchor is not None and anchor.at is not None:
        # an end's day or date is the first after its start ("from Dec. 23 until Jan. 2")
        start_day = anchor.at.astimezone(tz0 or UTC).date()
        # ... and a weekday, unless the end is reported gone by, not before publication ("which
        # began on Friday, was extended until Tuesday" read the next Thursday: the coming Tuesday)
        weekday = rules.weekday.search(main) and not (rules.date_dm.search(main) or rules.date_md.search(main))
        base = max(start_day, base) if weekday and past is False and base is not None else start_day
        read_past = False
    if base is not None and next_year:
        base = base.replace(year=base.year + 1, day=min(base.day, 28))
    w = _read(main, base, read_past, place_tz, rules, year_hint, far_back=role == "start" and anchor is None)
    notes = list(w.notes)
    zone_kind = "stated" if w.zone_stated else ("place" if w.zone is not None else "unknown")
    tz = w.zone
    if anchor_words is not None and anchor_words.zone is not None and (tz is None or anchor_words.zone_stated and not w.zone_stated):
        # "at 10:00 a.m. Moscow time ... until 5 p.m.": the second figure is in the first one's zone
        tz, zone_kind = anchor_words.zone, ("stated" if anchor_words.zone_stated else "place")
    if w.clock is None and w.day is None and not w.day_stated:
        return None, None
    if w.clock is None and w.day is None and w.day_kind == "date" and notes:
        return Start(words, None, None, None, None, tuple(notes)), w
    day = w.day
    precision = "minute"
    clock = w.clock
    span: tuple[datetime, datetime] | None = None
    date_guess = inherited = False
    date_shift = 0  # a date-only stamp's day moved to the next (1) or the last (-1) one
    if day is None and w.day_stated and not (anchor is not None and anchor.at is not None):
        # a weekday or relative day without a publication date: no day can be known
        return Start(words, None, None, None, None, tuple(notes)), w
    if day is None and anchor is not None and anchor.at is not None:
        # the window's second figure: the first one's local day, or the next when not later
        first = anchor.at.astimezone(tz or UTC)
        day = first.date()
        inherited = anchor.precision == "range" and anchor.range is not None and anchor.range[1] - anchor.range[0] >= timedelta(hours=23)
        if w.clock_kind in ("midnight", "midnight24") or (clock is not None and clock <= first.time().replace(tzinfo=None)):
            day += timedelta(days=1)
    elif day is None:
        if published is None:
            return Start(words, None, None, None, None, tuple(notes)), w
        local = published.astimezone(tz or UTC)
        day = base if date_only else local.date()
        now = local.time().replace(tzinfo=None)
        if date_only:
            # a date-only stamp: its date, read as written in the news day's hours (06:00-18:00
            # local): a time ahead before 06:00 is the next day's ("will start at 2 a.m."), a time
            # gone by from 18:00 on the day before's ("began at 6 p.m."); always flagged
            date_guess = clock is not None and not (reported_on is not None and w.clock_kind in ("midnight", "midnight24"))
            if w.clock_kind in ("midnight", "midnight24") and (w.end_of_day or not past):
                day += timedelta(days=1)
            elif w.clock_kind == "clock":
                # the news day is the place's: "5am GMT" in Gaza is 7 a.m. there
                seen = _local(day, clock, tz).astimezone(place_tz).time() if tz is not None and place_tz is not None else clock
                if not past and seen < _NEWS_DAY[0]:
                    day, date_shift = day + timedelta(days=1), 1
                elif past and seen >= _NEWS_DAY[1]:
                    day, date_shift = day - timedelta(days=1), -1
        elif w.clock_kind in ("midnight", "midnight24"):
            day += timedelta(days=0 if past and not w.end_of_day else 1)  # "at midnight": the next midnight
        elif clock is not None and past is None and tz is not None:
            # a plan told in the past ("was due to begin at 10 a.m.", "said it would start at 10
            # a.m."): the occurrence nearest publication, flagged when that one is already gone by
            nearest = min((day + timedelta(days=k) for k in (-1, 0, 1)), key=lambda d: abs(_local(d, clock, tz) - published))
            day, date_shift = nearest, (nearest - day).days
            date_guess = _local(day, clock, tz) < published
        elif clock is not None and not past and clock <= now:
            day += timedelta(days=1)
        elif clock is not None and past and clock > now:
            day -= timedelta(days=1)
    # midnight conventions
    ambiguous_midnight = False
    if w.clock_kind in ("midnight", "midnight24"):
        night = w.second_day is not None or w.night_of
        if w.second_day is not None:
            day = w.second_day
        elif w.night_of or w.end_of_day or w.clock_kind == "midnight24":
            if w.day is not None:
                day = day + timedelta(days=1)
        elif w.day is not None and role == "end":
            day = day + timedelta(days=1)  # "until midnight on Saturday": the end of Saturday
        elif w.day is not None and not night:
            ambiguous_midnight = role == "start"
    if re.search(r"\b(?:after|past)\s+midnight\b", words, I):
        ambiguous_midnight = False  # "just past midnight of April 2": its first minutes
    if clock is None and w.first_hour:
        clock = time(0, 0)
    if clock is None:
        if w.night_of and day is not None:  # "the night of June 9", no clock
            clock, precision = time(18, 0), "range"
        else:
            precision = "day"
    if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
        notes.append(f"year {day.year} is implausible: the date is ignored")
        return Start(words, None, None, None, None, tuple(notes)), w
    try:
        if precision == "day":
            lo_hi = _day_span(day, tz)
            if role == "end":
                at = lo_hi[1] if lo_hi else None
                span = None
            else:
                at, span = (lo_hi[0], lo_hi) if lo_hi else (None, None)
            if tz is None:  # the day in an unknown zone
                naive_lo = datetime.combine(day, time(0, 0), tzinfo=UTC)
                span = (naive_lo - timedelta(hours=14), naive_lo + timedelta(hours=36))
                at, precision = None, "range"
                return Start(words, at, span, precision, zone_kind, tuple(notes), day.isoformat()), w
            if w.next_week and span:  # "next Friday": this week's or the next
                span, precision = (span[0], span[1] + timedelta(days=7)), "range"
            if w.other_day is not None and at is not None and span:
                span, precision = _other_year(span, w.other_day - day, notes), "range"
            elif _year_in_doubt(anchor, w) and at is not None:
                span, precision = _as_doubtful(at, span, anchor), "range"
            return Start(words, at, span, precision, zone_kind, tuple(notes)), w
        extra = timedelta(0)
        if w.part is not None:
            extra = timedelta(hours=w.part[1] - w.part[0])
            precision = "range"
        elif w.night_of and w.clock is None:
            extra = timedelta(hours=12)
        elif w.first_hour:
            extra, precision = timedelta(hours=1), "range"
        elif ambiguous_midnight:
            extra, precision = timedelta(days=1), "range"
        if tz is not None:
            at = _local(day, clock, tz)
            span = (at, _local(day + timedelta(days=extra.days), clock, tz) + timedelta(seconds=extra.seconds)) if extra else None
        else:
            at, span, precision, zone_kind = None, _unknown_range(day, clock, extra), "range", "unknown"
        night = span if ambiguous_midnight else None  # "midnight on Monday": the start or the end of Monday
        # bracketed figures: a UTC figure settles it; another stated zone beats the place's
        for inner in brackets:
            alt = _bracket(inner, at, span, day if w.day_stated else None, published, past, place_tz, rules, role)
            if alt is None:
                continue
            alt_at, alt_utc = alt
            if alt_utc or zone_kind != "stated":
                if at is not None and zone_kind != "unknown" and abs(alt_at - at) > _EXACT:
                    notes.append(
                        f"local {clock.strftime('%H:%M')} and the bracketed figure ({inner.strip()}) disagree: the "
                        + ("UTC" if alt_utc else "stated-zone")
                        + " figure is used"
                    )
                at, span, precision, zone_kind = alt_at, None, "minute", "stated"
                if alt_utc:
                    break
        if night and published is not None and past is False and at is not None and abs(at - night[0]) <= _EXACT and (
            day == published.astimezone(UTC).date() if date_only else night[0] <= published < night[1]
        ):
            # "will stop fighting at midnight on Monday" told on that Monday: its start is gone
            # by, so the midnight ahead is the one that ends it (still flagged: a range); a
            # bracketed "(2200 GMT)" gives the clock of both, not the day
            at, span, precision = night[1], night, "range"
            notes.append(MIDNIGHT_TOLD_NOTE)
        if w.next_week and at is not None:
            precision, span = "range", (at, (span[1] if span else at) + timedelta(days=7))
        elif date_guess and precision == "minute" and at is not None:
            # which day a bare clock time falls on is a guess when the publication has only a date
            # (the other reading is the stamp's date when the day was moved, else the day beyond it)
            other = at + timedelta(days=-date_shift if date_shift else (-1 if past else 1))
            precision, span = "range", (min(at, other), max(at, other))
            if w.clock_kind in ("midnight", "midnight24") and not w.end_of_day:
                # a bare "midnight" on a page of date D: the one that opens D or the one that ends
                # it, as the stamp's date may be a day off the writer's (either side)
                span = (at - timedelta(days=1), at + timedelta(days=1))
        elif date_only and w.day_kind == "relative" and precision == "minute" and at is not None and role == "start" and not reported_on:
            # "at 2400 hours tonight" on a page that gives only its date: that date may be the UTC
            # one or the outlet's, a day off the writer's "tonight"
            precision, span = "range", (at - timedelta(days=1), at + timedelta(days=1))
        elif inherited and precision == "minute" and at is not None:
            # the day came from a first figure whose day is a guess: so is this one's
            precision, span = "range", (at - (anchor.at - anchor.range[0]), at + (anchor.range[1] - anchor.at))
    except (OverflowError, ValueError) as e:
        notes.append(f"the time cannot be computed ({e}): it is ignored")
        return Start(words, None, None, None, None, tuple(notes)), w
    if w.other_day is not None and at is not None and w.day is not None:
        span, precision = _other_year(span or (at, at), w.other_day - w.day, notes), "range"
    elif _year_in_doubt(anchor, w) and at is not None:
        span, precision = _as_doubtful(at, span, anchor), "range"  # "from Dec. 23 to Jan. 3": as doubtful as the start
    local = datetime.combine(day, clock).isoformat(timespec="minutes") if zone_kind == "unknown" and not extra else None
    if zone_kind == "unknown" and ambiguous_midnight and extra == timedelta(days=1):
        local = f"{datetime.combine(day, clock).isoformat(timespec='minutes')}/{datetime.combine(day + extra, clock).isoformat(timespec='minutes')}"
    return Start(words, at, span, precision, zone_kind, tuple(notes), local), w


#: The note on a start read "midnight on D" that, told on D and ahead, is the end of D.
MIDNIGHT_TOLD_NOTE = "midnight on the day it was told, ahead: the midnight that ends that day"
_YEAR_NOTE = "the date has no year: read as the one before publication, the next one is possible"


def _other_year(span: tuple[datetime, datetime], shift: timedelta, notes: list[str]) -> tuple[datetime, datetime]:
    """A reading's range widened to the same date in the other year it may be in (`_nearest_year`)."""
    notes.append(_YEAR_NOTE)
    return min(span[0], span[0] + shift), max(span[1], span[1] + shift)


def _year_in_doubt(anchor: Start | None, w: _Words) -> bool:
    """Whether an end's date without a year follows a start whose year is in doubt."""
    return (
        anchor is not None and anchor.at is not None and anchor.range is not None and _YEAR_NOTE in anchor.notes
        and w.day_kind == "date" and not w.has_year
    )


def _as_doubtful(at: datetime, span: tuple[datetime, datetime] | None, anchor: Start) -> tuple[datetime, datetime]:
    lo, hi = span or (at, at)
    return lo - (anchor.at - anchor.range[0]), hi + (anchor.range[1] - anchor.at)


def _bracket(
    inner: str, at: datetime | None, span, day: date | None, published: datetime | None, past: bool, place_tz, rules: WhenRules,
    role: str = "start",
) -> tuple[datetime, bool] | None:
    """(instant, is UTC) of a bracketed clock time in a stated zone, nearest the main reading.
    A bracketed window ("(0800-1200 GMT)") gives its first figure to a start, its last to an end."""
    stated = rules.local.sub(" ", inner)  # "(local time, 0500 GMT)": the stated zone is the bracket's
    zone = _parse_zone(stated, place_tz, rules) if rules.clock.search(stated) else None
    zone = zone or _parse_zone(inner, place_tz, rules)
    if zone is None or zone[0] is None:
        return None
    figures = [m.group(0) for m in rules.clock.finditer(inner)]
    pick = figures[-1] if role == "end" and len(figures) > 1 else (figures[0] if figures else inner)
    z = rules.zone.search(inner)
    clock, kind, _ = _clock(pick + " " + z.group(0) if figures and z else inner, rules)
    if clock is None or kind == "part":
        return None
    tz = zone[0]
    is_utc = tz.utcoffset(None) == timedelta(0) if isinstance(tz, timezone) else False
    if not zone[1] and not is_utc:
        return None  # "(local time)" alone adds nothing
    base = published.astimezone(tz).date() if published else None
    own = _read(rules.bracket.sub(" ", inner), base, past, place_tz, rules)
    near = at if at is not None else (span[0] + (span[1] - span[0]) / 2 if span else None)
    if own.day_kind == "weekday" and own.day is not None and near is not None:
        # "midnight Thursday (2200 GMT Wednesday)": the bracket's weekday is the one nearest the main reading
        local = near.astimezone(tz).date()
        own = replace(own, day=min(
            (local + timedelta(days=k) for k in range(-3, 4) if (local + timedelta(days=k)).weekday() == own.day.weekday()),
            key=lambda d: abs(d - local),
        ))
    if own.day is not None:
        return _local(own.day + timedelta(days=1 if kind == "midnight24" else 0), clock, tz), is_utc
    if near is None:
        return None
    return _nearest(clock, tz, near), is_utc


def _day_span(day: date, tz: tzinfo | None) -> tuple[datetime, datetime] | None:
    if tz is None:
        return None
    return _local(day, time(0, 0), tz), _local(day + timedelta(days=1), time(0, 0), tz)


def _resolve(
    kind: str, words: str, published: datetime | None, tz_name: str | None, past: bool, rules: WhenRules, year_hint: int | None = None
) -> Start:
    if kind == "vague":
        span = _vague_range(words, published, tz_name, past, rules) if published else None
        return Start(words, None, span, "range" if span else None, ("place" if tz_name else "unknown") if span else None)
    if kind == "offset":
        return _offset(words, published, rules)
    if published is None and kind == "immediate":
        return Start(words, None)
    if kind == "immediate":
        if _date_only(published):  # "effective immediately" on a page that gives only its date: that day
            day = published.astimezone(UTC).date()
            lo = datetime.combine(day, time(0, 0), tzinfo=UTC)
            return Start(words, published.astimezone(UTC), (lo, lo + timedelta(days=1)), "range", "stated")
        return Start(words, published.astimezone(UTC), None, "minute", "stated")
    got, _ = _resolve_words(words, published, tz_name, past, rules, year_hint=year_hint)
    return got or Start(words, None)


def _offset(words: str, published: datetime | None, rules: WhenRules) -> Start:
    """An offset from the publication ("will begin in approximately six hours", "within 24
    hours", "took effect two hours ago"): published + offset as the best reading, always a
    range (the page may be stamped some time after it was written; "within" is any time up to
    it; a date-only stamp leaves the hour open). No publication: no reading."""
    m = rules.offset.fullmatch(" ".join(words.split()))
    if published is None or m is None:
        return Start(words, None)
    num = fold(m.group("num") or m.group("num2"))
    amount = 0.5 if num.startswith("half") else float(num) if num[0].isdigit() else rules.numbers.get(num)
    if not amount:
        return Start(words, None)
    step = timedelta(hours=amount * {"minute": 1 / 60, "hour": 1, "day": 24}[(m.group("unit") or m.group("unit2")).lower()])
    ago = (m.group("dir2") or "").lower() == "ago"
    at = published.astimezone(UTC) + (-step if ago else step)
    q = " ".join((m.group("q") or m.group("q2") or "").lower().split())
    if _date_only(published):
        span = (at - timedelta(hours=12), at + timedelta(hours=12))
    elif (m.group("dir") or "").lower().startswith(("within", "inside")) or q in ("less than", "under", "just under", "no more than", "fewer than"):
        span = (published.astimezone(UTC), at)  # any time up to it
    else:
        slack = max(timedelta(hours=1), step / 4)
        span = (at - slack, at + slack)
    return Start(words, at, (min(span), max(span)), "range", "stated")


def _vague_range(words: str, published: datetime, tz_name: str | None, past: bool, rules: WhenRules) -> tuple[datetime, datetime] | None:
    phrase = " ".join(words.split())
    spec = next(((lo, hi) for pattern, lo, hi in rules.vague_ranges if pattern.match(phrase)), None)
    if spec is None:
        return None
    local = published.astimezone(ZoneInfo(tz_name) if tz_name else UTC)
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

    try:
        lo, hi = at(spec[0]), at(spec[1])
    except (OverflowError, ValueError):
        return None
    if past:  # "a truce that began this week": from the period's start to publication
        if spec[0] != "now" or not spec[1].startswith(("week", "month")):
            return None
        lo, hi = (week if spec[1].startswith("week") else month), local
    return lo.astimezone(UTC), hi.astimezone(UTC)


# --------------------------------------------------------------------------- entry points


def times(
    sentence: str, lo: int, hi: int, trigger_end: int, published: datetime | None, tz_name: str | None, past: bool, ended: bool,
    rules: WhenRules, probe: Probe | None = None, year_hint: int | None = None,
) -> tuple[Start | None, Start | None]:
    """(start, end) of the pause whose text runs over sentence[lo:hi].

    The start is the start phrase (see `find`); the end is the second figure of a window
    opened by the start ("from X to Y", "between X and Y", "X-Y"), else an "until ..." or
    "ended at ..." phrase. `ended`: the pause is reported over (a past end). Does not use a
    duration: start + duration is the caller's. `year_hint`: without `published`, the year a
    date without one takes (the article's full dates give it).
    """
    if published is not None and not MIN_YEAR <= published.year <= MAX_YEAR:
        published = None  # a feed's impossible date (year 1, 9999) anchors nothing
    try:
        return _times(sentence, lo, hi, trigger_end, published, tz_name, past, ended, rules, probe, year_hint)
    except (OverflowError, ValueError):  # date arithmetic at the edges of the calendar: no time, never a failure
        return None, None


def _times(
    sentence: str, lo: int, hi: int, trigger_end: int, published: datetime | None, tz_name: str | None, past: bool, ended: bool,
    rules: WhenRules, probe: Probe | None, year_hint: int | None,
) -> tuple[Start | None, Start | None]:
    found = _find(sentence, lo, hi, trigger_end, rules, probe)
    if found:
        before = _tense_window(sentence, sentence.find(found[1], lo), trigger_end)
        after = _cue_after(sentence, trigger_end, rules) if 0 <= found[2] < trigger_end else None
        if after is not None:  # "at 4 am, when the ceasefire came into effect": the verb after the trigger
            before = sentence[max(trigger_end, after.start() - 30) : after.end()] + " "
        if _PLANNED.search(before) or _WOULD.search(before) and clock_only(found[1], rules):
            # "was due to take effect on Sunday", "said it would begin at 10 a.m.": a plan told in
            # the past, either side of publication ("would begin on Friday" still looks ahead)
            past = None
        elif past and _REDUCED_PLAN.search(before):
            past = None  # "a ceasefire, due to run from 18:00 on Tuesday, collapsed": a plan of the past, either side
        elif rules.future_before.search(before):
            # "breaching a ceasefire that elders had announced would take effect on Tuesday": a pause
            # already begun looks ahead only in its plan, told before; the occurrence nearest publication
            past = None if past else False
        elif rules.past_before.search(before):
            past = True
    start: Start | None = None
    start_words: _Words | None = None
    end: Start | None = None
    told_start = False  # the start's weekday read from the day the news was told (`_told_weekday`)
    shown: str | None = None  # the text's own words for the start (a window: both figures)
    if found:
        kind, words, stop = found
        shown = words
        if kind == "precise":
            start, start_words = _resolve_words(words, published, tz_name, past, rules, year_hint=year_hint)
            relative = start_words is not None and start_words.day_kind == "relative" and start_words.clock is not None
            if start_words is not None and (not start_words.day_stated or relative) and start_words.clock is not None:
                # a clock time without a day, or with "tonight"/"tomorrow" (relative to the day told)
                day = None if relative else _clause_day(sentence, lo, hi, sentence.find(words, lo), stop, rules)
                reported = None if day else _reported_day(sentence, published, tz_name, rules)
                if day:  # "introduced on Thursday and will last eight hours, between 8 a.m. and 4 p.m."
                    words_day = words + " on " + day
                    # a day borrowed from elsewhere in the clause is the one nearest publication, not a
                    # week ahead ("late on Saturday, hours after they agreed to stop firing from 5 p.m.")
                    near = past is False and rules.weekday.search(day) and start_words.clock_kind == "clock"
                    start, start_words = _resolve_words(words_day, published, tz_name, None if near else past, rules, year_hint=year_hint)
                    words = words_day
                elif reported:  # "announced on Sunday a ceasefire starting at midnight": Sunday's midnight
                    told, got = reported[0], start
                    start, start_words = _resolve_words(words, published, tz_name, past, rules, year_hint=year_hint, reported_on=told)
                    if start is not None and start.at is not None and told < reported[1] - timedelta(days=1) and got and got.at:
                        # told days before publication: from that day's reading to the publication's
                        lo_at = start.range[0] if start.range else start.at
                        hi_at = max(got.range[1] if got.range else got.at, start.range[1] if start.range else start.at)
                        start = replace(start, precision="range", range=(lo_at, hi_at))
                elif (
                    start is not None and start.at is not None and start.at > published and start.precision == "minute" and not _date_only(published)
                    and (today := _reported_day(sentence, published, tz_name, rules, same_day=True))
                ):  # "agreed on Wednesday to a truce starting at 6 p.m.", told that evening: that day's 6 p.m.
                    same, _ = _resolve_words(words, published, tz_name, past, rules, year_hint=year_hint, reported_on=today[0])
                    if same is not None and same.at is not None and timedelta(0) < published - same.at <= _SAME_DAY:
                        start = replace(same, precision="minute", range=None)  # that day's clock: one reading
            elif start is not None and start.at is not None and start_words is not None and start_words.day_kind == "weekday" and not (
                start_words.next_week or re.search(r"\blast\s+\w+day\b", words, I)  # "last Friday" is fixed
            ):
                read = start
                start = _told_weekday(sentence, words, start, published, tz_name, past, rules, year_hint)
                told_start = start is not read
            start = start or Start(words, None)
            j = rules.join.match(sentence, stop)
            if j and j.end() < hi:
                second = rules.phrase.match(sentence, j.end())
                if second and (rules.clock.search(second.group(0)) or rules.midnight.search(second.group(0)) or (
                    rules.noon.search(second.group(0))
                ) or _has_day(second.group(0), rules)):
                    w2 = second.group(0)
                    shown = sentence[stop - len(found[1]) : second.end()]
                    end, end_words = _resolve_words(w2, published, tz_name, past, rules, "end", start, start_words, year_hint=year_hint)
                    if (
                        end is not None and end.at is not None and start.at is not None and end.at <= start.at
                        and end_words is not None and end_words.day_kind == "date" and not end_words.has_year
                    ):  # "from Dec. 24 to Jan. 2": the second date is in the next year
                        end, end_words = _resolve_words(
                            w2, published, tz_name, past, rules, "end", start, start_words, True, year_hint=year_hint
                        )
                    if end_words is not None:
                        # "between 8 a.m. and 4 p.m. on Thursday", "between 0700 and 1500 GMT": the
                        # day and zone belong to both figures
                        extra = ""
                        if (start_words is None or not start_words.zone_stated) and end_words.zone_stated:
                            z = rules.zone.search(rules.bracket.sub(" ", w2))
                            extra += " " + z.group(0) if z else ""
                        if (start_words is None or not start_words.day_stated) and end_words.day_stated:
                            extra += " " + _day_words(w2, rules)
                        if start_words is None and re.search(r"(?<![\w:.])[0-2]\d[0-5]\d\s*$", words):
                            extra += " hrs"  # "from 0800 to 1600 local time": the second figure made the first a clock time
                        if extra.strip():
                            start, start_words = _resolve_words(words + extra, published, tz_name, past, rules, year_hint=year_hint)
                            start = start or Start(words, None)
                            end, _ = _resolve_words(w2, published, tz_name, past, rules, "end", start, start_words, year_hint=year_hint)
        else:
            start = _resolve(kind, words, published, tz_name, past, rules, year_hint=year_hint)
            if kind == "immediate" and published is not None:
                # "At 11:15 a.m., the delegations signed a ceasefire with immediate effect": that time
                act = _act_time(sentence, lo, sentence.find(words, lo), published, tz_name, rules, year_hint)
                if act is not None:
                    start, shown = act, act.text
    if end is None:
        end = _end(sentence, lo, hi, published, tz_name, ended, rules, probe, start, start_words, year_hint, trigger_end)
        if end is not None and start is not None and start_words is not None and not start_words.zone_stated and found and (
            start_words.clock is not None  # a day alone ("since Monday") is the place's local day
        ):
            z = rules.zone.search(rules.bracket.sub(" ", end.text))
            zone = _zone_of(z.group(0), None, rules) if z else None
            if zone is not None and zone[1]:  # "from noon on Friday until midnight on Saturday, Moscow time"
                start, start_words = _resolve_words(found[1] + " " + z.group(0), published, tz_name, past, rules, year_hint=year_hint)
                start = start or Start(found[1], None)
                end = _end(sentence, lo, hi, published, tz_name, ended, rules, probe, start, start_words, year_hint, trigger_end)
        if (
            end is not None and end.at is not None and start is not None and start_words is not None and found
            and start_words.clock is not None and not start_words.day_stated and _has_clock(end.text, rules) and _has_day(end.text, rules)
        ):
            start, end = _day_from_end(sentence, found[1], stop, start, start_words, end, published, tz_name, past, ended, rules,
                                       probe, lo, hi, year_hint, trigger_end)
    if start is not None and start.at is not None and start_words is not None and found and start_words.clock is not None and not start_words.day_stated:
        # "a daily pause, from 08:00 to 16:00 local time, began on 12 March": the window on the day its start cue names
        cued_day = _cued_day(sentence, lo, hi, found[1], rules)
        if cued_day is not None:
            day_words, day_past = cued_day
            on, on_words = _resolve_words(found[1] + " " + day_words, published, tz_name, day_past, rules, year_hint=year_hint)
            if on is not None and on.at is not None and on_words is not None:
                if end is not None and clock_only(end.text, rules):
                    moved, _ = _resolve_words(end.text, published, tz_name, day_past, rules, "end", on, on_words, year_hint=year_hint)
                    end = moved if moved is not None and moved.at is not None and moved.at > on.at else end
                start = replace(on, text=start.text)
    if told_start and end is not None and end.at is not None and start is not None and start.at is not None and start_words is not None:
        # the start read from the day told (a late page): its end's weekday is the first after it
        # too, not only the one ahead of publication; both kept, the told one best
        alt, _ = _resolve_words(end.text, published, tz_name, True, rules, "end", start, start_words, year_hint=year_hint)
        if alt is not None and alt.at is not None and alt.at > start.at and abs(alt.at - end.at) > _EXACT:
            ends = [t for e in (end, alt) for t in ((e.range[0], e.range[1]) if e.range else (e.at,))]
            end = replace(alt, precision="range", range=(min(ends), max(ends)))
    if start is not None and shown and start.text != shown:
        start = replace(start, text=shown)  # words added to read it ("on Friday", "Moscow time") are not shown
    if start is not None and end is not None and start.at is not None and end.at is not None and end.at <= start.at:
        end = Start(end.text, None, None, None, None, end.notes + ("the end read is not after the start: it is dropped",))
    return start, end


def _day_from_end(
    sentence: str, words: str, stop: int, start: Start, start_words: _Words, end: Start, published: datetime | None,
    tz_name: str | None, past: bool | None, ended: bool, rules: WhenRules, probe: Probe | None, lo: int, hi: int,
    year_hint: int | None, trigger_end: int,
) -> tuple[Start, Start]:
    """"began at 9 a.m. and lasted until 3 p.m. on Tuesday": a start clock without a day takes
    the day of the end joined to it in the same clause, when both then fall within one day
    (not "began at 9 a.m. and will last until 6 p.m. on Friday", a longer pause)."""
    at_end = sentence.find(end.text, stop)
    gap = sentence[stop:at_end] if at_end >= stop else ","
    if len(gap) > 40 or re.search(r"[,;:]", gap) or _reported_day(sentence, published, tz_name, rules) is not None:
        return start, end
    new_start, new_words = _resolve_words(words + " " + _day_words(end.text, rules), published, tz_name, past, rules, year_hint=year_hint)
    if new_start is None or new_start.at is None:
        return start, end
    new_end = _end(sentence, lo, hi, published, tz_name, ended, rules, probe, new_start, new_words, year_hint, trigger_end)
    if new_end is None or new_end.at is None or not timedelta(0) < new_end.at - new_start.at <= timedelta(days=1):
        return start, end
    return new_start, new_end


# "was due to", "were set to", "had been scheduled to", "was set for": a plan told in the
# past, for a day that may be before or after publication
#: a plan told without a tense in an aside ("the truce, due to run from 18:00 on Tuesday, collapsed")
_REDUCED_PLAN = re.compile(r",\s*(?:originally\s+|initially\s+)?(?:due|set|scheduled|slated|meant|supposed)\s+to(?:\s+\w+){1,2}\s*$", I)
#: "said the truce would begin at 10 a.m.": reported speech, a plan told in the past
_WOULD = re.compile(r"(?<![\w])would(?:\s+\w+){0,5}\s*$", I)
_PLANNED = re.compile(  # also "was set for 8 a.m.", "was due at noon" (the phrase's "at" is its own)
    r"(?<![\w])(?:(?:was|were|had\s+been)\s+(?:due|set|scheduled|supposed|expected|planned|meant|slated)"
    r"(?:\s+to(?:\s+\w+){0,3}|\s+for)?|(?:was|were)\s+to(?:\s+\w+){1,3})\s*$",  # also "was to begin"
    I,
)


def _tense_window(sentence: str, at: int, trigger_end: int) -> str:
    """The words before a time phrase whose verb says whether it looks ahead or back: up to 60
    characters, but none before the trigger when the trigger comes first ("had proposed a
    truce from noon on Friday": "had proposed" is the proposal's tense, not the truce's)."""
    cut = max(0, at - 60)
    if 0 <= trigger_end <= at:
        cut = max(cut, trigger_end)
    return sentence[cut : max(0, at)]


def _told_weekday(
    sentence: str, words: str, start: Start, published: datetime | None, tz_name: str | None, past: bool | None,
    rules: WhenRules, year_hint: int | None,
) -> Start:
    """A weekday in a sentence that says on which day it was told ("will take effect on
    Wednesday, Biden said on Tuesday") is the one after (or before) that day; when that differs
    from the reading from publication (a late page), both are kept: a range, the told one best."""
    reported = _reported_day(sentence, published, tz_name, rules)
    if reported is None:
        return start
    alt, _ = _resolve_words(words, published, tz_name, past, rules, year_hint=year_hint, reported_on=reported[0])
    if alt is None or alt.at is None or abs(alt.at - start.at) <= _EXACT:
        return start
    ends = [t for s_ in (start, alt) for t in ((s_.range[0], s_.range[1]) if s_.range else (s_.at,))]
    return replace(alt, precision="range", range=(min(ends), max(ends)))


# the words between a daily window and the day it starts on: "..., starting on Saturday"
_STARTING_DAY = re.compile(r"[^;]{0,40}?\b(?:starting|beginning|effective|as\s+of|as\s+from)(?:\s+(?:on|from))?\s+$", I)


def _clause_day(sentence: str, lo: int, hi: int, at: int, stop: int, rules: WhenRules) -> str | None:
    """The one day (weekday, date, "tomorrow") named elsewhere in the pause's text, when the
    clock time has none; not a day the news was reported on ("said on Monday") nor an end's."""
    found = set()
    for pattern in (rules.date_dm, rules.date_md, rules.weekday, rules.relative_day):
        for m in pattern.finditer(sentence, lo, hi):
            if m.start() >= at and not (m.start() >= stop and _STARTING_DAY.match(sentence, stop, m.start())):
                # only a day stated before the time: later ones are other events' ("talks on May 12"),
                # unless the pause starts on it ("from 10 a.m. to 2 p.m. daily, starting on Saturday")
                continue
            before = sentence[max(0, m.start() - 40) : m.start()]
            if _told(sentence, m, rules) or rules.until_before.search(before):
                continue
            found.add(fold(m.group(0)))
    return found.pop() if len(found) == 1 else None


# "agreed a 48-hour ceasefire on Wednesday", "declared a truce on Friday": a deal verb in the
# past, its object, then a day: the day the deal was struck (not "agreed a truce from Friday",
# "agreed a truce to take effect on Friday")
_TOLD_OBJECT = re.compile(
    r"(?<![\w])(?:agreed|signed|reached|brokered|struck|approved|accepted|proposed|offered|announced|declared|ordered|unveiled)"
    r"\s+(?:to\s+|on\s+|upon\s+)?(?:[\w'\u2019-]+\s+){1,5}(?:on\s+)?$",
    I,
)
_NOT_TOLD = re.compile(r"(?<![\w])(?:from|until|till|through|between|as\s+of|effective|by|for|will|would|to\s+\w+)\s", I)


def _told_object(sentence: str, at: int, trigger_end: int, rules: WhenRules) -> bool:
    """Whether a day at `at`, right after the trigger, is the day a deal verb before the trigger
    was done on ("agreed a 48-hour ceasefire on Wednesday")."""
    window = sentence[max(0, at - 70) : at]
    m = _TOLD_OBJECT.search(window)
    if not m or "," in window[m.start() :] or not 0 <= trigger_end <= at or trigger_end < at - len(window) + m.end(0) - 60:
        return False
    rest = window[m.start() :]
    return not (_NOT_TOLD.search(rest) or rules.cue.search(rest))


def _told(sentence: str, m: re.Match[str], rules: WhenRules, trigger_end: int = -1) -> bool:
    """Whether the day matched is the one the news was told or agreed on ("said on Monday",
    "agreed on Wednesday", "on Sunday announced"), not the pause's."""
    return bool(
        rules.told_before.search(sentence, max(0, m.start() - 40), m.start()) or rules.told_after.match(sentence, m.end())
        or (trigger_end >= 0 and _told_object(sentence, m.start(), trigger_end, rules))
    )


#: how long before a story told "on Wednesday" a clock time of that day may be and still be it
#: (a start the story reports, filed after it); earlier, the next day's is meant
_SAME_DAY = timedelta(hours=6)


def _reported_day(
    sentence: str, published: datetime | None, tz_name: str | None, rules: WhenRules, same_day: bool = False
) -> tuple[date, date] | None:
    """(the day, the publication's local date) when the sentence names one day before
    publication on which the news was told or agreed ("announced on Sunday", "agreed on March
    3", "on Sunday announced"): a clock time without a day is read from that day. `same_day`:
    the publication's own day too."""
    if published is None:
        return None
    low = sentence.lower()
    if not any(v in low for v in rules.told_words):
        return None  # no verb that dates the news: the date patterns need not run
    tz = ZoneInfo(tz_name) if tz_name else UTC
    base = published.astimezone(UTC if _date_only(published) else tz).date()
    found = set()
    for pattern in (rules.date_dm, rules.date_md, rules.weekday):
        for m in pattern.finditer(sentence):
            if _told(sentence, m, rules):
                day = _read(m.group(0), base, True, tz, rules).day
                if day is not None:
                    found.add(day)
    if len(found) != 1:
        return None
    day = found.pop()
    return (day, base) if base - timedelta(days=7) <= day < base or (same_day and day == base) else None


def _has_clock(words: str, rules: WhenRules) -> bool:
    return bool(rules.clock.search(words) or rules.midnight.search(words) or rules.noon.search(words))


def _has_day(words: str, rules: WhenRules) -> bool:
    return bool(rules.date_dm.search(words) or rules.date_md.search(words) or rules.weekday.search(words))


def _cued_day(sentence: str, lo: int, hi: int, words: str, rules: WhenRules) -> tuple[str, bool] | None:
    """("on 12 March", looks back) for a day alone told right after a start cue elsewhere in
    sentence[lo:hi] than the clock phrase `words` ("... began on 12 March", "starting Saturday")."""
    for m in rules.phrase.finditer(sentence, lo, hi):
        text = m.group(0)
        if text == words or words in text or _has_clock(text, rules) or not _has_day(text, rules):
            continue
        before = sentence[max(0, m.start() - 30) : m.start()]
        cue = _START_CUE_RIGHT_BEFORE.search(before) or _START_CUE_LEAD.match(text)  # "..., beginning on Sunday"
        if cue:
            return _day_words(text, rules), bool(rules.past_before.search(cue.group(0) + " "))
    return None


_START_VERBS = r"(?:began|begun|started|starts?|starting|begins?|beginning)"
_START_CUE_LEAD = re.compile(_START_VERBS + r"\b", I)
#: a start verb right before a day ("began on 12 March", "starting Saturday", "started on Friday")
_START_CUE_RIGHT_BEFORE = re.compile(r"(?<![\w])(?:" + _START_VERBS + r"|took\s+effect|takes\s+effect)(?:\s+on)?\s*$", I)


def _holiday(rule: str, base: date | None, past: bool | None, year_hint: int | None) -> date | None:
    """The date of a named day ("12-31", "easter-3") in the year that puts it nearest `base`
    on the side the words look to (ahead unless `past`; either side when None), or in
    `year_hint` without a base."""
    from dateutil.easter import EASTER_ORTHODOX, EASTER_WESTERN, easter

    def on(year: int) -> date:
        if rule[0].isdigit():
            month, day = rule.split("-")
            return date(year, int(month), int(day))
        name, sign, days = re.match(r"(\w+)([+-])(\d+)", rule).groups()
        sunday = easter(year, EASTER_ORTHODOX if name == "orthodox_easter" else EASTER_WESTERN)
        return sunday + timedelta(days=int(days) * (1 if sign == "+" else -1))

    if base is None:
        return on(year_hint) if year_hint else None
    options = [on(y) for y in (base.year - 1, base.year, base.year + 1)]
    if past:
        return max(d for d in options if d <= base)
    if past is None:
        return min(options, key=lambda d: abs(d - base))
    return min(d for d in options if d >= base - timedelta(days=1))


def _day_words(words: str, rules: WhenRules) -> str:
    for pattern in (rules.date_dm, rules.date_md, rules.weekday, rules.relative_day):
        m = pattern.search(words)
        if m:
            return "on " + m.group(0)
    return ""


# "will begin at 7 a.m. on Friday and end at 7 a.m. on Tuesday", "opened at 9 a.m. on Sunday but was
# closed again at 3 p.m.": the start's subject ends it
_AND_END = re.compile(r"\b(?:and|but)\s+(?:will\s+|would\s+|is\s+to\s+|are\s+to\s+|was\s+|were\s+|had\s+been\s+)?$", I)
_DUE = re.compile(r"\b(?:will|would|shall|(?:due|set|scheduled|expected|supposed|planned|going)\s+to)\s+(?:now\s+|then\s+|also\s+)?$", I)


# a relative clause between a trigger and its verb ("the truce, which began on March 18, ended")
# an aside between a pause and its verb: "the truce, which began on March 18, ended at ...",
# "the truce in Kidal, brokered by the African Union, expires at 6 a.m.", and an appositive after a
# party ("... and the Estado Mayor Central, the largest dissident faction, expired at 11:59 p.m.")
_RELATIVE = re.compile(
    r",\s*(?:(?:which|that|who|(?:brokered|mediated|agreed|signed|declared|announced|reached|called|ordered|requested|proposed|offered)\s+(?:by|in|on|last)\b|(?:re)?opened\s+(?:at|on|to|for)\b)[^,;]{1,80}"
    r"|(?:the|a|an|its|their)\s+(?:[\w'\u2019-]+\s+){0,6}[\w'\u2019-]+),\s*", I
)


# the verb before an end phrase that puts it in the past ("ended at", "lasted until", "held until")
_END_PAST = re.compile(
    r"(?<![\w])(?:ended|expired|lasted|held|closed|ran|remained|stayed|continued|was over|were over)(?:\s+\w+){0,3}\s*$", I
)


#: the rest of a relative clause the trigger opened, then the main clause's auxiliary
_REL_TAIL = re.compile(r"[^,;.]{0,60},\s*(?:(?:was|were|has\s+been|had\s+been|is|are|will\s+be)\s+)?(?:\w+ly\s+)?", I)
#: what may stand between a pause and its end verb when longer than a few words: its parties
#: and place told in prepositional phrases ("the truce between the army and the MNDAA in
#: northern Shan state expired at ..."), with no clause of its own
_MODIFIER = re.compile(
    r"\s+(?:between|in|near|along|across|around|over|for|on|with|against|(?:brokered|mediated)\s+by|(?:agreed|declared|announced|signed|reached)\s+(?:for|in|on|by|last|with)"
    r"|(?:the|a|an)\s+(?:[\w'\u2019-]+\s+){0,3}(?:declared|agreed|announced|signed|brokered|reached|offered))\s"
    r"(?:(?!\b(?:that|which|who|whom|whose|while|but|when|after|before|said|says|as|where)\b)[^,;.\u2014])*",
    I,
)


def _end(
    sentence: str, lo: int, hi: int, published: datetime | None, tz_name: str | None, past: bool, rules: WhenRules,
    probe: Probe | None, start: Start | None, start_words: _Words | None, year_hint: int | None = None, trigger_end: int = -1,
) -> Start | None:
    p = Probe(sentence) if probe is None else probe
    candidates = []
    until_ok = may_match(rules.until_need, p.text, p.folded)
    if until_ok:
        m = next(_untils(sentence, lo, hi, rules), None)
        if m:
            candidates.append(m)
    for m in rules.end_cue.finditer(sentence, lo, hi):
        if not (rules.clock.search(m.group("when")) or rules.midnight.search(m.group("when")) or rules.noon.search(m.group("when"))):
            continue
        if _FIGHTING_SUBJECT.search(sentence, max(0, m.start() - 60), m.start()):
            continue  # "fighting would end at 4 a.m.": the pause's start (see `_find`)
        if rules.other_subject.search(sentence, max(0, m.start() - 40), m.start()):
            continue  # "talks collapsed at 3 a.m.": another event's end
        between = sentence[max(trigger_end, 0) : m.start()] if trigger_end <= m.start() else None
        if between is not None and "," in between:  # "the truce, which began on March 18, ended at ...": its own verb
            between = _RELATIVE.sub(" ", between)
        # the pause's own end: its verb close after the trigger, or a sentence that opens with
        # it ("It ends at ..."), or "due/set to end"; not "talks that ended at 3 a.m."
        if (
            (between is not None and len(between) <= 40 and "," not in between and trigger_end >= 0)
            or (between is not None and len(between) <= 100 and trigger_end >= 0 and _MODIFIER.fullmatch(between))
            or (between is not None and trigger_end >= 0 and _REL_TAIL.fullmatch(between)
                and re.search(r"\b(?:which|that)\b", sentence[max(0, trigger_end - 40) : trigger_end]))  # "The crossing, which had reopened ... on Thursday, was closed again at 3 p.m."
            or m.start() <= 25
            or (between is not None and trigger_end >= 0 and _OWN_CLAUSE.fullmatch(between))  # "The truce, which expires at 6 a.m."
            or _NOW_BEFORE.search(sentence, max(0, m.start() - 10), m.start())  # "..., so that it now ends at midnight": the term as it stands
            or _DUE.search(sentence[max(0, m.start() - 30) : m.start()])
            or old_term_before(sentence, m.start("when"))  # "the truce, which expired at noon, was renewed"
            or (start is not None and between is not None and _AND_END.search(between) and not rules.other_subject.search(between))
        ):
            candidates.append(m)
            break
    if not candidates:
        return None
    m = min(candidates, key=lambda c: c.start())
    old_term = old_term_before(sentence, m.start("when"))
    if old_term and until_ok:
        # "extend a truce that was due to expire at 6 a.m. on Wednesday until 6 p.m. on Sunday",
        # "which had been set to lapse on Tuesday, was extended ... until Thursday": the new end
        new = next((u for u in _untils(sentence, m.end(), hi, rules)  # "... was due to expire at noon on Friday, would now run until 6 p.m. on Sunday"
                    if (_EXTEND.search(sentence, 0, u.start()) or _NOW_RUN.search(sentence, m.end(), u.start()))
                    and not old_term_before(sentence, u.start("when"))), None)
        if new is None:  # "... had been due to lapse at 6 p.m. on Friday; it now ends at 6 p.m. next Wednesday"
            new = next((e for e in rules.end_cue.finditer(sentence, m.end(), hi) if _NOW_BEFORE.search(sentence, max(0, e.start() - 10), e.start())), None)
        if new is not None:  # the new end looks ahead from the extension, whatever the status ("the truce lapsed, ...")
            m, old_term, past = new, False, False
    words = m.group("when")
    before = _tense_window(sentence, m.start("when"), trigger_end)
    if old_term and not _OLD_AHEAD.search(before) and not _REDUCED_TERM.search(sentence, max(0, m.start("when") - 60), m.start("when")):
        # "had been due to expire at midnight on Sunday": a term planned in the past, either
        # side of publication (like a `_PLANNED` start), not pushed a week ahead
        past = None
    elif rules.future_before.search(before):  # "expires at midnight on Sunday": ahead, whatever the status
        past = False
    elif _END_PAST.search(before):  # "ended at 7 a.m.", "lasted until"; not "was extended until"
        past = True
    anchor = start if start is not None and start.at is not None else None
    if (
        anchor is not None and published is not None and anchor.precision == "day" and anchor.range is not None
        and anchor.range[1] <= published and not (_has_day(words, rules) or rules.relative_day.search(words))
    ):  # "in effect since Monday, will continue until 1600 GMT": a clock alone counts from publication
        anchor = None
    got, w = _resolve_words(words, published, tz_name, past, rules, "end", anchor, start_words if anchor else None, year_hint=year_hint)
    if got is None or got.at is None or w is None:
        return got
    if not w.has_year and w.day_kind == "date" and published is not None:
        floor = anchor.at if anchor else (None if past else published - timedelta(days=1))
        if floor is not None and got.at < floor:  # "from Dec. 23 until Jan. 2": the next year
            moved, _ = _resolve_words(words, published, tz_name, past, rules, "end", anchor, start_words if anchor else None, True)
            return moved if moved is not None and moved.at is not None else got
    return got


_FULL_DATE_YEAR = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?,?\s+((?:19|20)\d{2})\b|\b[A-Z][a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,\s+((?:19|20)\d{2})\b")


def article_year(text: str, rules: WhenRules) -> int | None:
    """The year of the first full date in a text ("24 November 2023", "August 1, 2014"), for
    the dates without a year of an article that has no publication date."""
    for m in _FULL_DATE_YEAR.finditer(text):
        words = m.group(0)
        if rules.date_dm.search(words) or rules.date_md.search(words):
            return int(m.group(1) or m.group(2))
    return None


def article_date(text: str, rules: WhenRules) -> datetime | None:
    """For an article with no publication date: the first full date in its text ("As of
    Friday, December 1, 2023", "On Monday, July 28, 2025"), as a date-only stamp (12:00 UTC)
    that weekdays and bare clock times count from. The caller flags what it anchors (the date
    may be a background one, not the news day)."""
    for m in _FULL_DATE_YEAR.finditer(text):
        words = m.group(0)
        for pattern, order in ((rules.date_dm, "dm"), (rules.date_md, "md")):
            d = pattern.search(words)
            if not d:
                continue
            day_s, month_s = (d.group(1), d.group(3)) if order == "dm" else (d.group(2), d.group(1))
            month = rules.months.get(fold(month_s).rstrip("."))
            year = int(m.group(1) or m.group(2))
            if month is None or not MIN_YEAR <= year <= MAX_YEAR:
                continue
            try:
                return datetime(year, month, int(day_s), 12, 0, tzinfo=UTC)
            except ValueError:  # "February 30, 2024"
                continue
    return None


# "extended", "prolonged", "will be extended": the verb of an extension; or its length told as
# more of the same ("would stay open for another hour", "for two more days", "an extra 24 hours")
_EXTEND = re.compile(
    r"(?<![\w])(?:extend(?:s|ed|ing)?|prolong(?:s|ed|ing)?|renew(?:s|ed|ing)?"
    r"|another\s+(?:\w+\s+)?(?:hour|day|week)s?|(?:an?\s+)?(?:extra|additional|further)\s+(?:\w+\s+)?(?:hours?|days?|weeks?)"
    r"|(?:\d+|a\s+few|two|three|four|five|six|twelve|24|48|72)\s+more\s+(?:hours?|days?|weeks?))(?![\w])",
    I,
)


def end_before_extension(sentence: str, end: Start) -> bool:
    """Whether an end phrase is the term an extension moves: told before the extension's verb
    ("the truce, which was due to expire at 7 a.m. on Thursday, was extended by 24 hours"), or
    told as the old term wherever the verb is ("agreed to extend by 24 hours a truce that had
    been due to expire at midnight"); not the new end after the verb ("was extended until 7 a.m.
    on Wednesday")."""
    at = sentence.find(end.text)
    if at < 0:
        return False
    verb = _EXTEND.search(sentence, at)
    if verb is not None and not _EXTEND.search(sentence, 0, at):
        return True
    return _EXTEND.search(sentence) is not None and old_term_before(sentence, at)


#: "it now ends at midnight": the term as it now stands, right before an end verb
_NOW_BEFORE = re.compile(r"\bnow\s+$", I)
#: "would now run until": a new end told without an extension verb
_NOW_RUN = re.compile(r"\b(?:now|instead)\s+(?:\w+\s+)?(?:run|runs|last|lasts|continue|continues|hold|holds|remain|remains)\b", I)
# the verb of a term an extension moves: "was due to expire", "had been set to lapse", "which
# expired", "that was scheduled to end" (its "at"/"on" before the time words)
#: the old term's verb and the words before its time ("... to expire at", "... to lapse on")
_TERM_VERB = (
    r"\s+(?:expire|end|lapse|run\s+out|ran\s+out|runs\s+out|expires|ends|lapses|finish|conclude|close|run|last)(?:d|ed)?"
    r"(?:\s+(?:at|on|in|by|around|about|until|till|through))?\s*$"
)
#: an old term told in a reduced clause, without a tense ("the truce, due to expire at ...")
_REDUCED_LEAD = r"\s*(?:originally\s+|initially\s+)?(?:due|set|scheduled|slated)\s+to"
_OLD_TERM = re.compile(
    r"(?<![\w])(?:(?:was|were|had\s+been)\s+(?:originally\s+|initially\s+)?(?:due|set|scheduled|supposed|planned|expected|slated|meant)"
    r"\s+to|(?:was|were)\s+to|(?:which|that)(?:\s+had)?"
    r"|(?<=,)" + _REDUCED_LEAD  # "the truce, set to end at 7 a.m. on Friday, was extended"
    + r"|(?:when|after|once)\s+it)"  # "agreed to renew the truce for two months when it ran out at 7 p.m."
    + _TERM_VERB,
    I,
)
#: what stands between a pause and the verb of a relative clause of its own ("The truce in Donetsk, which ")
_OWN_CLAUSE = re.compile(r"[^.;,]{0,60},?\s*(?:which|that)\s+", I)
#: "which expires at", "that ends on": a relative clause in the present (`old_term_before`)
_PRESENT_TERM = re.compile(r"(?:which|that)\s+(?:expires|ends|lapses|runs\s+out|finishes|concludes|closes|runs|lasts)\b", I)
# the old term told without a tense ("the truce, due to expire at 7 a.m. on Monday, will be
# extended"): still ahead as told, not a plan of the past
_REDUCED_TERM = re.compile("," + _REDUCED_LEAD + _TERM_VERB, I)
# words between the old term's verb and the time that make it plainly ahead ("was due to expire tomorrow")
_OLD_AHEAD = re.compile(r"\b(?:tomorrow|tonight|next)\b[^,;]*$", I)


def old_term_before(sentence: str, at: int) -> bool:
    """Whether the time phrase at `at` is a term told as planned in the past or gone ("that was
    due to expire at ...", "which had been set to lapse at ...", "which expired at ..."). A
    term in the present ("The truce, which expires at 6 a.m. on Tuesday, covers ...") is the
    pause's own, unless the sentence extends it ("extended the truce, which ends at noon, until ...")."""
    m = _OLD_TERM.search(sentence, max(0, at - 60), at)
    if m is None:
        return False
    return not _PRESENT_TERM.match(m.group(0)) or _EXTEND.search(sentence) is not None


def _untils(sentence: str, lo: int, hi: int, rules: WhenRules) -> Iterator[re.Match[str]]:
    """The "until ..." phrases in sentence[lo:hi] that may be a pause's end: not "not until",
    not fighting's, not another subject's ("talks that lasted until 3 a.m.")."""
    for m in rules.until.finditer(sentence, lo, hi):
        if not _NOT_UNTIL.search(sentence[: m.start("when")]) and not _fighting_until(sentence, m.start("when")) and not (
            rules.other_subject.search(sentence, max(0, m.start() - 40), m.start())
        ):
            yield m


def read_end(words: str, published: datetime | None, tz_name: str | None, past: bool | None, rules: WhenRules, year_hint: int | None = None) -> Start | None:
    """A time phrase read as an end ("at 18:00 local time on Monday" after "closed the crossing")."""
    return _resolve_words(words, published, tz_name, past, rules, "end", year_hint=year_hint)[0]


def clock_only(words: str, rules: WhenRules) -> bool:
    """A clock time with no day of its own ("set for 8:30 a.m. local time")."""
    clock = _clock(rules.bracket.sub(" ", words), rules)[1]
    return clock not in (None, "part") and not (_has_day(words, rules) or rules.relative_day.search(words))


def on_day(
    words: str, day_words: str, published: datetime | None, tz_name: str | None, past: bool, rules: WhenRules,
    year_hint: int | None = None,
) -> Start | None:
    """A clock time read on the day another phrase named ("8:30 a.m." on "Sunday")."""
    got, _ = _resolve_words(words + " on " + _day_words(day_words, rules).removeprefix("on "), published, tz_name, past, rules, year_hint=year_hint)
    return got


def end_after(
    words: str, start_text: str, starts_at: datetime, published: datetime | None, tz_name: str | None, past: bool,
    rules: WhenRules, year_hint: int | None = None,
) -> Start | None:
    """An end phrase read after a start told in an earlier sentence ("... will begin at 10 a.m.
    on Saturday. It will last until 2 p.m."): the end takes the start's day and zone when it
    has none, and lies after it. None when the start's words no longer give `starts_at`."""
    start, start_words = _resolve_words(start_text, published, tz_name, past, rules, year_hint=year_hint)
    if start is None or start.at is None or start_words is None or abs(start.at - starts_at) > _EXACT:
        return None
    end, _ = _resolve_words(words, published, tz_name, past, rules, "end", start, start_words, year_hint=year_hint)
    return end if end is not None and end.at is not None and end.at > start.at else None


def cued(sentence: str, words: str, rules: WhenRules) -> bool:
    """Whether the time phrase `words` in a sentence without a trigger is a pause's start or end:
    a start cue ("takes effect", "begins") or "until" right before it, or a lead such as "from"."""
    at = sentence.find(words)
    if at < 0:
        return False
    before = sentence[:at]
    m = rules.phrase.match(sentence, at)
    lead = (m.group("lead") or "") if m else ""
    return bool(
        rules.cue_before.search(before) or rules.until_before.search(before) or rules.lead_is_cue.match(lead)
        or _FIGHTING_STOPS.search(before[-80:])
    )
