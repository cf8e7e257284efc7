"""Every field of every mention the extractor gives, as JSON lines: a regression check for speed work.

    python benchmarks/extract_dump.py > /tmp/before.jsonl   # then change the code
    python benchmarks/extract_dump.py | cmp - /tmp/before.jsonl

Reads what `tracker eval` reads (dev 1 and all of dev 2, with each row's `published`), the
2,000 items of `extract_speed.py`, and every feed in ../shared/data/feeds/ as the poller
reads it (`poller.digest`: parse, extract "title\\n\\ntext", fill places from context), each
at a fixed `now`. Prints one line per text: its source, its key and its mentions with all
their fields (`dataclasses.asdict`, datetimes as ISO strings). Only outputs are compared:
nothing here prints a passage's text or looks at labels.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from extract_speed import FEEDS, PUBLISHED, build_items  # noqa: E402 - benchmarks run as scripts from their folder

from tracker.extract import extract
from tracker.extract.evaluate import _published
from tracker.poller import digest

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
NOW = datetime(2026, 8, 14, 12, 0, tzinfo=timezone.utc)


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _dump(mentions) -> list:
    return [_plain(dataclasses.asdict(m)) for m in mentions]


def _line(source: str, key, mentions) -> str:
    return json.dumps({"source": source, "key": key, "mentions": _dump(mentions)}, ensure_ascii=False, sort_keys=True)


def main() -> None:
    out = sys.stdout
    for name in ("dev_passages.jsonl", "dev_passages_2.jsonl"):
        path = DATA / name
        if not path.exists():
            continue
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if raw.strip():
                row = json.loads(raw)
                print(_line(name, row.get("id", n), extract(row["text"], _published(row))), file=out)
    for i, (title, text) in enumerate(build_items(2000)):
        print(_line("extract_speed", i, extract(f"{title}\n\n{text}", PUBLISHED)), file=out)
    for feed in FEEDS:
        try:
            got = digest(Path(feed).read_bytes(), f"file://{feed}", None, NOW)
        except Exception as e:  # noqa: BLE001 - a feed that does not parse: its error is the output
            print(json.dumps({"source": Path(feed).name, "error": f"{e.__class__.__name__}: {e}"}), file=out)
            continue
        for article, mentions in zip(got.articles, got.mentions):
            print(_line(Path(feed).name, article.key, mentions), file=out)
        print(json.dumps({"source": Path(feed).name, "warning": got.warning}), file=out)


if __name__ == "__main__":
    main()
