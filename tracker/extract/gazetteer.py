"""The gazetteer's hierarchy: which places contain a place. Pure once loaded.

Read once from `data/places.json` (each entry's `in`, then its `country`). Used by the
lifecycle to merge reports of one pause named at different levels ("El Fasher" and
"Darfur", "Aleppo" and "Syria") and by alert routing ("places = ['Sudan']").
"""

from __future__ import annotations

from functools import cache

from .vocab import _read


@cache
def _parents() -> dict[str, tuple[str | None, str | None]]:
    data = _read("places.json")
    return {e["name"]: (e.get("in"), e.get("country")) for e in data["places"] + data["countries"]}


def place_ancestors(location: str | None, country: str | None = None) -> tuple[str, ...]:
    """The places that contain `location`, nearest first, ending with its country.

    >>> place_ancestors("El Fasher", "Sudan")
    ('Darfur', 'Sudan')
    """
    parents = _parents()
    chain: list[str] = []
    here = location
    while here is not None and here not in chain:
        parent, here_country = parents.get(here, (None, None))
        country = country or here_country
        if parent is None:
            break
        chain.append(parent)
        here = parent
    if country and country != location and country not in chain:
        chain.append(country)
    return tuple(chain)
