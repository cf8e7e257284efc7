"""Durations of a pause: "48-hour ceasefire", "a truce of three days", "extended for two more months".

Pure: no I/O. A number counts only when it is attached to the pause: right before the
trigger (with at most two modifiers between, "four-hour daily humanitarian pauses"; or
through "of": "48 hours of humanitarian pause", unless an elapsed time: "after two weeks of
truce"), or after it through a linking word ("for", "of", "lasting", "will last", "set for an initial
period of"). Casualty windows ("in the past 48 hours"), notice periods, clock times
("24 hours local time"), ages ("6-month-old") and the lengths of talks or sieges are not
attached to a trigger, or are rejected by the cues in the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .literals import fold
from .vocab import Vocab, fragment

I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class DurationRules:
    """Compiled duration grammar for one vocabulary."""

    before: re.Pattern[str]  # DUR MOD{0,2} at the end of the text before a trigger
    of_before: re.Pattern[str]  # DUR of [a|the] MOD{0,2} at the end of the text before a trigger
    reject_before: re.Pattern[str]  # words before "DUR of" that make it an elapsed time
    after: re.Pattern[str]  # [words] LINK DUR at the start of the text after a trigger
    expression: re.Pattern[str]
    reject_after: re.Pattern[str]
    not_after_trigger: re.Pattern[str]
    elapsed_between: re.Pattern[str]
    extend_before: re.Pattern[str]  # "extend by DUR [a|the] W{0,3}" at the end of the text before a trigger
    later: re.Pattern[str]  # a reference to the pause in the sentence after it ("it", "the ban", "will halt")
    reference: re.Pattern[str]  # a definite reference to it ("the pause", "the ban")
    units: dict
    numbers: dict


def compile_rules(vocab: Vocab) -> DurationRules:
    d = vocab.raw["durations"]
    numwords = sorted(d["number_words"], key=len, reverse=True)
    nw = "(?:" + "|".join(fragment(w) for w in numwords) + ")"
    num = (
        r"(?P<num>(?<![\d:.,])\d+(?:\.\d+)?(?![\d:])|" + nw + r"(?:[\s-]+(?:and\s+)?" + nw + r")*)"
        r"(?:\s*\((?P<paren>\d+)\))?"
    )
    unit = r"(?P<unit>" + "|".join(d["units"]) + r")s?(?:(?<=s)['’])?"  # "three days' truce", British style
    long_ = fragment(d["long_suffix"])
    dur = (
        r"(?:" + num + r"[\s-]+(?:(?:more|additional|further|extra|consecutive|straight|full)\s+)?" + unit + r"(?:" + long_ + r")?"
        r"|(?P<lunit>" + "|".join(d["units"]) + r")" + long_ + r")"
    )
    mod = d["modifiers_between"]
    before = re.compile(r"(?<![\w-])" + dur + r"(?:\s+" + mod + r"){0,2}\s*$", I)
    of_before = re.compile(r"(?<![\w-])" + dur + r"\s+of\s+(?:(?:an?|the)\s+)?(?:" + mod + r"\s+){0,2}$", I)
    # the dots of a clock time ("7.30", "7 a.m.") do not end the clause; up to 130 characters
    # between, as a subject may be long ("The ceasefire between the government of Colombia and
    # the National Liberation Army (ELN) will be nationwide and will last six months")
    after = re.compile(
        r"^(?P<between>(?:[^.;:!?]|(?<=\d)[:.](?=\d)|(?<=\b[ap])\.(?=m\b)|(?<=\b[ap]\.m)\.){0,130}?)\b"
        + fragment(d["link_after"]) + r"\s+" + dur + r"\b",
        I,
    )
    extend_before = re.compile(
        r"(?<![\w-])" + fragment(d["extend_before"]) + dur + r"\s+(?:an?|the|its|their|this)\s+(?:[\w'’-]+\s+){0,3}$", I
    )
    return DurationRules(
        before=before,
        extend_before=extend_before,
        of_before=of_before,
        reject_before=re.compile(d["reject_before"], I),
        after=after,
        expression=re.compile(dur, I),
        reject_after=re.compile(fragment(d["reject_after"]), I),
        not_after_trigger=re.compile(fragment(d["not_after_trigger"]), I),
        elapsed_between=re.compile(fragment(d["elapsed_between"]), I),
        later=re.compile(fragment(d["pause_reference"]) + "|" + fragment(d["later_length"]), I),
        reference=re.compile(fragment(d["pause_reference"]), I),
        units=dict(d["units"]),
        numbers=dict(d["number_words"]),
    )


def _number(text: str, numbers: dict) -> float | None:
    text = fold(text.strip())
    try:
        return float(text)
    except ValueError:
        pass
    parts = re.split(r"[\s-]+", text)
    if len(parts) > 1 and parts[0] in ("a", "an", "another"):
        parts = parts[1:]  # "a two-month truce", "another three days"
    total, current = 0.0, 0.0
    for part in parts:
        if part == "and" or not part:
            continue
        value = numbers.get(part)
        if value is None:
            return None
        if value == 100:
            current = (current or 1) * 100
        else:
            current += value
    total += current
    return total or None


def _hours(m: re.Match[str], rules: DurationRules) -> float | None:
    if m.group("lunit"):
        return float(rules.units[fold(m.group("lunit"))])
    value = float(m.group("paren")) if m.group("paren") else _number(m.group("num"), rules.numbers)
    if value is None:
        return None
    return value * rules.units[fold(m.group("unit"))]


def duration_hours(
    sentence: str, trigger_start: int, trigger_end: int, span_end: int, rules: DurationRules, extension: bool = False
) -> float | None:
    """Hours of the pause whose trigger is sentence[trigger_start:trigger_end], or None.

    `span_end` bounds the text after the trigger that may still speak of this pause. For an
    `extension` only a linked duration after the trigger counts ("extended the 60-day truce
    by two weeks"): the one before the trigger is the original length.
    """
    head = sentence[:trigger_start]
    m = rules.extend_before.search(head, max(0, trigger_start - 120)) if extension else rules.before.search(head)
    if m:  # an extension's length before the trigger only as "extend by 24 hours a truce"
        return _hours(m, rules)
    m = None if extension or " of " not in head[-80:] else rules.of_before.search(head, max(0, trigger_start - 80))
    if m and not rules.reject_before.search(head[: m.start()]):
        return _hours(m, rules)  # "at least 48 hours of humanitarian pause"; not "after two weeks of truce"
    tail = sentence[trigger_end:span_end]
    if rules.not_after_trigger.match(tail):
        return None
    m = rules.after.match(tail)
    if not m or rules.elapsed_between.search(m.group("between")):
        return None
    if rules.reject_after.match(tail[m.end():]):
        return None
    return _hours(m, rules)


def later_duration(sentence: str, rules: DurationRules) -> float | None:
    """The length a sentence without a pause noun gives the pause named just before, through a
    reference to it ("The army has said it will last three days", "the temporary ban is
    effective for 30 days", "will halt for one week its campaign"), or None."""
    for ref in rules.later.finditer(sentence):
        hours = leading_duration(sentence[ref.end() :], rules)
        if hours is not None:
            return hours
    return None


def leading_duration(sentence: str, rules: DurationRules) -> float | None:
    """A linked duration anywhere in a sentence that speaks of a pause by anaphora ("The deal will last 42 days")."""
    m = rules.after.match(sentence)
    if not m or rules.elapsed_between.search(m.group("between")):
        return None
    return _hours(m, rules)
