"""How fast the extractor reads typical news items, next to feedparser parsing the same items.

    python benchmarks/extract_speed.py [--items N] [--runs R]

Builds about 2,000 items (title + a summary of ~2 KB): descriptions from the real feeds in
../shared/data/feeds/*.xml when present, padded by joining entries, and generated
background text otherwise, so that it runs anywhere. About 5% of the items carry a pause
sentence. Measures extract() items per second (best of R runs, time.perf_counter, one
process) and, in the same run, feedparser parsing the same items as RSS 2.0 documents
(one document per item), then prints both and the ratio extractor / feedparser.
No assertion: this reports figures, tests never time anything.
"""

from __future__ import annotations

import argparse
import glob
import html
import random
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import feedparser
from texts import BACKGROUND  # noqa: E402 - benchmarks run as scripts from their folder

from tracker.extract import extract

ROOT = Path(__file__).resolve().parent.parent
FEEDS = sorted(glob.glob(str(ROOT.parent / "shared" / "data" / "feeds" / "*.xml")))
PUBLISHED = datetime(2024, 3, 7, 12, 0, tzinfo=timezone.utc)
TAG = re.compile(r"<[^>]+>")

PAUSE = [
    "Both sides agreed to a 72-hour ceasefire in Khartoum starting at 6 a.m. on Saturday, mediators said.",
    "The UN called for an immediate humanitarian pause in Gaza to let aid convoys reach the north.",
    "A truce in Hodeidah took effect at midnight local time, the UN envoy said.",
    "Russia offered a humanitarian corridor out of Mariupol for civilians, the defence ministry said.",
]


def feed_texts() -> list[tuple[str, str]]:
    """(title, text) of entries in the shared feeds, when they are present."""
    out = []
    for path in FEEDS:
        try:
            parsed = feedparser.parse(path)
        except Exception:  # a broken sample feed is not the benchmark's business
            continue
        for e in parsed.entries:
            text = html.unescape(TAG.sub(" ", e.get("summary", "") or ""))
            text = " ".join(text.split())
            if len(text) > 80:
                out.append((e.get("title", "") or "", text))
    return out


def build_items(n: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pool = feed_texts()
    items = []
    for i in range(n):
        if pool:
            title, text = pool[i % len(pool)]
            while len(text) < 2000:
                text += " " + rng.choice(pool)[1]
        else:
            title = rng.choice(BACKGROUND)[:60]
            text = ""
        while len(text) < 2000:
            text += " " + rng.choice(BACKGROUND)
        text = text[:2100]
        if i % 20 == 0:  # ~5% carry a pause
            cut = text.rfind(". ", 0, 1000) + 2
            text = text[:cut] + rng.choice(PAUSE) + " " + text[cut:]
        items.append((title, text))
    return items


def rss(title: str, text: str, i: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>bench</title>'
        f"<item><title>{html.escape(title)}</title><link>https://example.org/{i}</link>"
        f"<guid>item-{i}</guid><pubDate>Thu, 07 Mar 2024 12:00:00 GMT</pubDate>"
        f"<description>{html.escape(text)}</description></item></channel></rss>"
    ).encode()


def best_rate(fn, items, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    items = build_items(args.items)
    texts = [f"{t}\n\n{s}" for t, s in items]
    docs = [rss(t, s, i) for i, (t, s) in enumerate(items)]
    found = sum(bool(extract(t, PUBLISHED)) for t in texts)
    size = sum(len(t) for t in texts) / len(texts)
    ex = best_rate(lambda t: extract(t, PUBLISHED), texts, args.runs)
    fp = best_rate(feedparser.parse, docs, max(1, min(args.runs, 3)))
    source = f"{len(FEEDS)} shared feeds" if FEEDS else "generated text only"
    print(f"items: {len(texts)} ({source}), mean {size:.0f} chars, {found} with a mention")
    print(f"extractor:  {ex:10,.0f} items/s (best of {args.runs})")
    print(f"feedparser: {fp:10,.0f} items/s (one RSS document per item)")
    print(f"ratio extractor/feedparser: {ex / fp:.1f}x")


if __name__ == "__main__":
    main()
