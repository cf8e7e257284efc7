"""The extractor's fast paths give what the plain ones give: a look-ahead for a pattern's first
character (literals.lead), the word before a period read backwards (sentences), and the
other-sense test not asked twice of a sentence (Extractor._pass)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tracker.extract import Extractor, english
from tracker.extract import durations as _durations
from tracker.extract import when as _when
from tracker.extract.literals import first_class, lead, with_leads

DATA = Path(__file__).resolve().parent / "data"
SEED = Path(__file__).resolve().parent.parent / "seeds" / "aleppo-48-hour-ceasefire.txt"
# mixed scripts, case-folding specials (dotted and dotless i, long s, Kelvin sign), digits, quotes
ODD = (
    "İstanbul ıi ſtop \u212aiev KIEV kiev 6 a.m. on Saturday, 0600 GMT — “truce” in Gaza. "
    "টস জিতে প্রথমে ব্যাটিংয়ে at midnight (2200 GMT) перемирие с 12:00 мск. The PAUSE; the-pause"
)


def _spans(pattern: re.Pattern[str], text: str, lo: int = 0, hi: int | None = None) -> list:
    hi = len(text) if hi is None else hi
    return [(m.span(), m.groups(), m.groupdict()) for m in pattern.finditer(text, lo, hi)]


@pytest.mark.parametrize(
    "source, flags",
    [
        (r"(?<![\w])(?:the\s+)?(?:truce|pause)s?(?![\w])", re.I),
        (r"\b(?:(?-i:UN)|united nations)\b", re.I),
        (r"(?<!earlier )(?<![\w])(?:kiev|istanbul|stop)", re.I),
        (r"(?<![\w])(?i:gaza|kiev)|[^\W\d]+ time", 0),
        (r"^(?:at\s+)?\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|GMT)", re.I | re.M),
        (r"(?=\s)\s+(?:on|at)\s+\w+", 0),
        (r"(?:x)?(?:[^a-z\s]|\d)+", re.I),
    ],
)
def test_a_led_pattern_finds_what_the_pattern_finds(source, flags):
    pattern = re.compile(source, flags)
    led = lead(pattern, min_length=0)
    texts = [ODD, ODD.lower(), ODD.upper(), SEED.read_text(encoding="utf-8")]
    for text in texts:
        assert _spans(led, text) == _spans(pattern, text)
        assert _spans(led, text, 5, len(text) - 7) == _spans(pattern, text, 5, len(text) - 7)
        for at in range(0, len(text), 7):
            assert bool(led.match(text, at)) == bool(pattern.match(text, at))


def test_what_cannot_be_led_is_left_as_it_is():
    for source in (r"(?<!a)b?", r"(?<!a)(?:x|)", r"(?<!a).b", r"(?<=(a))\1b", r"truce|pause", r"^(?:x)?y", r"\b(?:a|b)?c"):
        pattern = re.compile(source)
        assert lead(pattern, min_length=0) is pattern, source
    assert first_class(re.compile(r"(?<!a)(?:x|y?)")) is None  # may match the empty string
    short = re.compile(r"(?<![\w])truce")
    assert lead(short) is short  # shorter than LEAD_MIN_LENGTH: not worth a look-ahead


def test_every_led_rule_of_the_extractor_matches_as_before():
    """Each pattern the extractor leads finds the same matches, groups included, in real text."""
    vocab = english()
    plain = [vocab, _durations.compile_rules(vocab), _when.compile_rules(vocab)]
    memo: dict = {}
    for rules in plain:
        with_leads(rules, memo)
    led = [(a, b) for a, b in memo.values() if a is not b]
    assert led, "the time phrase and other long patterns that open with an assertion are led"
    texts = [ODD, SEED.read_text(encoding="utf-8")]
    for name in ("project_passages.jsonl", "holdout_passages.jsonl"):
        path = DATA / name
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for text in texts:
        for a, b in led:
            assert _spans(b, text) == _spans(a, text), a.pattern[:80]


def test_the_extractor_uses_the_led_rules():
    ex = Extractor.for_vocab(english())
    assert ex.when.phrase.pattern.startswith("(?=") and ex.when.phrase.pattern.endswith(_when.compile_rules(ex.vocab).phrase.pattern)


def test_a_sentence_with_triggers_has_no_other_sense():
    """`Extractor._pass` does not ask `is_other_sense` again of a sentence `triggers` kept hits in."""
    from tracker.extract import rules, sentences

    vocab = english()
    texts = [SEED.read_text(encoding="utf-8")]
    for name in ("project_passages.jsonl", "holdout_passages.jsonl"):
        path = DATA / name
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    kept = 0
    for text in texts:
        for s in sentences.split(text, vocab):
            if rules.triggers(s.text, vocab):
                kept += 1
                assert not rules.is_other_sense(s.text, vocab), s.text
    assert kept > 50


def test_the_word_before_a_period_is_what_the_pattern_finds():
    from tracker.extract import sentences

    every = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000)
    assert [c for c in every if bool(re.fullmatch(r"[\w.'\u2019]", c)) != (c.isalnum() or c in sentences._WORD_MARKS)] == []
    texts = [ODD, SEED.read_text(encoding="utf-8"), "U.S. Sen. J.R.R. gov\u2019t. x_y.z 12.5. " * 3, "a.", ".", ""]
    for text in texts:
        for end in range(len(text) + 1):
            m = sentences._WORD_BEFORE.search(text, max(0, end - sentences._LOOKBACK), end)
            assert sentences._word_before(text, end) == (m.group(1) if m else ""), (text, end)


def _texts() -> list[str]:
    texts = [ODD, SEED.read_text(encoding="utf-8")]
    for name in ("project_passages.jsonl", "holdout_passages.jsonl"):
        path = DATA / name
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    made_up = (
        "They said aid was let in. Raid on the port; the aid-convoy passed the crossing. Aid! Relief? said.",
        'A humanitarian pause... Then the ceasefire?! "The truce holds." (Stop the fighting.) U.S. Sen. Doe said.',
        "stop all stopped fighting stops all stopping the fighting safe passage end hostilities ceasefire-ceasefire",
        "Food \U0001f642 reached the port \U0001f600; a truce held. \U0001f642 Evacuation corridor opened.",  # astral characters before a hit
    )
    return texts + list(made_up) + [t.upper() for t in made_up]


@pytest.mark.parametrize("automaton", [True, False])
def test_the_prefilter_scan_finds_what_the_prefilter_patterns_find(automaton):
    """`literals.Scan` (one pass of an Aho-Corasick automaton) answers as each alternation's trie regex."""
    from tracker.extract.literals import Scan, trie_source

    vocab = english()
    alternations = {k: vocab.raw["prefilter"][k] for k in ("pause", "access", "aid")}
    alternations["odd"] = "(?i)x|stop|stop all|stopped fighting|topp|all"  # a global flag: the regex answers
    alternations["mixed"] = "aid(?<=\\baid)\\b|rel[i]ef|food"
    alternations["grouped"] = "x(?:ab|cd)y|cd"
    scan = Scan(alternations, automaton=automaton)
    assert automaton == (scan.automaton is not None)
    for text in _texts():
        lower = text.lower()
        found = scan.find(lower)
        for name, source in alternations.items():
            pattern = re.compile(trie_source(source))
            assert found.starts(name) == [m.start() for m in pattern.finditer(lower)], (name, text[:60])
            assert found.any(name) == bool(pattern.search(lower)), (name, text[:60])
    assert Scan({"a": "stop|stop all|top"}).find("non-stop all").starts("a") == [4]


