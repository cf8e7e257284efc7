"""Split article text into sentences.

Pure: no I/O. Line breaks always end a sentence (headlines come on their own line,
without a final period); inside a paragraph a sentence ends at . ! ? (optionally
followed by closing quotes or brackets) before whitespace and a capital, digit or
opening quote, unless the word before the period is a known abbreviation or an
initial ("U.N."); a contraction ("gov't.") is neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .vocab import Vocab

_END = re.compile(r"""[.!?]+["'\u201d\u2019)\]]*(?=\s+["'\u201c\u2018(\[]?[A-Z0-9])""")
_MARKS = ".!?"  # every match of `_END` starts with one of these
_WORD_BEFORE = re.compile(r"([\w.'\u2019]+)$")  # what `_word_before` reads, as a pattern (for the test)
_WORD_MARKS = frozenset("_.'\u2019")  # with letters and digits (\w), the characters of that word
_LOOKBACK = 40  # characters before a period searched for the abbreviation it may end


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    start: int  # offset in the original text
    paragraph: int  # index of the line/paragraph it came from
    headline: bool = False  # a headline run into its lead on the first line ("Truce to begin Sunday - The army ...")


def _word_before(line: str, end: int) -> str:
    """The run of word characters, dots and apostrophes right before `end`, at most `_LOOKBACK`
    long: what `_WORD_BEFORE.search(line, end - _LOOKBACK, end)` finds, read backwards from
    `end` instead of tried at each of the 40 positions before it (four times faster). Like
    `$`, it ends before a newline that closes `line[:end]`."""
    stop = end - 1 if end and line[end - 1] == "\n" else end
    lo, at = max(0, end - _LOOKBACK), stop
    while at > lo and (line[at - 1].isalnum() or line[at - 1] in _WORD_MARKS):
        at -= 1
    return line[at:stop]


def _is_abbreviation(line: str, end: int, vocab: Vocab) -> bool:
    word = _word_before(line, end)
    if not word:
        return False
    word = word.lower().rstrip(".").lstrip("'\u2019")
    if "'" in word or "\u2019" in word:
        return False  # a contraction ("gov't.", "don't."): no initial, the sentence ends
    if len(word) == 1 and word.isalpha():
        return True  # an initial
    return word in vocab.abbreviations or (("." in word) and len(word.replace(".", "")) <= 3)


#: a headline run into its lead on one line: "Truce to begin Sunday - The army and ...", "... from
#: Sunday: The army and ..." (a dash, or a colon not opening a quotation)
_RUN_IN = re.compile(r"\s+[-\u2013\u2014]\s+(?=[\"'\u201c\u2018]?[A-Z0-9])|:\s+(?=[A-Z](?:[a-z]|\s))")
_DASH = re.compile(r"\s[-\u2013\u2014]\s")
_SPEECH = re.compile(r"\b(?:said|says|say|added|told|stated|declared|announced|warned|wrote|tweeted|posted)\s*$", re.IGNORECASE)
_HEADLINE_MAX = 200  # characters: a longer run before the break is no headline
_LEAD_WORDS = 12  # a shorter first sentence after the break is a subhead, read with the headline


def _run_in(line: str, ends: list[re.Match[str]]) -> int | None:
    """Where the lead starts when the first line opens with a headline run into it: at least four
    words before a dash or colon, no sentence ended before it, not a speaker's colon, and a lead of
    at least `_LEAD_WORDS` words after it."""
    m = _RUN_IN.search(line, 0, _HEADLINE_MAX)
    if m is None or (ends and ends[0].start() < m.start()) or len(line[: m.start()].split()) < 4:
        return None
    stop = next((e.start() for e in ends if e.start() > m.end()), len(line))
    if line[m.start()] != ":" and _DASH.search(line, m.end(), stop):
        return None  # "The ceasefire - Egypt's mediators said on Wednesday - takes effect ...": a paired aside
    if line[m.start()] == ":" and _SPEECH.search(line, 0, m.start()):
        return None
    if len(line[m.end() : stop].split()) < _LEAD_WORDS:
        return None  # "... ceasefire launched: Violations continue as US plan moves on.": a subhead, one with it
    return m.end()


def split(text: str, vocab: Vocab) -> tuple[Sentence, ...]:
    """Sentences of `text`, in order, stripped; empty lines dropped. The first line's headline,
    when run into the lead with a dash or colon, is a sentence of its own."""
    out: list[Sentence] = []
    offset = 0
    for para_index, line in enumerate(text.splitlines(keepends=True)):
        start = 0
        ends = _ends(line)
        if para_index == 0 and (lead := _run_in(line, ends)) is not None:
            _add(out, line[:lead], offset, para_index, headline=True)
            start = lead
        for m in ends:
            if m.group(0).startswith(".") and _is_abbreviation(line, m.start(), vocab):
                continue
            _add(out, line[start : m.end()], offset + start, para_index)
            start = m.end()
        _add(out, line[start:], offset + start, para_index)
        offset += len(line)
    return tuple(out)


def _ends(line: str) -> list[re.Match[str]]:
    """What `_END.finditer(line)` gives, with the pattern tried only where one of `_MARKS` stands
    (found with `str.find`): the regex engine tries a pattern that opens with a repeat at every
    position of the line, which made the scan half the cost of splitting."""
    marks = []
    for ch in _MARKS:
        at = line.find(ch)
        while at >= 0:
            marks.append(at)
            at = line.find(ch, at + 1)
    if len(marks) > 1:
        marks.sort()
    out = []
    after = 0  # like finditer, the next match starts after the last one
    for at in marks:
        if at >= after and (m := _END.match(line, at)):
            out.append(m)
            after = m.end()
    return out


def _add(out: list[Sentence], chunk: str, at: int, para: int, headline: bool = False) -> None:
    stripped = chunk.strip()
    if stripped:
        out.append(Sentence(stripped, at + chunk.index(stripped[0]), para, headline))
