"""Vocabulary for one language, read from the packaged JSON data and compiled once.

The data files (`data/en.json`, `data/places.json`) hold every word the extractor
knows; this module only turns them into compiled regular expressions. English is read
and compiled on first use (`english()`, ~0.2 s, once per process), not at import, so that
a command that never extracts does not pay for it; other languages are loaded by the
caller with `load()`. Does not read the clock; touches no file but its own package data.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeVar

from .literals import Scan, SearchIndex, StemIndex, trie_source

I = re.IGNORECASE


def fragment(text: str) -> str:
    """A data fragment as regex source: a literal space matches any run of whitespace, and an
    optional space (" ?", "air ?strikes") any run or none."""
    return text.replace(" ?", r"\s*").replace(" ", r"\s+")


def alternation(items: list[str] | tuple[str, ...]) -> str:
    """One non-capturing group of the fragments, longest first so the most specific wins."""
    return "(?:" + "|".join(fragment(x) for x in sorted(items, key=len, reverse=True)) + ")"


def words(items) -> re.Pattern[str]:
    """Whole-word, case-insensitive pattern for a list of fragments."""
    return re.compile(r"(?<![\w-])" + alternation(list(items)) + r"(?![\w])", I)


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str
    pattern: re.Pattern[str]
    weak: bool


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    type: str  # country | region | city | crossing | site
    country: str | None
    tz: str
    demonym: bool = False  # matched through a demonym ("Syrian"): weak evidence


@dataclass(frozen=True, slots=True)
class ActorPattern:
    name: str
    pattern: re.Pattern[str]
    order: int


@dataclass(frozen=True, slots=True)
class Vocab:
    """Everything language-specific, compiled. Immutable; shared freely."""

    language: str
    raw: Mapping[str, Any]
    abbreviations: frozenset[str]
    dateline: re.Pattern[str]
    triggers: tuple[Trigger, ...]
    bare_pause: re.Pattern[str]
    bare_before: re.Pattern[str]
    bare_not_followed: re.Pattern[str]
    aid_context: re.Pattern[str]
    weak_context: re.Pattern[str]
    other_senses: tuple[re.Pattern[str], ...]
    history: Mapping[str, re.Pattern[str]]
    denials: tuple[re.Pattern[str], ...]
    status_cues: tuple[tuple[str, re.Pattern[str]], ...]
    status_default: str
    anaphora: re.Pattern[str]
    anaphora_object: re.Pattern[str]  # "violating it": the pause just named, as an object
    places: tuple[tuple[re.Pattern[str], Place], ...]
    place_preposition: re.Pattern[str]
    venue_before: re.Pattern[str]
    corridor_origin_before: re.Pattern[str]  # for corridors: "from", "out of" before the place (bonus)
    corridor_destination_before: re.Pattern[str]  # for corridors: "to", "towards" before the place (penalty)
    access_origin_before: re.Pattern[str]  # for aid access: "from" before the place (penalty)
    place_actor_after: re.Pattern[str]
    place_affiliation_after: re.Pattern[str]
    place_zone_before: re.Pattern[str]  # "3:00 p.m. in Spain": a clock's zone
    place_travel_before: re.Pattern[str]  # "flights from Sanaa are to resume": where travel goes
    place_organisation_before: re.Pattern[str]  # "the Communist Party of the Philippines"
    place_road: re.Pattern[str]  # "on Salah al-Din Street": a corridor's road (group 1)
    place_possessive_after: re.Pattern[str]
    place_party_before: re.Pattern[str]
    place_possessive: re.Pattern[str]
    place_background_between: re.Pattern[str]  # "since the onset of the war in Gaza": another story's place
    place_demonym_not_after: re.Pattern[str]  # "Afghan President ...": a nationality, not a place
    place_owner_of_before: re.Pattern[str]  # "the government of Colombia": a party's country
    place_border_after: re.Pattern[str]  # "... a ceasefire on the border": the two states' border
    place_fighting_before: re.Pattern[str]  # "the war in ...": a place a neighbouring sentence may lend
    place_unnamed_crossing: re.Pattern[str]  # "reopened a key border crossing": the next sentence may name it
    place_incident_between: re.Pattern[str]  # "violating the truce with airstrikes in X": a breach's place
    place_region_before: re.Pattern[str]  # "in southeastern ": a part of the place named next, never an actor
    actors: tuple[ActorPattern, ...]
    actor_homes: Mapping[str, str]  # a non-state party -> the gazetteer place whose clock it keeps ("Houthis": "Yemen")
    stance_after: tuple[tuple[str, re.Pattern[str]], ...]
    stance_before: tuple[tuple[str, re.Pattern[str]], ...]
    coordination: re.Pattern[str]
    prefilter: re.Pattern[str]  # over lower-cased text
    prefilter_access: re.Pattern[str]
    prefilter_aid: re.Pattern[str]
    prefilter_crossing: re.Pattern[str]  # the curated aid crossings' names, lower-cased: access without an aid word
    prefilter_scan: Scan  # the three prefilter alternations (pause, access, aid) in one pass, as the patterns above find them
    place_index: re.Pattern[str]  # every gazetteer name, case-insensitive: candidates for `places`
    place_sources: tuple[str, ...]  # the names in `place_index`, in its order
    places_by_name: Mapping[str, tuple[tuple[re.Pattern[str], Place], ...]]
    recurrence: tuple[tuple[str, re.Pattern[str]], ...]
    crossing_names: re.Pattern[str]  # the curated crossings' names: aid access without an aid word
    purpose: re.Pattern[str]  # a humanitarian purpose stated for a pause in fighting
    disputed: re.Pattern[str]  # a side rejects, denies or has not answered (see `extract`)
    talks_after: re.Pattern[str]  # "ceasefire talks": the pause only as the subject of talks
    talks_before: re.Pattern[str]  # "efforts to broker a truce"
    talk_generic: re.Pattern[str]  # "in my view", "for example": a pause with no status cue there is talk
    talks_only: re.Pattern[str]  # "ceasefire talks began": what happened is the talks', whatever the stage
    plan_call: re.Pattern[str]  # "the draft calls for a pause": a proposal, not an appeal
    settled: re.Pattern[str]  # a pause declared by one side alone, or agreed by both: never "disputed"
    # Stem indexes (see `literals`): which triggers (the last entry is `bare_pause`), status
    # cues and actor aliases may match a sentence, so that only those are run.
    trigger_index: StemIndex
    cue_index: StemIndex
    actor_index: StemIndex
    other_sense_index: SearchIndex  # over other_senses
    denial_index: SearchIndex  # over denials
    place_name_index: StemIndex  # over place_sources
    place_index_all: StemIndex  # over places (the exact patterns)


def _read(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath("data").joinpath(name).read_text("utf-8"))


def _alias_pattern(alias: str) -> re.Pattern[str]:
    caps = alias.replace("\\", "").replace(".", "").isupper() or alias in ("U\\.N\\.", "U\\.S\\.")
    src = r"(?<![\w-])" + fragment(alias) + (r"(?![\w])" if alias[-1].isalnum() else "")
    return re.compile(src, 0 if caps else I)


def _places(data: dict) -> tuple[tuple[re.Pattern[str], Place], ...]:
    out: list[tuple[re.Pattern[str], Place]] = []
    for entry in data["places"] + data["countries"]:
        place = Place(entry["name"], entry["type"], entry.get("country"), entry["tz"])
        for name in [entry["name"], *entry.get("aliases", [])]:
            out.append((_alias_pattern(re.escape(name).replace("\\ ", " ")), place))
        for dem in entry.get("demonyms", []):
            weak = Place(entry["name"], entry["type"], entry.get("country"), entry["tz"], demonym=True)
            out.append((re.compile(r"(?<![\w-])" + re.escape(dem) + r"(?![\w-])"), weak))
    return tuple(out)


def _names(entry: dict) -> list[str]:
    return [entry["name"], *entry.get("aliases", []), *entry.get("demonyms", [])]


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _place_sources(data: dict) -> tuple[str, ...]:
    """Every gazetteer name as regex source, longest first (the order of `place_index`)."""
    names = {n for entry in data["places"] + data["countries"] for n in _names(entry)}
    return tuple(re.escape(n).replace("\\ ", r"\s+") for n in sorted(names, key=lambda n: (-len(n), n)))


def place_scan_source(sources: tuple[str, ...]) -> str:
    return r"(?<![\w-])(?:" + "|".join(sources) + r")(?![\w])"


def place_scan(sources: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive whole-word alternation of gazetteer names (`place_index` for all of them)."""
    return re.compile(place_scan_source(sources), I)


