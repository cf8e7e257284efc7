"""The place a pause applies to, from the gazetteer in `data/places.json`.

Pure: no I/O. Prefers the place the pause is said to apply to: named right after a
preposition ("in", "for", "out of", "into the", "applicable to") or right before the
trigger ("a Gaza ceasefire"), close to the trigger, and a city or site over its
region or country. Never picks a venue of talks ("talks in Geneva"), an affiliation
("Aleppo-based group") or a place used as an actor ("Kyiv said"). Datelines are
blanked by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .literals import Probe
from .vocab import Place, Vocab, _read, place_scan

_EARLIER_CLAUSE = re.compile(r"\s(?:since|after|following)\s", re.IGNORECASE)
_PARTY_PAIR = re.compile(r"^[-\u2013/][A-Z][\w]+")
_PAIR_PARTY = re.compile(r"[A-Z][\w]+[-\u2013/]$")
_TYPE_SCORE = {"site": 4.0, "crossing": 4.0, "city": 3.0, "region": 3.0, "country": 1.0}


@dataclass(frozen=True, slots=True)
class PlaceHit:
    place: Place
    start: int
    end: int


Span = tuple[int, int]


def possessive_countries(sentence: str, vocab: Vocab, probe: Probe | None = None) -> tuple[PlaceHit, ...]:
    """Countries named as the owner of a party ("Sudan's army", "the government of Colombia",
    "the people of Afghanistan"): a fallback place."""
    probe = Probe(sentence) if probe is None else probe
    party = _demonym_party(vocab)
    hits = [
        PlaceHit(place, m.start(), m.end())
        for pattern, place in (vocab.places[i] for i in vocab.place_index_all.candidates(probe))
        if place.type == "country"
        for m in pattern.finditer(sentence)
        if (
            party.match(sentence, m.end())  # "the Colombian government", "the Syrian military": as "Colombia's government"
            if place.demonym
            else vocab.place_possessive.match(sentence[m.end() :])
            and not _war_on(vocab).match(sentence[m.end() :])
            or vocab.place_owner_of_before.search(sentence[max(0, m.start() - 80) : m.start()])
        )
        and not vocab.venue_before.search(sentence[: m.start()])
    ]
    return tuple(sorted(hits, key=lambda h: h.start))


_PATTERNS: dict[tuple[int, str], re.Pattern[str]] = {}


def _places_pattern(vocab: Vocab, key: str, suffix: str = "") -> re.Pattern[str]:
    """`data/en.json` places.<key> compiled once per vocabulary."""
    found = _PATTERNS.get((id(vocab), key))
    if found is None:
        found = _PATTERNS[(id(vocab), key)] = re.compile(vocab.raw["places"][key] + suffix, re.IGNORECASE)
    return found


def _war_on(vocab: Vocab) -> re.Pattern[str]:
    """places.war_on_after: a state's war waged in or on another place."""
    return _places_pattern(vocab, "war_on_after")


def _agency_after(vocab: Vocab) -> re.Pattern[str]:
    """places.agency_after: a place's own services as the speaker ("Gaza's civil defence",
    "Kharkiv's mayor")."""
    return _places_pattern(vocab, "agency_after")


def _source_before(vocab: Vocab) -> re.Pattern[str]:
    """places.source_before: the words before the place where a report's speakers are
    ("officials in", "a spokesman in", "told reporters in")."""
    return _places_pattern(vocab, "source_before", r"\s*$")


def mediating(sentence: str, start: int, end: int, vocab: Vocab) -> bool:
    """True when the state (or its capital) named at sentence[start:end] hosted, brokered or
    mediated the talks ("after talks hosted by Malaysia's prime minister", "mediators from
    Egypt", "Egypt, which brokered the truce"): a mediator, never the pause's place nor its
    zone (`data/en.json` places.mediating_before / mediating_after)."""
    before = _places_pattern(vocab, "mediating_before")
    return bool(before.search(sentence[max(0, start - 40) : start]) or _places_pattern(vocab, "mediating_after").match(sentence[end : end + 80]))


