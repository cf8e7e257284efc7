"""Literal stems a regular expression needs: a cheap test that lets the extractor skip patterns.

Pure: no I/O. `needs(pattern)` reads a compiled pattern's own syntax tree and returns the
literal strings every match must contain, as groups: for each group, at least one of its
stems occurs in any text the pattern matches. `may_match(need, text, folded)` tests that
with `in` (C speed, no regex), so that of the ~230 actor aliases or ~125 status cues only
the few whose stems occur in a sentence are run. It never changes a result: a pattern whose
stems are absent cannot match, and a pattern whose syntax is not understood gets no stems
(`ALWAYS`) and is always run.

Case-insensitive stems are compared with `fold(text)`: lower case, and the few non-ASCII
letters that Python's `re.IGNORECASE` matches to ASCII letters (dotted and dotless i, long
s, the Kelvin sign) mapped to those letters. Stems are ASCII only.

Reads `re._parser` (the parser behind `re.compile`); on any failure there the pattern is
simply always run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older layout
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

#: Shortest stem worth testing, case-folded / exact-case ("UN", "EU" are selective in exact case).
MIN_FOLDED = 3
MIN_EXACT = 2


def _ascii_equivalents() -> dict[int, str]:
    """Non-ASCII characters that `re.IGNORECASE` matches to an ASCII letter, mapped to it."""
    every = "".join(chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000)
    table: dict[int, str] = {}
    for ch in re.findall(r"[a-z]", every, re.IGNORECASE):
        for letter in "abcdefghijklmnopqrstuvwxyz":
            if re.fullmatch(letter, ch, re.IGNORECASE):
                table[ord(ch)] = letter
                break
    return table


_EQUIV = _ascii_equivalents()


_SPECIAL = tuple(chr(c) for c in _EQUIV)


def fold(text: str) -> str:
    """`text` as case-insensitive stems are compared with it."""
    if text.isascii() or not any(ch in text for ch in _SPECIAL):
        return text.lower()
    return text.translate(_EQUIV).lower()


@dataclass(frozen=True, slots=True)
class Need:
    """Groups of stems; a text may match only if every group has a stem in it."""

    folded: tuple[tuple[str, ...], ...] = ()  # compared with fold(text)
    exact: tuple[tuple[str, ...], ...] = ()  # compared with text as it is


ALWAYS = Need()


def may_match(need: Need, text: str, folded: str) -> bool:
    """False only when the pattern behind `need` cannot match `text` (`folded` is fold(text))."""
    for group in need.folded:
        for stem in group:
            if stem in folded:
                break
        else:
            return False
    for group in need.exact:
        for stem in group:
            if stem in text:
                break
        else:
            return False
    return True


# A stem is (text, folded); a group is a tuple of alternative stems; a need is a list of groups.
_Stem = tuple[str, bool]
_Group = tuple[_Stem, ...]

_IGNORE = int(re.IGNORECASE)


def _sequence(items, ignore: bool) -> list[_Group]:
    """The groups a sequence of parsed items needs."""
    groups: list[_Group] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            text = "".join(run)
            groups.append(((text.lower() if ignore else text, ignore),))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL and av < 128 and not chr(av).isspace():  # stems never hold whitespace
            run.append(chr(av))
            continue
        flush()
        if op is _c.SUBPATTERN:
            _group, add, remove, sub = av
            inner = (ignore or bool(add & _IGNORE)) and not (remove & _IGNORE)
            groups += _sequence(sub.data, inner)
        elif op is _c.BRANCH:
            best = [_best(_sequence(alt.data, ignore)) for alt in av[1]]
            if all(best):
                groups.append(tuple(s for g in best for s in g))  # type: ignore[union-attr]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            lo, _hi, sub = av
            if lo >= 1:
                groups += _sequence(sub.data, ignore)
        # anything else (classes, anchors, look-arounds, backreferences) needs nothing
    flush()
    return [g for g in groups if all(len(t) >= (MIN_FOLDED if f else MIN_EXACT) for t, f in g)]


def _best(groups: list[_Group]) -> _Group | None:
    """The most selective group: the one whose shortest stem is longest."""
    return max(groups, key=lambda g: min(len(t) for t, _ in g), default=None)


def needs(pattern: re.Pattern[str]) -> Need:
    """The stems every match of `pattern` contains (`ALWAYS` when none are known)."""
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
        groups = _sequence(parsed.data, bool(pattern.flags & _IGNORE))
    except Exception:  # an unknown construct: never skip this pattern
        return ALWAYS
    folded = tuple(sorted({tuple(t for t, f in g) for g in groups if all(f for _, f in g)}))
    exact = tuple(sorted({tuple(t for t, f in g) for g in groups if not any(f for _, f in g)}))
    mixed = [g for g in groups if any(f for _, f in g) and not all(f for _, f in g)]
    if mixed:  # a branch with folded and exact stems: compare all of them folded (a superset)
        folded += tuple(tuple(t.lower() for t, _ in g) for g in mixed)
    return Need(folded, exact)


class StemIndex:
    """Many patterns, each filed under one stem group: which of them may match a text.

    Each pattern is filed under its most selective group (exact-case stems preferred at equal
    length); patterns with no stems are always candidates. `candidates()` tests every distinct
    stem once, then the other groups of each pattern found, and returns the indices of the
    patterns that may match, in their original order.
    """

    __slots__ = ("always", "folded", "exact", "needs", "size")

    def __init__(self, patterns: list[re.Pattern[str]] | tuple[re.Pattern[str], ...]) -> None:
        self.size = len(patterns)
        always: list[int] = []
        folded: dict[str, list[int]] = {}
        exact: dict[str, list[int]] = {}
        self.needs = tuple(_ordered(needs(p)) for p in patterns)
        for i, need in enumerate(self.needs):
            options = [(min(map(len, g)) + 0.5, g, exact) for g in need.exact]
            options += [(min(map(len, g)), g, folded) for g in need.folded]
            if not options:
                always.append(i)
                continue
            _, group, table = max(options, key=lambda o: o[0])
            for stem in group:
                table.setdefault(stem, []).append(i)
        self.always = tuple(always)
        self.folded = tuple((s, tuple(ix)) for s, ix in folded.items())
        self.exact = tuple((s, tuple(ix)) for s, ix in exact.items())

    def candidates(self, text: str, folded: str) -> list[int]:
        """Indices of the patterns that may match `text` (`folded` is fold(text)), ascending."""
        found = set(self.always)
        for stem, ix in self.folded:
            if stem in folded:
                found.update(ix)
        for stem, ix in self.exact:
            if stem in text:
                found.update(ix)
        needs = self.needs
        return [i for i in sorted(found) if may_match(needs[i], text, folded)]

    def any(self, text: str, folded: str) -> bool:
        """True when some pattern may match `text`: a cheap test before any regex runs."""
        return any(may_match(need, text, folded) for need in self.needs)


def _ordered(need: Need) -> Need:
    """`need` with its most selective groups (longest shortest stem) first, so tests fail early."""
    def key(g: tuple[str, ...]) -> int:
        return -min(map(len, g))

    return Need(tuple(sorted(need.folded, key=key)), tuple(sorted(need.exact, key=key)))