def _places_by_name(data: dict) -> Mapping[str, tuple[tuple[re.Pattern[str], Place], ...]]:
    """The compiled place patterns, grouped by the lower-cased name they match."""
    compiled = _places(data)
    order = []  # the names in the order _places compiles them, entry by entry
    for entry in data["places"] + data["countries"]:
        order += [entry["name"], *entry.get("aliases", [])]
        order += entry.get("demonyms", [])
    out: dict[str, list] = {}
    for name, item in zip(order, compiled):
        out.setdefault(_key(name), []).append(item)
    return MappingProxyType({k: tuple(v) for k, v in out.items()})


def _actors(data: dict) -> tuple[ActorPattern, ...]:
    inst = data["institutions"]
    out = []
    for order, entry in enumerate(data["entries"]):
        aliases = list(entry.get("aliases", []))
        if "demonym" in entry:
            aliases.append(entry["demonym"] + r"(?: [\w-]+)? " + inst)
            aliases.append(entry["demonym"] + r"-(?:brokered|backed|led|sponsored|mediated)")
        for alias in aliases:
            out.append(ActorPattern(entry["name"], _alias_pattern(alias), order))
    return tuple(out)


def load(language: str = "en") -> Vocab:
    """The compiled vocabulary for `language`. Reads the package data: call once, keep the result."""
    raw = _read(f"{language}.json")
    gaz = _read("places.json")
    trig = tuple(
        Trigger(t["kind"], re.compile(r"(?<![\w-])" + fragment(t["pattern"]) + r"(?![\w])", I), bool(t.get("weak")))
        for t in raw["triggers"]
    )
    bp = raw["bare_pause"]
    hist = {k: re.compile(fragment(v), I) for k, v in raw["history"].items() if not k.startswith("_")}
    status = tuple(  # one pattern per cue, so that the longest match can win
        (name, words([cue])) for name, cues in raw["status"].items() if not name.startswith("_") for cue in cues
    )
    pl = raw["places"]
    act = raw["actors"]
    bare_pause = re.compile(r"(?<![\w])" + bp["word"] + r"\b", I)
    actors = _actors(act)
    other_senses = tuple(re.compile(fragment(p), I) for p in raw["other_senses"])
    denials = tuple(re.compile(fragment(p), I) for p in raw["denials"])
    places = _places(gaz)
    place_sources = _place_sources(gaz)
    crossings = [n for e in gaz["places"] if e["type"] == "crossing" for n in (e["name"], *e.get("aliases", []))]
    return Vocab(
        language=language,
        raw=MappingProxyType(raw),
        abbreviations=frozenset(raw["sentences"]["abbreviations"]),
        dateline=re.compile("(?:" + raw["sentences"]["dateline"] + ")|(?:" + raw["sentences"]["dateline_mixed"] + ")"),
        triggers=trig,
        bare_pause=bare_pause,
        bare_before=re.compile(
            r"(?:(?<![\w-])" + alternation([w for w in bp["before"] if not w.startswith("-")])
            + r"|-" + alternation([w[1:] for w in bp["before"] if w.startswith("-")]) + r")\s+$",
            I,
        ),
        bare_not_followed=re.compile(r"^\s+" + fragment(bp["not_followed_by"]), I),
        aid_context=re.compile(r"\b(?:" + raw["context_required"]["aid_access"] + r")\b", I),
        weak_context=re.compile(r"\b(?:" + raw["context_required"]["weak"] + r")\b", I),
        other_senses=other_senses,
        history=MappingProxyType(hist),
        denials=denials,
        status_cues=status,
        status_default=raw["status_default"],
        anaphora=re.compile(fragment(raw["anaphora"]["pattern"])),
        anaphora_object=re.compile(fragment(raw["anaphora"]["object"]), I),
        places=places,
        place_preposition=re.compile(  # "in Aleppo", "into the Tigray region", "for Syria's Idlib", "in the north-west of the"
            r"(?:^|\s)" + alternation(pl["prepositions"]) + r"(?:\s+the)?(?:\s+[A-Z][\w-]+(?:'s|\u2019s))?(?:\s+" + pl["direction"] + r")?"
            + r"(?:\s+" + fragment(pl["part_of"]) + r"|\s+" + fragment(pl["settlement_of"]) + r")?\s*$",
            I,
        ),
        venue_before=re.compile(fragment(pl["venue_before"]), I),
        corridor_origin_before=re.compile(fragment(pl["corridor_origin_before"]), I),
        corridor_destination_before=re.compile(fragment(pl["corridor_destination_before"]), I),
        access_origin_before=re.compile(fragment(pl["access_origin_before"]), I),
        place_actor_after=re.compile(fragment(pl["actor_after"]), I),
        place_affiliation_after=re.compile(pl["affiliation_after"], I),
        place_zone_before=re.compile(fragment(pl["zone_before"]), I),
        place_travel_before=re.compile(fragment(pl["travel_before"]), I),
        place_organisation_before=re.compile(fragment(pl["organisation_before"]), I),
        place_road=re.compile(fragment(pl["road"])),
        place_possessive_after=re.compile(fragment(pl["possessive_after"]), I),
        place_party_before=re.compile(fragment(pl["party_before"]), I),
        place_possessive=re.compile(r"^" + pl["possessive_fallback"]),
        place_background_between=re.compile(fragment(pl["background_between"]), I),
        place_demonym_not_after=re.compile(fragment(pl["demonym_not_place_after"]), I),
        place_owner_of_before=re.compile(fragment(pl["owner_of_before"]), I),
        place_border_after=re.compile(fragment(pl["border_after"]), I),
        place_fighting_before=re.compile(fragment(pl["fighting_before"]), I),
        place_unnamed_crossing=re.compile(fragment(pl["unnamed_crossing"]), I),
        place_incident_between=re.compile(fragment(pl["incident_between"]), I),
        place_region_before=re.compile(r"(?:^|\s)(?:in|across|throughout|into|for)\s+(?:the\s+)?" + pl["direction"] + r"\s+$", I),
        actors=actors,
        actor_homes=MappingProxyType({e["name"]: e["home"] for e in act["entries"] if "home" in e}),
        stance_after=tuple(
            (k, re.compile(r"(?<![\w])" + alternation(v) + r"(?![\w])", I))
            for k, v in act["stance_after"].items() if not k.startswith("_")
        ),
        stance_before=tuple(
            (k, re.compile(fragment(v), I)) for k, v in act["stance_before"].items() if not k.startswith("_")
        ),
        coordination=re.compile(fragment(act["coordination"]), I),
        prefilter=re.compile(trie_source(raw["prefilter"]["pause"])),
        prefilter_access=re.compile(trie_source(raw["prefilter"]["access"])),
        prefilter_aid=re.compile(trie_source(raw["prefilter"]["aid"])),
        prefilter_crossing=re.compile(trie_source("|".join(n.lower() for n in crossings))),
        prefilter_scan=Scan({k: raw["prefilter"][k] for k in ("pause", "access", "aid")}),
        place_index=place_scan(place_sources),
        place_sources=place_sources,
        places_by_name=_places_by_name(gaz),
        recurrence=tuple(
            (k, re.compile(r"(?<![\w-])(?:" + v + r")(?![\w-])", I)) for k, v in raw["recurrence"].items() if not k.startswith("_")
        ),
        crossing_names=words(crossings or ["(?!)"]),
        purpose=re.compile(raw["purpose"]["pattern"], I),
        disputed=re.compile(fragment(raw["disputed"]["pattern"]), I),
        talks_after=re.compile(fragment(raw["talks"]["after"]), I),
        talks_before=re.compile(fragment(raw["talks"]["before"]), I),
        talk_generic=re.compile(fragment(raw["talks"]["generic"]), I),
        talks_only=re.compile(fragment(raw["talks"]["only_after"]), I),
        plan_call=re.compile(fragment(raw["talks"]["plan_call"]), I),
        settled=re.compile(fragment(raw["disputed"]["settled"]), I),
        trigger_index=StemIndex([t.pattern for t in trig] + [bare_pause]),
        cue_index=StemIndex([p for _, p in status]),
        actor_index=StemIndex([a.pattern for a in actors]),
        other_sense_index=SearchIndex(other_senses),
        denial_index=SearchIndex(denials),
        place_name_index=StemIndex([(place_scan_source((src,)), I) for src in place_sources]),
        place_index_all=StemIndex([p for p, _ in places]),
    )


T = TypeVar("T")


def once(build: Callable[[], T]) -> Callable[[], T]:
    """`build()` run on the first call and kept. Thread-safe: one thread builds while the
    others wait (the poller's fetching threads all extract at once on a cold start; with a
    plain `functools.cache` each would compile its own copy). `.built()` says whether it ran."""
    lock = threading.Lock()
    kept: list[T] = []

    @wraps(build)
    def get() -> T:
        if not kept:
            with lock:
                if not kept:
                    kept.append(build())
        return kept[0]

    get.built = lambda: bool(kept)  # type: ignore[attr-defined]
    return get


@once
def english() -> Vocab:
    """The English vocabulary, compiled on the first call (~0.2 s) and kept for the process."""
    return load("en")