def mediators_in(text: str, vocab: Vocab) -> frozenset[str]:
    """The countries `text` names as mediators, by their gazetteer names: those it names as
    hosting, brokering or mediating (`mediating`), and the usual mediators (`data/en.json`
    places.mediator_states) unless named as a side with another state ("Russia and the
    United States agreed a truce", "a truce between Qatar and ...")."""
    probe = Probe(text)
    usual = set(vocab.raw["places"].get("mediator_states", ()))
    out: set[str] = set()
    sides: set[str] = set()
    for pattern, place in (vocab.places[i] for i in vocab.place_index_all.candidates(probe)):
        if not (place.type == "country" or place.type == "city" and _capital(place)):
            continue
        state = place.country or place.name
        for m in pattern.finditer(text):
            if mediating(text, m.start(), m.end(), vocab):
                out.add(state)
            elif state in usual and place.type == "country" and (_paired(text, PlaceHit(place, m.start(), m.end()), vocab) or _between(text, PlaceHit(place, m.start(), m.end()))):
                sides.add(state)
    if usual - sides:  # "the Kremlin and the US agreed": coordinated with another party, a side
        from . import actors

        hits = actors.find(text, vocab)
        for h in hits:
            if h.name in usual and (
                _BETWEEN.search(text, 0, h.start)
                or any(
                    o.name != h.name and (_AND.fullmatch(text, o.end, h.start) or _AND.fullmatch(text, h.end, o.start))
                    for o in hits
                )
            ):
                sides.add(h.name)
    return frozenset(out | (usual - sides))


_AND = re.compile(r"(?:'s|\u2019s)?(?:\s*,|\s+and|\s*&)\s+(?:the\s+)?")


@lru_cache(maxsize=1)
def _adjectives() -> dict[str, str]:
    """Nationality (lower-cased) -> country: the gazetteer's demonyms, the actors' that name a
    gazetteer country, and `data/en.json` places.state_adjectives."""
    data = _read("places.json")["countries"]
    out = {d.lower(): e["name"] for e in data for d in e.get("demonyms", ())}
    countries = {e["name"] for e in data}
    en = _read("en.json")
    out |= {e["demonym"].lower(): e["name"] for e in en["actors"]["entries"] if "demonym" in e and e["name"] in countries}
    out |= {k.lower(): v for k, v in en["places"].get("state_adjectives", {}).items()}
    return out


_PAIR_BORDER = re.compile(
    r"(?<![\w-])([A-Z][\w'\u2019]+(?: [A-Z][\w'\u2019]+)?)\s*[-\u2013\u2014/]\s*([A-Z][\w'\u2019]+(?: [A-Z][\w'\u2019]+)?)"
    r"\s+(?:border|frontier)\b"
)


def _pair_border_hits(sentence: str, vocab: Vocab) -> list[PlaceHit]:
    """A hit for a pair of states before "border" ("the Thai-Cambodian border", "the
    Afghanistan-Pakistan border"): the border of the two, named as `_border` names it."""
    out = []
    adjectives = _adjectives()
    for m in _PAIR_BORDER.finditer(sentence):
        states = []
        for word in (m.group(1), m.group(2)):
            name = adjectives.get(word.lower())
            if name is None:
                name = next((p.name for _, p in vocab.places_by_name.get(word.lower(), ()) if p.type == "country"), None)
            states.append(name)
        if None in states or states[0] == states[1]:
            continue
        places = [next((p for _, p in vocab.places_by_name.get(n.lower(), ()) if p.type == "country" and not p.demonym), None) for n in states]
        if None in places:
            continue
        out.append(PlaceHit(_border_place(places[0], places[1]), m.start(), m.end()))
    return out


_PARTY: dict[int, re.Pattern[str]] = {}


def _demonym_party(vocab: Vocab) -> re.Pattern[str]:
    """`data/en.json` places.demonym_party_after: the words after a nationality that make it a
    party's ("the Colombian government", "the Syrian military"), as "Colombia's government"."""
    found = _PARTY.get(id(vocab))
    if found is None:
        found = _PARTY[id(vocab)] = re.compile(vocab.raw["places"]["demonym_party_after"], re.IGNORECASE)
    return found


def owner(owners: tuple[PlaceHit, ...], sentence: str, t_end: int, vocab: Vocab, states: frozenset[str] = frozenset()) -> Place | None:
    """The first of `possessive_countries` that is not in a background clause after the trigger
    ending at `t_end` ("brokered the ceasefire ... since the onset of Israel's war in Gaza"), or
    None when the sentence names another state as well (`states`, the countries among its
    actors): "the armed forces of Armenia ... the Azerbaijani Army", "Netanyahu and Lebanon's
    prime minister" name the two sides, not the place."""
    mediators = vocab.raw["places"].get("mediator_states", ())
    for h in owners:
        if h.place.name in mediators or mediating(sentence, h.start, h.end, vocab) or h.start >= t_end and _speaker(sentence, h, vocab):
            continue  # "Qatar's prime minister announced the ceasefire": the mediator; a third state's word
        if h.start < t_end or not vocab.place_background_between.search(sentence, t_end, h.start):
            others = {s for s in states - {h.place.country} if not _only_a_venue(s, sentence, vocab)}
            return None if others else h.place
    return None


def _only_a_venue(state: str, sentence: str, vocab: Vocab) -> bool:
    """True when every naming of `state` in the sentence follows a city it locates ("talks in
    Jeddah, Saudi Arabia"): the venue's country, not a side."""
    spans = [m for pattern, p in vocab.places_by_name.get(state.lower(), ()) if not p.demonym for m in pattern.finditer(sentence)]
    return bool(spans) and all(
        _city_of(sentence[max(0, m.start() - 100) : m.start()], Place(state, "country", state, ""), vocab) for m in spans
    )


