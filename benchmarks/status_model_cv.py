"""A status model tried for issue #12, kept as an experiment: is a learned cue ranker better than the rules?

    python benchmarks/status_model_cv.py /work/shared/data/dev_passages.jsonl /work/data/dev2_tune.jsonl

Not used by the extractor. It runs the extractor (rules only) over labelled passages,
records for each pause the sentence's status cues (`rules.cues`) and the rules' answer,
and scores by 5-fold cross-validation (every 5th passage held out) the passage status of:
`rules` (in-sample: they were written against these passages), `model` (a cue ranker: a
conditional logit over the pause's cues, features of how each cue stands to the pause,
L2, full-batch gradient descent in plain Python) and `joined` (a product of experts: the
model's probability per status times the rules' answer counted as right 65% of the time,
their figure on dev 2's held-out slice over three rounds). A pause with no cue keeps the
rules' answer. Train only on dev 1 and the tune part of dev 2; the held-out parts stay
unseen. Results and what they mean: docs/design.md, "A status model, tried".

Targets: where the rules' passage status (the latest stage) is right, each pause keeps
the rules' answer; where it is wrong, each pause past the label's stage, or every pause
when none has the label, takes the label. A pause whose target no cue carries teaches
nothing.
"""

from __future__ import annotations

import json
import math
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import tracker.extract as extractor
from tracker.extract import extract, rules
from tracker.extract.evaluate import _STAGE, _published, passage_prediction

STATUSES = tuple(_STAGE)
L2 = 0.01
EPOCHS = 150
RATE = 1.0
FOLDS = 5
RULE_RELIABILITY = 0.65
_RULE_BONUS = math.log(RULE_RELIABILITY / ((1 - RULE_RELIABILITY) / (len(STATUSES) - 1)))
_SMOOTH = 0.02
_MODAL = re.compile(r"\b(?:will|would|could|may|might|should|can|shall)\s+(?:\w+\s+)?(?:be\s+)?$", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|no|never|without)\s+(?:\w+\s+)?$|n't\s+(?:\w+\s+)?$", re.IGNORECASE)
_TO = re.compile(r"\bto\s+(?:be\s+)?$", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?:which|that|who)\b|,", re.IGNORECASE)
_CONTEXT = (("hyp", rules._HYPOTHETICAL), ("cond", rules._CONDITION), ("mod", _MODAL), ("neg", _NEGATION), ("to", _TO))


def _bucket(d: int) -> str:
    return "0" if d <= 12 else "1" if d <= 35 else "2" if d <= 70 else "3"


def _governs(text: str, start: int, end: int, side: str, cs: int, ce: int) -> bool | None:
    """Whether the cue governs the pause (None: a compound name after it, "ceasefire agreement")."""
    if side == "b":
        return start - ce <= 60 and rules._gap_before(text[ce:start])
    if side == "a":
        gap = text[end:cs]
        if not gap.strip() and rules._COMPOUND.match(text, cs):
            return None
        aside = rules._ASIDE.match(gap)
        rest = gap[aside.end() :] if aside else gap
        return len(rest) <= 40 and bool(rules._GAP_AFTER.match(rest))
    return False


