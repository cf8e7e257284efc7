"""Score the extractor against labelled passages (the format of dev_passages.jsonl).

Pure apart from `main()`: `evaluate(rows)` takes parsed rows and returns figures; only
`main()` reads a file and prints. A passage counts as a pause event when any mention
reaches `THRESHOLD` confidence. Over true positives, the passage's prediction is its
first such mention for kind; status is the latest stage among the mentions of that kind
(a passage often reports a pause agreed, then in effect); duration and location come from
the first mention of that kind that states them. Locations match leniently: equal after
case-folding, or one contained in the other ("northern Gaza" / "Gaza").

    python -m tracker.extract.evaluate /work/shared/data/dev_passages.jsonl [-v]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

from ..types import STATUSES, Mention
from . import extract

THRESHOLD = 0.5
_STAGE = {s: i for i, s in enumerate(("called_for", "proposed", "agreed", "in_effect", "extended", "violated", "collapsed", "ended"))}
assert set(_STAGE) == set(STATUSES)


def passage_prediction(mentions: list[Mention]) -> dict:
    """One prediction for a whole passage from its mentions (see the module docstring)."""
    sure = [m for m in mentions if m.confidence >= THRESHOLD]
    if not sure:
        return {"is_pause_event": False, "kind": "none", "status": "none", "duration_hours": None, "location": None}
    kind = sure[0].kind
    same = [m for m in sure if m.kind == kind]
    return {
        "is_pause_event": True,
        "kind": kind,
        "status": max((m.status for m in same), key=_STAGE.__getitem__),
        "duration_hours": next((m.duration_hours for m in same if m.duration_hours is not None), None),
        "location": next((m.location for m in same if m.location), None),
    }


def _same_place(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    a, b = a.casefold(), b.casefold()
    return a == b or a in b or b in a


def _ratio(n: int, d: int) -> float:
    return round(n / d, 3) if d else 0.0


def evaluate(rows: Iterable[dict]) -> dict:
    """Precision/recall/F1 of is_pause_event, and field accuracy over true positives."""
    tp = fp = fn = tn = 0
    right = {"kind": 0, "status": 0, "duration": 0, "location": 0}
    errors: list[dict] = []
    for row in rows:
        pred = passage_prediction(extract(row["text"]))
        gold = bool(row["is_pause_event"])
        if pred["is_pause_event"] and gold:
            tp += 1
            checks = {
                "kind": pred["kind"] == row["kind"],
                "status": pred["status"] == row["status"],
                "duration": pred["duration_hours"] == (float(row["duration_hours"]) if row["duration_hours"] is not None else None),
                "location": _same_place(pred["location"], row["location"]),
            }
            for k, ok in checks.items():
                right[k] += ok
            wrong = [k for k, ok in checks.items() if not ok]
            if wrong:
                errors.append({"id": row.get("id"), "wrong": wrong, "pred": pred})
        elif pred["is_pause_event"]:
            fp += 1
            errors.append({"id": row.get("id"), "wrong": ["false_positive"], "pred": pred})
        elif gold:
            fn += 1
            errors.append({"id": row.get("id"), "wrong": ["missed"], "pred": pred})
        else:
            tn += 1
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {
        "passages": tp + fp + fn + tn,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": p,
        "recall": r,
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
        **{f"{k}_accuracy": _ratio(n, tp) for k, n in right.items()},
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    result = evaluate(rows)
    errors = result.pop("errors")
    print(json.dumps(result, indent=2))
    if "-v" in args:
        for e in errors:
            print(json.dumps(e))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