@lru_cache(maxsize=4096)
def _scan(sources: tuple[str, ...]) -> re.Pattern[str]:
    return place_scan(sources)


def find(
    sentence: str, vocab: Vocab, actor_names: tuple[Span, ...] = (), acting: tuple[Span, ...] = (), probe: Probe | None = None
) -> tuple[PlaceHit, ...]:
    """Every gazetteer name in the sentence; overlapping names resolve to the longest.

    Left out: names strictly inside a longer actor name (`actor_names`: "Sudanese army",
    "Syrian President Bashar Assad") and names that overlap an actor taking a stance
    (`acting`: "Russia's proposal", "Kyiv rejected").

    The candidate scan is `vocab.place_index` cut down to the names whose stems occur in the
    sentence (the others cannot match, so the scan finds the same names), compiled once per
    set of names.
    """
    probe = Probe(sentence) if probe is None else probe
    names = vocab.place_name_index.candidates(probe)
    if not names:
        return ()
    sources = vocab.place_sources
    scan = _scan(tuple(sources[i] for i in names))

    def excluded(s: int, e: int) -> bool:
        if any(a <= s and e <= b and b - a > e - s for a, b in actor_names):
            return True
        # "the republics in southeastern Ukraine have agreed": a region of the country, not the actor
        return any(s < b and a < e for a, b in acting) and not vocab.place_region_before.search(sentence, max(0, s - 40), s)

    hits = []
    for candidate in scan.finditer(sentence):  # one scan, then the exact patterns of the names found
        for pattern, place in vocab.places_by_name.get(" ".join(candidate.group(0).lower().split()), ()):
            for m in pattern.finditer(sentence, candidate.start(), candidate.end()):
                if not excluded(m.start(), m.end()):
                    hits.append(PlaceHit(place, m.start(), m.end()))
    if "rossing" in sentence:  # "the Adre border crossing": a crossing the gazetteer lacks
        hits += _crossing_hits(sentence, hits)
    if any(w in sentence for w in _SETTLEMENT_WORDS):  # "the Syrian village of Kafr Nabudah": a place no gazetteer holds
        hits += _settlement_hits(sentence, hits, actor_names)
    if "capital" in sentence:  # "the Ukrainian capital", "Sudan's capital": the capital itself
        hits += _capital_hits(sentence, vocab, hits)
    if "country" in sentence:  # "in the east of the country": that part of the country the sentence names
        hits += _country_part_hits(sentence, vocab, hits)
    if "border" in sentence or "frontier" in sentence:  # "the Thai-Cambodian border": the two states' border
        hits += _pair_border_hits(sentence, vocab)
    hits.sort(key=lambda h: (-(h.end - h.start), h.start))
    chosen: list[PlaceHit] = []
    for h in hits:
        if all(h.end <= c.start or h.start >= c.end for c in chosen):
            chosen.append(h)
    return tuple(sorted(chosen, key=lambda h: h.start))


_NAMED_CROSSING = re.compile(
    r"(?<![\w'\u2019-])((?:(?:al|el|Bab|Abu|Beit|Kerem|Ras)[- ])?[A-Z][\w\u00c0-\u024f'\u2019-]+(?: (?:al-|el-)?[A-Z][\w\u00c0-\u024f'\u2019-]+){0,2})"
    r"((?: border)? crossing(?: point)?)\b"
)
_NOT_A_CROSSING_NAME = frozenset(
    "the a an this that its their key main border only another one new first second last land sea "
    "humanitarian commercial southern northern eastern western".split()
)


def _crossing_hits(sentence: str, hits: list[PlaceHit]) -> list[PlaceHit]:
    """A crossing hit for a capitalised name before "crossing" that the gazetteer lacks ("the
    Adre border crossing", "the Zikim crossing"): the crossing is an access event's own level.
    Its country and zone are those of the first country the sentence names; with none named,
    no hit (the zone would be a guess). A country's own name ("the Egypt crossing") is not
    taken for a crossing's."""
    country = next((h.place for h in hits if h.place.type == "country" and not h.place.demonym), None)
    if country is None:
        return []
    out = []
    for m in _NAMED_CROSSING.finditer(sentence):
        name = m.group(1)
        if name.split()[0].lower() in _NOT_A_CROSSING_NAME or not sentence[: m.start()].strip():
            continue
        if any(h.start <= m.start(1) and m.end(1) <= h.end and h.place.type in ("country", "region") for h in hits):
            continue  # "the Gaza crossing", "the Sudan border crossing": no crossing's own name
        out.append(PlaceHit(Place(name + m.group(2), "crossing", country.country, country.tz), m.start(1), m.end(2)))
    return out