def test_the_sentence_ends_are_what_the_pattern_finds():
    from tracker.extract import sentences

    texts = _texts() + ["...", "a. B", "x?! Y", "end.\u201d Next", "no marks here", "", "!?. . A"]
    for text in texts:
        for line in text.splitlines(keepends=True):
            assert [m.span() for m in sentences._ends(line)] == [m.span() for m in sentences._END.finditer(line)], line


def test_top_level_alternatives_match_what_the_pattern_matches():
    from tracker.extract.literals import SearchIndex, alternatives

    vocab = english()
    patterns = list(vocab.other_senses) + list(vocab.denials)
    assert sum(len(alternatives(p)) for p in patterns) > len(patterns)  # some are split
    for source, count in [
        (r"\bfoo\b|\bbar\b", 2),
        (r"(?:a|b)c", 1),
        (r"[|]a|b", 2),
        (r"a\|b", 1),
        (r"(a)|\1", 1),
        (r"[]|]x|y", 2),
        (r"[^]|]|z", 2),
    ]:
        assert len(alternatives(re.compile(source))) == count, source
    index = SearchIndex(patterns)
    for text in _texts():
        for s in re.split(r"(?<=[.!?])\s+", text):
            assert index.search(s) == any(p.search(s) for p in patterns), s


@pytest.mark.parametrize("automaton", [True, False])
def test_any_with_and_without_the_automaton(automaton, monkeypatch):
    from tracker.extract import literals
    from tracker.extract.literals import Probe, StemIndex

    if not automaton:
        monkeypatch.setattr(literals, "_ahocorasick", None)
    vocab = english()
    patterns = [t.pattern for t in vocab.triggers] + [vocab.bare_pause]
    index = StemIndex(patterns)
    for text in _texts():
        may = index.any(Probe(text))
        assert may == StemIndex(patterns).any(text)
        if any(p.search(text) for p in patterns):
            assert may
    assert automaton == bool(index._stems[0])
