"""Which time zone a place is in: the gazetteer's `tz`, for code outside the extractor.

Pure once loaded (read once from `data/places.json`). The lifecycle uses it to read the
time of a mention that had no zone ("begins at 6 a.m.", no place in the article) in the
zone of the pause it joins. It does not guess: a name the gazetteer does not know has no zone.
"""

from __future__ import annotations

from functools import cache

from .vocab import _read


@cache
def _zones() -> dict[str, str]:
    data = _read("places.json")
    out: dict[str, str] = {}
    for e in data["places"] + data["countries"]:
        for name in [e["name"], *e.get("aliases", ())]:
            out.setdefault(name.casefold(), e["tz"])
    return out


def place_zone(location: str | None, country: str | None = None) -> str | None:
    """The IANA zone of `location`, else of `country`, else None.

    >>> place_zone("El Fasher", "Sudan")
    'Africa/Khartoum'
    """
    zones = _zones()
    for name in (location, country):
        if name and name.casefold() in zones:
            return zones[name.casefold()]
    return None