_SETTLEMENT_WORDS = ("town", "village", "district", "neighbo", "camp", "quarter", "suburb", "Mountains", "Valley", "Hills")
_NAME = r"((?:(?:al|el|ad|as|an|ash|at|ar|az|Bab|Abu|Beit|Deir|Kafr|Tel|Ras|Ain|Khan|Jabal|Wadi|Sheikh)[- ])?[A-Z][\w\u00c0-\u024f'\u2019-]+(?: (?:al-|el-|ad-)?[A-Z][\w\u00c0-\u024f'\u2019-]+){0,2})"
_SETTLEMENT = re.compile(
    r"\b(town|village|city|port|district|neighbou?rhood|camp|suburb|enclave|area) of (?:the )?" + _NAME + r"(?![\w-])"
    r"|\bthe " + _NAME + r" (neighbou?rhood|district|(?:refugee )?camp|quarter|suburb|area|[Mm]ountains|[Vv]alley|[Hh]ills)\b"
)
_NOT_A_SETTLEMENT_NAME = frozenset(
    "the a an this that its their his her our new old same other first second last former government opposition rebel "
    "un u.n. january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


def _settlement_hits(sentence: str, hits: list[PlaceHit], actor_names: tuple[Span, ...]) -> list[PlaceHit]:
    """A hit for a settlement the gazetteers lack, named by what it is ("the Syrian village of
    Kafr Nabudah", "the Martissant neighbourhood of Port-au-Prince", "the Nuba Mountains"): a
    pause's local level. Its country is that of the country or nationality right before it
    ("the Libyan town of"), else of the first country or place the sentence names; with none,
    no hit (its zone would be a guess). A name a gazetteer holds ("the town of Debaltseve") is
    left to it; so is a name that is an actor's ("the Trump camp")."""
    from . import world

    out = []
    known = world._known_keys()
    for m in _SETTLEMENT.finditer(sentence):
        name = m.group(2) or m.group(3)
        start = m.start(2) if m.group(2) else m.start(3)
        end = start + len(name)
        if name.split()[0].lower() in _NOT_A_SETTLEMENT_NAME or not sentence[:start].strip():
            continue
        if any(h.start < end and start < h.end for h in hits) or any(a < end and start < b for a, b in actor_names):
            continue  # the curated gazetteer or an actor holds the name
        if known is not None and world._known(world.key(name), known):
            continue  # the world's towns hold it (`world.candidates` proposes it there)
        word = (m.group(1) or m.group(4)).lower()
        owner = next((h.place for h in hits if h.place.type == "country" and 0 <= m.start() - h.end <= 3), None)
        owner = owner or next((h.place for h in hits if h.place.type == "country"), None)
        owner = owner or next((h.place for h in hits if h.place.country), None)
        if owner is None:
            continue
        country = owner.country if owner.type != "country" else owner.name
        kind = "region" if word.endswith(("mountains", "valley", "hills")) else "city"
        out.append(PlaceHit(Place(name, kind, country, owner.tz), start, end))
    return out


_CAPITAL = re.compile(r"\bthe ([A-Z][\w-]+) capital\b(?!,?\s+[A-Z])|\b([A-Z][\w-]+)(?:'s|\u2019s) capital\b(?!,?\s+[A-Z])")


def _capital_hits(sentence: str, vocab: Vocab, hits: list[PlaceHit]) -> list[PlaceHit]:
    """A hit for "the Ukrainian capital" / "Sudan's capital" (not followed by its name): the capital."""
    from . import world

    out = []
    for m in _CAPITAL.finditer(sentence):
        word = m.group(1) or m.group(2)
        country = next((p.name for pattern, p in vocab.places_by_name.get(word.lower(), ()) if p.type == "country"), None)
        name = world.capitals().get(country) if country else None
        if not name:
            continue
        known = [p for _, p in vocab.places_by_name.get(" ".join(name.lower().split()), ()) if not p.demonym]
        town = known[0] if known else next(iter(world.towns().get(world.key(name), ())), None)
        place = town if isinstance(town, Place) else (town.place if town else None)
        if place is not None:
            out.append(PlaceHit(place, m.start(), m.end()))
    return out


_COUNTRY_PART = re.compile(
    r"\bthe (north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?(?: part)? of the country\b"
    r"|\bthe country(?:'s|\u2019s) (north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?\b",
    re.IGNORECASE,
)


def _country_part_hits(sentence: str, vocab: Vocab, hits: list[PlaceHit]) -> list[PlaceHit]:
    """A hit for "the east of the country" / "the country's north": that part of the first
    country the sentence names ("eastern DR Congo"), the gazetteer's entry when it has one."""
    country = next((h.place for h in sorted(hits, key=lambda h: h.start) if h.place.type == "country" and not h.place.demonym), None)
    if country is None:
        return []
    out = []
    for m in _COUNTRY_PART.finditer(sentence):
        side = (m.group(1) or m.group(2)).lower().replace("-", "")
        name = f"{side}ern {country.name}"
        known = [p for _, p in vocab.places_by_name.get(name.lower(), ()) if not p.demonym]
        place = known[0] if known else Place(name, "region", country.country, country.tz)
        out.append(PlaceHit(place, m.start(), m.end()))
    return out


def _score(h: PlaceHit, sentence: str, t_start: int, t_end: int, vocab: Vocab, kind: str | None = None) -> float | None:
    before, after = sentence[: h.start], sentence[h.end :]
    venue = vocab.venue_before.search(before)
    if venue and not (venue.start() <= t_start < h.start):  # "announced a ceasefire in Yemen" is no venue
        return None
    tail = before[-100:]  # the checks below look at the words right before the place
    if h.place.type == "country" and tail.endswith(",", 0, len(tail.rstrip())) and _city_of(tail, h.place, vocab):
        return None  # "in Pretoria, South Africa", "in Doha, Qatar": the country of the city named, which decides alone
    if vocab.place_affiliation_after.match(after) or vocab.place_zone_before.search(tail):
        return None  # "Aleppo-based", "Kyiv time", "3 p.m. in Spain"
    if vocab.place_travel_before.search(tail):
        return None  # "flights from Sanaa are to resume": where a flight or ferry goes, not where the pause is
    if vocab.place_organisation_before.search(tail):
        return None  # "the Communist Party of the Philippines"
    if h.place.type == "country" and vocab.place_party_before.search(before) and not after.startswith(("'s", "\u2019s")):
        return None  # a party or broker: "between Israel and Hamas", "brokered by the United States"
    if h.place.type == "country" and _PARTY_PAIR.match(after) or _PAIR_PARTY.search(tail):
        return None  # "the Israel-Hamas truce", "Russia-Ukraine talks": the parties
    if h.place.type == "country" and after.startswith(("'s", "\u2019s")) and not vocab.place_possessive.match(after):
        return None  # "Egypt's foreign minister", "Russia's energy infrastructure": an envoy, a target
    if h.place.type == "country" and _war_on(vocab).match(after):
        return None  # "Russia's war in Ukraine", "Israel's war with Hamas": the side waging it
    if h.place.demonym and vocab.place_demonym_not_after.match(after):
        return None  # "Afghan President Ashraf Ghani", "a Ukrainian agreement": who acts
    if h.start >= t_end and vocab.place_background_between.search(sentence, t_end, h.start):
        return None  # "... since the onset of the war in Gaza": another, older story
    if _incident_clause(h, sentence, t_start, t_end, vocab):
        return None  # "gunfire could be heard across Beirut after the ceasefire took effect"
    if sentence[h.start : h.end].isupper() and sentence[h.start : h.end] not in _caps_names() and not sentence.isupper():
        return None  # "Chanthaburi province, THAILAND, 27 Dec. -": a dateline the caller did not blank
    score = 0.0 if h.place.demonym else _TYPE_SCORE.get(h.place.type, 1.0)
    governed = bool(vocab.place_preposition.search(before))
    if governed:
        score += 2.0
    if h.start < t_start and h.end >= t_start - 2:  # "Gaza ceasefire", "Kerem Shalom crossing reopened"
        score += 2.5
    elif t_start <= h.start and h.end <= t_end:  # inside the trigger: "reopened the Kerem Shalom crossing"
        score += 2.5
    if vocab.place_actor_after.match(after) and not governed:
        score -= 5.0  # "Kyiv said", "Pakistan resumed hostilities"
    elif not governed and h.place.type == "city" and _capital_for_government(h, sentence, t_start):
        score -= 5.0  # "Kiev, E. Ukraine militia agree", "Moscow and Kyiv traded blame": a capital for its government
    elif vocab.place_possessive_after.match(after):
        score -= 1.0  # "Ethiopia's government"
    if vocab.place_owner_of_before.search(tail):
        score -= 2.0  # "the administration of the region of Somaliland": a party's ground, not where the pause is
    if h.start >= t_end and _EXAMPLE_BEFORE.search(tail):
        score -= 2.5  # "a ceasefire in Sudan, including in Khartoum", "except Idlib": a part or an exception, not the pause's level
    if _source_before(vocab).search(tail):
        score -= 3.0  # "officials in Tripoli said the truce in Libya held": where the speakers sit
    if kind == "aid_corridor":  # a corridor out of Mariupol (to Zaporizhzhia): the place people leave
        if vocab.corridor_origin_before.search(before):
            score += 1.5
        elif vocab.corridor_destination_before.search(before):
            score -= 1.5
    elif kind == "aid_access" and vocab.access_origin_before.search(before):
        score -= 1.5  # the road from Afar into Tigray: aid goes to the place
    gap = t_start - h.end if h.end <= t_start else h.start - t_end
    score -= min(max(gap, 0) / 40.0, 4.0)
    if h.start >= t_end and _EARLIER_CLAUSE.search(sentence, t_end, h.start):
        score -= 2.0  # "... since the onset of the war in Gaza": background, older than the pause
    return score


def _capital_for_government(h: PlaceHit, sentence: str, t_start: int) -> bool:
    """True when the city at `h`, named by its own name, not governed by a place preposition nor
    right before the trigger ("a Tripoli truce") nor owning a place ("Beirut's southern
    suburbs"), is its country's capital named with another side before their stance ("Kiev,
    E. Ukraine militia agree", "Bamako and the rebels agreed"): news names a government by its capital."""
    if sentence.startswith(("'s", "\u2019s"), h.end) or sentence.endswith("capital", h.start, h.end):
        return False  # "Beirut's suburbs", "the Ukrainian capital" (`_capital_hits`)
    if sentence[max(0, h.start - 12) : h.start].rstrip(", ").endswith("capital"):
        return False  # "in the Libyan capital, Tripoli": the capital named in apposition
    if not _COORDINATED.match(sentence, h.end):
        return False  # "Khartoum was calm as the truce held": the city itself ("Kyiv said" is `actor_after`'s)
    return not (h.start < t_start and h.end >= t_start - 2) and _capital(h.place)


_STANCE = r"(?:agree|agreed|agrees|reach|reached|sign|signed|accept|accepted|announce|announced|trade|traded|declare|declared|say|said)\b"
#: "Bamako and the rebels agreed"; after a comma only a party ("Kiev, E. Ukraine militia agree"),
#: not "Khartoum, residents said", where the city is the scene
_COORDINATED = re.compile(
    r"(?:\s+and|\s+or|\s*&)\s+(?:the\s+)?(?:[\w.'\u2019-]+\s+){0,3}?" + _STANCE
    + r"|,\s+(?:the\s+)?(?:[\w.'\u2019-]+\s+){0,2}?(?:militias?|rebels?|separatists?|insurgents?|government|army|forces|fighters|opposition)\s+" + _STANCE
)


@lru_cache(maxsize=1)
def _capitals() -> frozenset[tuple[str, str]]:
    """(country, capital's transliteration key) for every country with a capital in GeoNames."""
    from . import world

    return frozenset((country, world.key(name)) for country, name in world.capitals().items())


def _capital(place: Place) -> bool:
    """True when `place` is its country's capital ("Kyiv", "Khartoum")."""
    from . import world

    return (place.country, world.key(place.name)) in _capitals()


_CITY_COMMA = re.compile(r"([A-Z][\w'\u2019-]*(?:[ -](?:el-|al-|es )?[A-Z][\w'\u2019-]*){0,2}),\s*$")


def _city_of(tail: str, country: Place, vocab: Vocab) -> bool:
    """True when `tail` ends with "City, " and City is a usual venue of talks (`data/en.json`
    places.venue_cities) or a curated city or site of `country`: the country after it only says
    where the city is."""
    from . import world

    m = _CITY_COMMA.search(tail)
    if m is None:
        return False
    words = m.group(1).split()
    for n in range(len(words)):  # "Saturday in Doha, Qatar" has no run; "Talks Doha" tries "Talks Doha", "Doha"
        name = " ".join(words[n:])
        if world.key(name) in world._venues(vocab):
            return True
        if any(p.country == country.name and p.type in ("city", "site") for _, p in vocab.places_by_name.get(name.lower(), ())):
            return True
    return False


_EXAMPLE_BEFORE = re.compile(
    r"\b(?:including|includes|include|such as|excluding|except|except for|apart from|other than|but not|not including|outside of)"
    r"(?:\s+(?:in|near|around|on|for|across))?(?:\s+the)?(?:\s+(?:town|city|region|province|cities|towns|areas?)(?:\s+of)?)?\s+$",
    re.IGNORECASE,
)

_CLAUSE: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _incident_clause(h: PlaceHit, sentence: str, t_start: int, t_end: int, vocab: Vocab) -> bool:
    """True when the place at `h` is in another clause than the trigger (a `clause_boundary`
    between them) and its own clause reports an incident (`incident_clause`): the place of a
    shot, a strike or a casualty, not of the pause (`data/en.json` places._incident_clause)."""
    found = _CLAUSE.get(id(vocab))
    if found is None:
        pl = vocab.raw["places"]
        found = _CLAUSE[id(vocab)] = (re.compile(pl["clause_boundary"], re.IGNORECASE), re.compile(pl["incident_clause"], re.IGNORECASE))
    boundary, incident = found
    if h.end <= t_start and _agency_after(vocab).match(sentence, h.end):
        return False  # "Gaza's civil defence said strikes killed eight": the place owns the speaker, no site of the incident
    if h.end <= t_start:
        cut = boundary.search(sentence, h.end, t_start)
        if cut is None:
            return False
        lo = max((m.end() for m in boundary.finditer(sentence, 0, h.start)), default=0)
        return bool(incident.search(sentence, lo, cut.start()))
    if h.start >= t_end:
        cuts = list(boundary.finditer(sentence, t_end, h.start))
        if not cuts:
            return False
        after = boundary.search(sentence, h.end)
        return bool(incident.search(sentence, cuts[-1].end(), after.start() if after else len(sentence)))
    return False


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """The gazetteer's country names ("Sudan", "DR Congo")."""
    return frozenset(e["name"] for e in _read("places.json")["countries"])


@lru_cache(maxsize=1)
def _caps_names() -> frozenset[str]:
    """The gazetteer's names written in capitals ("DRC", "UAE"): acronyms, not a dateline's shouting."""
    data = _read("places.json")
    return frozenset(n for e in data["places"] + data["countries"] for n in (e["name"], *e.get("aliases", ())) if n.isupper())


@lru_cache(maxsize=1)
def _state_names() -> frozenset[str]:
    """Every country's name, alias and demonym, lower-cased: the words a pair of states is made of.

    The demonyms include the actors' ("Israeli"), which the gazetteer leaves out as places.
    """
    data = _read("places.json")["countries"]
    names = {n.lower() for e in data for n in (e["name"], *e.get("aliases", ()), *e.get("demonyms", ()))}
    return frozenset(names | {e["demonym"].lower() for e in _read("en.json")["actors"]["entries"] if "demonym" in e})


_PAIR_BEFORE = re.compile(r"(?:^|\W)((?:the\s+)?[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)?)\s*(?:,|\s+and|\s+or|\s*&)\s+(?:the\s+)?$")
_PAIR_AFTER = re.compile(r"^(?:'s|\u2019s)?\s*(?:,|\s+and|\s+or|\s*&)\s+(?:the\s+)?([A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)?)")


_LEADERS: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _leader_pair(vocab: Vocab) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Two states' leaders named together, before and after a state (`data/en.json` places.leader_title):
    "Israeli Prime Minister Benjamin Netanyahu and Lebanon's Prime Minister", "Lebanon's
    President Joseph Aoun and Syrian President Ahmed al-Sharaa"."""
    found = _LEADERS.get(id(vocab))
    if found is None:
        title = (
            r"(?:(?:acting|caretaker|interim|outgoing|then) )?(?:" + vocab.raw["places"]["leader_title"] + r")(?: [A-Z][\w'\u2019.-]*){0,3}"
        )
        found = _LEADERS[id(vocab)] = (
            re.compile(r"(?:^|\W)([A-Z][\w'\u2019-]*?)(?:'s|\u2019s)? " + title + r",? and (?:the )?$"),
            re.compile(r"^(?:'s|\u2019s) " + title + r",? and (?:the )?([A-Z][\w'\u2019-]*)"),
        )
    return found


def _paired(sentence: str, h: PlaceHit, vocab: Vocab | None = None) -> bool:
    """True when the state at `h` is named with another state ("Pakistan and Afghanistan agreed"),
    or its leader with another state's ("spoke to Israeli Prime Minister Benjamin Netanyahu and
    Lebanon's Prime Minister Najib Mikati"): the two sides."""
    names = _state_names()
    own = sentence[h.start : h.end].lower()
    if vocab is not None:
        before, after = _leader_pair(vocab)
        m = after.match(sentence, h.end) or before.search(sentence, max(0, h.start - 90), h.start)
        if m and m.group(1).lower() != own and m.group(1).lower() in names:
            return True
    m = _PAIR_AFTER.match(sentence[h.end :])
    if m:
        other = m.group(1).lower()
        if other != own and (other in names or other.split()[0] in names):
            return True
    m = _PAIR_BEFORE.search(sentence[max(0, h.start - 60) : h.start])
    if m:
        other = m.group(1).lower().removeprefix("the ").strip()
        if other != own and (other in names or other.split()[-1] in names):
            return True
    return False


def choose(sentence: str, hits: tuple[PlaceHit, ...], t_start: int, t_end: int, vocab: Vocab, kind: str | None = None) -> Place | None:
    """The best place for the trigger (of `kind`) at sentence[t_start:t_end], or None."""
    best: tuple[float, Place] | None = None
    between = {h.place.name for h in hits if h.place.type == "country" and _between(sentence, h)}
    mediators = vocab.raw["places"].get("mediator_states", ())
    for h in hits:
        if h.place.type == "country" and h.place.name in mediators:
            continue  # "Mediator Qatar confirms the start of the truce", "the delegation to Qatar": the mediator, the venue
        if (h.place.type == "country" or h.place.type == "city" and _capital(h.place)) and mediating(sentence, h.start, h.end, vocab):
            continue  # "after talks hosted by Malaysia's prime minister": a mediator, wherever it is named
        if any(o is not h and sentence.startswith(("'s ", "\u2019s "), h.end) and o.start == h.end + 3 for o in hits):
            continue  # "Darfur's El Fasher", "Ukraine's Zaporizhzhia region": the place that holds the pause's own
        if h.place.type == "country" and _paired(sentence, h, vocab):
            continue  # "the leaders of Lebanon and Israel", "Israeli and Lebanese leaders": two states, the parties
        if h.place.name in between:
            continue  # a party to the pause, here or where the sentence names it again ("... prisoners in Israel")
        if h.place.type == "country" and h.start >= t_end and _speaker(sentence, h, vocab):
            continue  # "Thailand and Cambodia agreed a ceasefire, Malaysia's prime minister said": who tells it
        s = _score(h, sentence, t_start, t_end, vocab, kind)
        if s is not None and s > -1.5 and (best is None or s > best[0]):
            best = (s, h.place)
    if best is None and vocab.place_border_after.match(sentence[t_end:]):
        return _border(sentence, hits, vocab)
    return best[1] if best else None


def _speaker(sentence: str, h: PlaceHit, vocab: Vocab) -> bool:
    """True when the state at `h` owns the official who tells the news in the sentence's
    attribution (", Malaysia's prime minister said", "said Egypt's foreign minister") while the
    sentence names another state: a third state's word, not where the pause is."""
    title = vocab.raw["places"]["leader_title"]
    official = re.match(
        r"(?:'s|\u2019s) (?:[\w-]+ ){0,2}?(?:" + title + r"|minister|ministry|envoy|spokes(?:man|woman|person)|mediators?|officials?)"
        r"(?: (?-i:[A-Z])[\w'\u2019.-]*){0,3}",
        sentence[h.end :],
        re.IGNORECASE,
    )
    if official is None:
        return False
    after, before = sentence[h.end + official.end() :], sentence[: h.start]
    if re.search(r"(?:\bsaid|\bsays|\baccording to)\s*$", before):  # "..., said Senegal's president"
        return bool(re.match(r"\s*(?:[.;,]|$)", after))
    if not (before.rstrip().endswith(",") and re.match(r",? (?:said|says|told|announced|confirmed|stated)\b", after)):
        return False
    named = (
        place.name
        for pattern, place in (vocab.places[i] for i in vocab.place_index_all.candidates(Probe(sentence)))
        if place.type == "country" and not place.demonym and place.name != h.place.name and pattern.search(sentence)
    )
    return next(named, None) is not None


def _between(sentence: str, h: PlaceHit) -> bool:
    """True when the state at `h` is named as a party after "between" ("a truce between Israel
    and Hamas"), not as the owner of one ("between Sudan's army and the RSF")."""
    return not h.place.demonym and bool(_BETWEEN.search(sentence, 0, h.start)) and not sentence.startswith(("'s", "\u2019s"), h.end)


_BETWEEN = re.compile(r"\bbetween(?: the)?(?: [\w'\u2019-]+(?: [\w'\u2019-]+){0,2} (?:and|&)(?: the)?)?\s*$", re.IGNORECASE)


def _border(sentence: str, hits: tuple[PlaceHit, ...], vocab: Vocab) -> Place | None:
    """The border of the two states the sentence names as a pair ("Pakistan and Afghanistan
    agreed on a ceasefire on the border": "Afghanistan\u2013Pakistan border"), or None. The
    states may be actors too ("Armenia and Azerbaijan agreed", left out of `hits`): they are
    looked up again."""
    pair: list[Place] = []
    if sum(h.place.type == "country" for h in hits) < 2:
        hits = tuple(
            PlaceHit(place, m.start(), m.end())
            for pattern, place in (vocab.places[i] for i in vocab.place_index_all.candidates(Probe(sentence)))
            if place.type == "country" and not place.demonym
            for m in pattern.finditer(sentence)
        )
        hits = tuple(sorted(hits, key=lambda h: h.start))
    for h in hits:
        if h.place.type == "country" and _paired(sentence, h) and all(p.name != h.place.name for p in pair):
            pair.append(h.place)
    if len(pair) != 2:
        return None
    return _border_place(*pair)


def _border_place(a: Place, b: Place) -> Place:
    """The border of states `a` and `b`: the zone is the first-named state's; the name lists
    both in alphabetical order, as borders are usually named ("Cambodia\u2013Thailand border"
    whichever comes first)."""
    first, second = sorted((a.name, b.name))
    return Place(f"{first}\u2013{second} border", "site", a.country, a.tz)