def candidates(
    text: str,
    start: int,
    end: int,
    clause: tuple[int, int],
    cues: tuple[tuple[str, int, int], ...],
    span: tuple[int, int] | None = None,
) -> list[tuple[str, list[str]]]:
    """Each status cue of the sentence as (status, features) for the pause at `start`..`end`.

    `clause` is the stretch that reports on the pause (`rules.clause`), `cues` the
    sentence's cues as (status, start, end), `span` the pause's share of the sentence when it names several (`rules.spans`).
    """
    lo, hi = clause
    inside = [c for c in cues if lo <= c[1] < hi]
    latest = max((_STAGE[c[0]] for c in inside), default=-1)
    before = [c for c in cues if c[2] <= start][::-1]
    after = [c for c in cues if c[1] >= end]
    after_pause = bool(rules._AFTER_PAUSE.search(text, max(0, start - 40), start))
    out = []
    for c in cues:
        st, cs, ce = c
        side = "b" if ce <= start else "a" if cs >= end else "i"
        near = _bucket(start - ce if side == "b" else cs - end if side == "a" else 0)
        own = lo <= cs < hi
        f = [
            "st:" + st, "side:" + side, "d:" + side + near, "in" if own else "out",
            f"st_side:{st}_{side}", f"st_in:{st}_{own}", f"st_d:{st}_{near}",
        ]
        gov = _governs(text, start, end, side, cs, ce)
        if gov is None:
            f += ["compound", "compound:" + st]
        elif gov:
            f += ["gov", "gov:" + st, "gov_side:" + side]
        context = text[max(0, cs - 30) : cs]
        for name, pattern in _CONTEXT:
            if pattern.search(context):
                f += [name, f"{name}:{st}"]
        if rules._DESPITE.match(text, cs):
            f.append("despite")
        if after_pause:
            f.append("after_pause:" + st)
        if own and _STAGE[st] == latest:
            f += ["latest", "latest:" + st]
        rank = before.index(c) if side == "b" else after.index(c) if side == "a" else 0
        f.append(f"rank:{side}{min(rank, 2)}")
        if span is not None and not span[0] <= cs < span[1]:
            f += ["other_pause", "other_pause:" + st]  # nearer another pause of the sentence
        if side == "a" and _RELATIVE.search(text, end, cs):
            f.append("relative:" + st)
        word = text[cs:ce].split()[0].lower()
        form = "ed" if word.endswith(("ed", "ken", "wn", "eld")) else "ing" if word.endswith("ing") else "s" if word.endswith("s") else "x"
        f.append(f"form:{st}_{form}")
        same = sum(1 for o in cues if o[0] == st)
        f.append(f"support:{min(same, 3)}")
        out.append((st, f))
    return out


def probabilities(cands: list[tuple[str, list[str]]], table: dict[str, float]) -> dict[str, float]:
    """P(status) for a pause: a softmax over its cues, summed per status, lightly smoothed."""
    scores = [sum(table.get(x, 0.0) for x in f) for _, f in cands]
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    total = sum(exp)
    p = dict.fromkeys(STATUSES, 0.0)
    for (st, _), e in zip(cands, exp):
        p[st] += e / total
    return {s: (1 - _SMOOTH) * v + _SMOOTH / len(STATUSES) for s, v in p.items()}


def decide(cands: list[tuple[str, list[str]]], rule: str, table: dict[str, float]) -> str:
    """The joined reading: the model's probabilities, the rules' answer as a second expert."""
    if not cands:
        return rule
    p = probabilities(cands, table)
    return max(p, key=lambda s: math.log(p[s]) + (_RULE_BONUS if s == rule else 0.0))


@contextmanager
def _recording(out: list):
    """While open, each pause the extractor makes a mention of is appended to `out` as (kind, candidates, rules' status)."""
    real_status, real_mention = rules.status, extractor.Mention
    pending: list = []

    def status(h, span, all_cues, sentence=None):
        pending[:] = [(h, span, all_cues, sentence)]
        return real_status(h, span, all_cues, sentence)

    def mention(**fields):
        if pending and pending[0][3] is not None:
            h, span, all_cues, text = pending.pop()
            cues = tuple((c.status, c.start, c.end) for c in all_cues)
            out.append((h.kind, candidates(text, h.start, h.end, rules.clause(text, h), cues, span), fields["status"]))
        return real_mention(**fields)

    rules.status, extractor.Mention = status, mention
    try:
        yield
    finally:
        rules.status, extractor.Mention = real_status, real_mention


def collect(rows: list[dict]) -> list[dict]:
    """Per true-positive passage: its label and the pauses of its predicted kind, with the rules' answers."""
    passages = []
    for row in rows:
        if not row["is_pause_event"]:
            continue
        calls: list = []
        with _recording(calls):
            pred = passage_prediction(extract(row["text"], _published(row)))
        pauses = [(cands, rule) for kind, cands, rule in calls if kind == pred["kind"]]
        if pred["is_pause_event"] and pauses:
            passages.append({"id": row.get("id"), "gold": row["status"], "rules": pred["status"], "pauses": pauses})
    return passages


def targets(p: dict) -> list[str]:
    """The status each pause of passage `p` should have read (see the module docstring)."""
    gold = p["gold"]
    if p["rules"] == gold:
        return [rule for _, rule in p["pauses"]]
    has = any(rule == gold for _, rule in p["pauses"])
    return [gold if not has or _STAGE[rule] > _STAGE[gold] else rule for _, rule in p["pauses"]]


def train(passages: list[dict], l2: float = L2, epochs: int = EPOCHS) -> dict[str, float]:
    """Weights {feature: w} of the cue ranker: softmax over a pause's cues, the target's cues as the answer."""
    data = []
    for p in passages:
        for (cands, _), target in zip(p["pauses"], targets(p)):
            good = [i for i, (st, _) in enumerate(cands) if st == target]
            if good:
                data.append(([f for _, f in cands], good))
    w: dict[str, float] = {}
    n = len(data)
    for _ in range(epochs):
        grad: dict[str, float] = {}
        for cands, good in data:
            scores = [sum(w.get(x, 0.0) for x in f) for f in cands]
            top = max(scores)
            exp = [math.exp(s - top) for s in scores]
            total = sum(exp)
            p = [e / total for e in exp]
            right = sum(p[i] for i in good)
            for i, f in enumerate(cands):
                coef = p[i] - (p[i] / right if i in good else 0.0)
                for x in f:
                    grad[x] = grad.get(x, 0.0) + coef
        for x in set(grad) | set(w):
            w[x] = w.get(x, 0.0) - RATE * (grad.get(x, 0.0) / n + l2 * w.get(x, 0.0))
    return {x: round(v, 4) for x, v in sorted(w.items()) if abs(v) >= 1e-4}


def passage_status(p: dict, decide) -> str:
    """The passage's status when each pause's status is `decide(cands, rule)`: the latest stage."""
    return max((decide(cands, rule) for cands, rule in p["pauses"]), key=_STAGE.__getitem__)


def policies(table: dict[str, float]) -> dict:
    """Ways of reading a pause's status, by name: each a decide(cands, rule)."""
    def model(cands, rule):
        if not cands:
            return rule
        p = probabilities(cands, table)
        return max(p, key=p.__getitem__)

    return {
        "rules": lambda cands, rule: rule,
        "model": model,
        "joined": lambda cands, rule: decide(cands, rule, table),
    }


def cross_validate(passages: list[dict], l2: float = L2) -> dict[str, float]:
    """Passage status accuracy of each policy over `FOLDS` folds (every FOLDS-th passage held out)."""
    right: dict[str, int] = {}
    for k in range(FOLDS):
        table = train([p for i, p in enumerate(passages) if i % FOLDS != k], l2)
        test = [p for i, p in enumerate(passages) if i % FOLDS == k]
        for name, decide in policies(table).items():
            right[name] = right.get(name, 0) + sum(passage_status(p, decide) == p["gold"] for p in test)
    return {name: round(n / len(passages), 3) for name, n in right.items()}


def main(argv: list[str] | None = None) -> int:
    files = sys.argv[1:] if argv is None else argv
    if not files:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    rows = [json.loads(line) for f in files for line in Path(f).read_text("utf-8").splitlines() if line.strip()]
    passages = collect(rows)
    print(f"{len(passages)} passages, {sum(len(p['pauses']) for p in passages)} pauses")
    for l2 in (0.003, L2, 0.03):
        print(f"cross-validated, l2={l2}:", json.dumps(cross_validate(passages, l2)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
