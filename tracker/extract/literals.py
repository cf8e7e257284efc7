"""Literal stems a regular expression needs: a cheap test that lets the extractor skip patterns.

Pure: no I/O. `needs(pattern)` reads a compiled pattern's own syntax tree and returns the
literal strings every match must contain, as groups: for each group, at least one of its
stems occurs in any text the pattern matches. A `StemIndex` files many patterns under their
stems, and `StemIndex.candidates(probe)` returns the few patterns that may match a sentence,
so that of the ~230 actor aliases, ~125 status cues or ~425 place names only those are run.
It never changes a result: a pattern whose stems are absent cannot match, and a pattern
whose syntax is not understood gets no stems (`ALWAYS`) and is always run.

Two cheap tests stand before any regex. A stem known to start a word (it follows a
look-behind such as `(?<![\\w-])`, `\\b`, `^` or whitespace in its pattern) can only occur
where a word of the text starts with its first three letters: `Probe.starts`, the set of
those three-letter word starts, is built once per sentence with one scan, and such stems are
looked up there first. Every other stem is tested with `in`.

Case-insensitive stems are compared with `fold(text)`: lower case, and the few non-ASCII
letters that Python's `re.IGNORECASE` matches to ASCII letters (dotted and dotless i, long
s, the Kelvin sign) mapped to those letters; `fold` keeps every character's position. Stems
are ASCII and never hold whitespace.

Reads `re._parser` (the parser behind `re.compile`); on any failure there the pattern is
simply always run.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older layout
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

try:
    import ahocorasick as _ahocorasick
except ImportError:  # pragma: no cover - a checkout not reinstalled since it came in: the regexes answer
    _ahocorasick = None

#: Shortest stem worth testing, case-folded / exact-case ("UN", "EU" are selective in exact case).
MIN_FOLDED = 3
MIN_EXACT = 2


def ascii_equivalents() -> dict[int, str]:
    """Non-ASCII characters that `re.IGNORECASE` matches to an ASCII letter, mapped to it.

    Scans the Basic Multilingual Plane (about 0.1 s); `_EQUIV` holds the result, and a test
    checks that it still agrees with the running Python.
    """
    every = "".join(chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c < 0xE000)
    table: dict[int, str] = {}
    for ch in re.findall(r"[a-z]", every, re.IGNORECASE):
        for letter in "abcdefghijklmnopqrstuvwxyz":
            if re.fullmatch(letter, ch, re.IGNORECASE):
                table[ord(ch)] = letter
                break
    return table


#: `ascii_equivalents()`: dotted capital I, dotless i, long s, Kelvin sign.
_EQUIV = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_SPECIAL = tuple(chr(c) for c in _EQUIV)
_STARTS = re.compile(r"(?<!\w)\w\w\w")  # the first three characters of every word of 3+


def fold(text: str, lower: str | None = None) -> str:
    """`text` as case-insensitive stems are compared with it (same length, same positions);
    `lower`, when given, is `text.lower()`, already at hand."""
    if text.isascii() or not any(ch in text for ch in _SPECIAL):
        return text.lower() if lower is None else lower
    return text.translate(_EQUIV).lower()


class Probe:
    """One text as the indexes test it: as is, folded, and (computed once, when first asked)
    the three-letter starts of its folded words."""

    __slots__ = ("text", "folded", "_starts")

    def __init__(self, text: str, folded: str | None = None) -> None:
        self.text = text
        self.folded = fold(text) if folded is None else folded
        self._starts: frozenset[str] | None = None

    @property
    def starts(self) -> frozenset[str]:
        if self._starts is None:
            self._starts = frozenset(_STARTS.findall(self.folded))
        return self._starts


def probe(text: str | Probe) -> Probe:
    return text if isinstance(text, Probe) else Probe(text)


@dataclass(frozen=True, slots=True)
class Need:
    """Groups of stems; a text may match only if every group has a stem in it."""

    folded: tuple[tuple[str, ...], ...] = ()  # compared with fold(text)
    exact: tuple[tuple[str, ...], ...] = ()  # compared with text as it is
    initial: frozenset[str] = frozenset()  # folded stems that always start a word of the match


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


# A stem is (text, folded, starts a word); a group is a tuple of alternative stems.
_Stem = tuple[str, bool, bool]
_Group = tuple[_Stem, ...]

_IGNORE = int(re.IGNORECASE)
_REPEATS = tuple(op for op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)) if op is not None)
_NON_WORD_CATEGORIES = (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD, _c.CATEGORY_NOT_DIGIT)


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _non_word_class(items) -> bool:
    """True when a character class holds no word character (`\\s`, `[,;:]`)."""
    for op, av in items:
        if op is _c.LITERAL:
            if _word_char(chr(av)):
                return False
        elif op is _c.CATEGORY:
            if av not in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD):
                return False
        else:
            return False
    return True


def _excludes_word(items) -> bool:
    """True for the body of a negative look-behind that rejects every word character: `[\\w-]`, `\\w`."""
    if len(items) != 1:
        return False
    op, av = items[0]
    return op is _c.IN and any(o is _c.CATEGORY and a is _c.CATEGORY_WORD for o, a in av)


def _sequence(items, ignore: bool, boundary: bool) -> tuple[list[_Group], bool]:
    """The groups a sequence of parsed items needs, and whether it ends after a non-word character.

    `boundary` says that the character before the sequence is not a word character (or that
    the sequence starts the text): a stem that opens the sequence then starts a word.
    """
    groups: list[_Group] = []
    run: list[str] = []
    run_boundary = boundary

    def flush() -> None:
        if run:
            text = "".join(run)
            groups.append(((text.lower() if ignore else text, ignore, run_boundary),))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL and av < 128 and not chr(av).isspace():  # stems never hold whitespace
            if not run:
                run_boundary = boundary
            run.append(chr(av))
            boundary = not _word_char(chr(av))
            continue
        flush()
        if op is _c.LITERAL:
            boundary = not _word_char(chr(av))
        elif op is _c.SUBPATTERN:
            _group, add, remove, sub = av
            inner = (ignore or bool(add & _IGNORE)) and not (remove & _IGNORE)
            found, boundary = _sequence(sub.data, inner, boundary)
            groups += found
        elif op is _c.BRANCH:
            alternatives = [_sequence(alt.data, ignore, boundary) for alt in av[1]]
            best = [_best(found) for found, _ in alternatives]
            if all(best):
                groups.append(tuple(s for g in best for s in g))  # type: ignore[union-attr]
            boundary = all(end for _, end in alternatives)
        elif op in _REPEATS:
            lo, hi, sub = av
            found, end = _sequence(sub.data, ignore, boundary)
            if lo >= 1:
                groups += found
            if hi != 1:  # later rounds start after the sub-pattern itself
                end = end and _sequence(sub.data, ignore, False)[1]
            boundary = end if lo >= 1 else (boundary and end)
        elif op is _c.IN:
            boundary = _non_word_class(av)
        elif op is _c.ASSERT_NOT:
            direction, sub = av
            if not (direction < 0 and _excludes_word(sub.data)):
                pass  # other look-arounds say nothing about the character before
            else:
                boundary = True
        elif op is _c.ASSERT:
            pass
        elif op is _c.AT:
            if av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING, _c.AT_BOUNDARY):
                boundary = True
        else:  # any character, back-references, ...: unknown
            boundary = False
    flush()
    minimum = [g for g in groups if all(len(t) >= (MIN_FOLDED if f else MIN_EXACT) for t, f, _ in g)]
    return minimum, boundary


def _best(groups: list[_Group]) -> _Group | None:
    """The most selective group: the one whose shortest stem is longest."""
    return max(groups, key=lambda g: min(len(t) for t, _, _ in g), default=None)


def needs(pattern: re.Pattern[str] | tuple[str, int]) -> Need:
    """The stems every match of `pattern` (compiled, or its source and flags) contains (`ALWAYS` when none are known)."""
    source, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) else pattern
    try:
        parsed = _p.parse(source, flags)
        groups, _ = _sequence(parsed.data, bool(flags & _IGNORE), False)
    except Exception:  # an unknown construct: never skip this pattern
        return ALWAYS
    folded: set[tuple[str, ...]] = set()
    exact: set[tuple[str, ...]] = set()
    initial: set[str] = set()
    inside: set[str] = set()  # stems found somewhere not at a word's start ("strikes" in "air\s*strikes")
    for g in groups:
        if all(f for _, f, _ in g):
            folded.add(tuple(t for t, _, _ in g))
        elif not any(f for _, f, _ in g):
            exact.add(tuple(t for t, _, _ in g))
        else:  # a branch with folded and exact stems: compare all of them folded (a superset)
            folded.add(tuple(t.lower() for t, _, _ in g))
            continue
        initial.update(t for t, f, start in g if f and start and _STARTS.match(t))
        inside.update(t for t, f, start in g if f and not start)
    return _ordered(Need(tuple(sorted(folded)), tuple(sorted(exact)), frozenset(initial - inside)))


def _ordered(need: Need) -> Need:
    """`need` with its most selective groups (fewest, then longest stems) first, so tests fail early."""

    def key(g: tuple[str, ...]) -> tuple[int, int]:
        return len(g), -min(map(len, g))

    return Need(tuple(sorted(need.folded, key=key)), tuple(sorted(need.exact, key=key)), need.initial)


class StemIndex:
    """Many patterns, each filed under one stem group: which of them may match a text.

    Each pattern is filed under its most selective group (exact-case stems preferred at equal
    length); patterns with no stems are always candidates. Stems that start a word are
    looked up through the text's word starts, the others tested with `in`; then each pattern
    found is checked against all its groups. Indices come back in the patterns' order.
    """

    __slots__ = ("always", "by_start", "start_keys", "loose", "exact", "needs", "size", "_stems")

    def __init__(self, patterns: Sequence[re.Pattern[str] | tuple[str, int]]) -> None:
        self.size = len(patterns)
        always: list[int] = []
        by_start: dict[str, list[tuple[str, int]]] = {}
        loose: dict[str, list[int]] = {}
        exact: dict[str, list[int]] = {}
        self.needs = tuple(needs(p) for p in patterns)
        for i, need in enumerate(self.needs):
            options = [(min(map(len, g)) + 0.5, g, True) for g in need.exact]
            options += [(min(map(len, g)), g, False) for g in need.folded]
            if not options:
                always.append(i)
                continue
            _, group, is_exact = max(options, key=lambda o: o[0])
            for stem in group:
                if is_exact:
                    exact.setdefault(stem, []).append(i)
                elif stem in need.initial:
                    by_start.setdefault(stem[:3], []).append((stem, i))
                else:
                    loose.setdefault(stem, []).append(i)
        self.always = tuple(always)
        self.by_start = {k: tuple(v) for k, v in by_start.items()}
        self.start_keys = frozenset(self.by_start)
        self.loose = tuple((s, tuple(ix)) for s, ix in loose.items())
        self.exact = tuple((s, tuple(ix)) for s, ix in exact.items())
        self._stems = None  # the automaton of every folded stem, for `any` (built when first asked)

    def candidates(self, text: str | Probe) -> list[int]:
        """Indices of the patterns that may match `text`, ascending."""
        p = probe(text)
        folded = p.folded
        found = set(self.always)
        by_start = self.by_start
        if by_start:
            for start in p.starts & self.start_keys:  # a long sentence has hundreds of word starts
                for stem, i in by_start[start]:
                    if i not in found and stem in folded:
                        found.add(i)
        for stem, ix in self.loose:
            if stem in folded:
                found.update(ix)
        raw = p.text
        for stem, ix in self.exact:
            if stem in raw:
                found.update(ix)
        needs = self.needs
        return [i for i in sorted(found) if may_match(needs[i], raw, folded)]

    def any(self, text: str | Probe) -> bool:
        """True when some pattern may match `text`: a cheap test before any regex runs.

        The folded stems are all looked for in one pass over the text (an Aho-Corasick
        automaton, `pyahocorasick`); without it, each distinct stem is looked for once with
        `in` (a text of a few KB costs one to two microseconds per stem)."""
        p = probe(text)
        seen_folded: dict[str, bool] = {}
        seen_exact: dict[str, bool] = {}
        folded, raw = p.folded, p.text
        if self._stems is None:
            stems = {s for need in self.needs for g in need.folded for s in g}
            self._stems = (_automaton(stems), dict.fromkeys(stems, False))
        automaton, absent = self._stems
        if automaton:  # every folded stem looked for in one pass: `seen_folded` holds all the answers
            seen_folded = absent.copy()
            seen_folded.update((s, True) for _, s in automaton.iter(folded))
        for need in self.needs:
            for groups, where, seen in ((need.folded, folded, seen_folded), (need.exact, raw, seen_exact)):
                for group in groups:
                    for stem in group:
                        found = seen.get(stem)
                        if found is None:
                            found = seen[stem] = stem in where
                        if found:
                            break
                    else:
                        break  # this group has no stem: the pattern cannot match
                else:
                    continue
                break
            else:
                return True
        return False


def alternatives(pattern: re.Pattern[str]) -> tuple[re.Pattern[str], ...]:
    """`pattern`'s top-level alternatives ("\\bfoo\\b|\\bbar\\b"), each compiled with its flags;
    `(pattern,)` when it has one, or when they cannot stand alone (a back-reference across
    them, verbose mode). A text has a match of `pattern` exactly when it has one of some
    alternative's, so a yes-or-no question can run only the alternatives whose stems occur."""
    source, flags = pattern.pattern, pattern.flags
    if flags & re.VERBOSE:
        return (pattern,)
    parts, depth, start, i, n = [], 0, 0, 0, len(source)
    while i < n:
        c = source[i]
        if c == "\\":
            i += 1
        elif c == "[":  # a class: "|" and ")" inside it are characters
            i += 1
            if i < n and source[i] == "^":
                i += 1
            if i < n and source[i] == "]":
                i += 1
            while i < n and source[i] != "]":
                i += 2 if source[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    parts.append(source[start:])
    if len(parts) == 1:
        return (pattern,)
    try:
        return tuple(re.compile(part, flags) for part in parts)
    except re.error:
        return (pattern,)


class SearchIndex(StemIndex):
    """A `StemIndex` that also answers one question fast: does any of its patterns match a
    text (`search`)? Each pattern's top-level alternatives (`alternatives`) are filed in an
    index of their own, so that of an "other sense" such as `\\bfootball\\b|\\bsoccer\\b|...`
    (thirty words, each tried at every word boundary of the sentence) only the words whose
    stems occur are run."""

    __slots__ = ("parts", "part_index")

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        super().__init__(patterns)
        self.parts = tuple(part for p in patterns for part in alternatives(p))
        self.part_index = StemIndex(self.parts)

    def search(self, text: str | Probe) -> bool:
        """Whether some pattern has a match in `text`: `any(p.search(text) for p in patterns)`."""
        p = probe(text)
        parts = self.parts
        return any(parts[i].search(p.text) for i in self.part_index.candidates(p))


def _automaton(words: set[str]):
    """An Aho-Corasick automaton (`pyahocorasick`) whose values are its words; False without the
    package or words."""
    if _ahocorasick is None or not words:
        return False
    found = _ahocorasick.Automaton()
    for word in sorted(words):
        found.add_word(word, word)
    found.make_automaton()
    return found


def trie_source(alternation: str) -> str:
    """`alternation` ("a|b|c", as in the data's prefilter) as regex source folded into a trie
    ("st(?:op|ill)") when every alternative is a plain literal; else `alternation` unchanged.

    Python's regex engine tries every alternative at each position where one may start; a
    trie tries one branch, which keeps a scan over a whole text as fast with 50 stems as
    with 15. Matches the same strings as `alternation`.
    """
    plain, other = [], []
    for alt in alternation.split("|"):
        (plain if alt and not any(c in alt for c in ".^$*+?{}[]\\|()") else other).append(alt)
    root: dict = {}
    for word in plain:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        if "" in node:
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    if other or not plain:  # a pattern with assertions is left as written: the trie would not help it
        return alternation
    return emit(root)


_REGEX_CHARS = frozenset(".^$*+?{}[]\\|()")


def _plain(alternative: str) -> bool:
    """A literal alternative, as `trie_source` folds it: not empty, no regex syntax."""
    return bool(alternative) and not any(c in _REGEX_CHARS for c in alternative)


class Scan:
    """Several alternations ("a|b|c", as in the data's prefilter) looked for in one pass over a
    text: `Scan.find(text)` reads the text once and answers, for each, what
    `re.compile(trie_source(alternation))` would (`Found.starts`: the starts its `finditer` gives;
    `Found.any`: whether its `search` finds one).

    The literal alternatives of all of them go into one Aho-Corasick automaton (`pyahocorasick`,
    in C), which finds every occurrence of every literal in a single pass over the text (the
    prefilter's ~120 literals: the prefilter step takes half the time of its three regex scans).
    The starts `finditer` gives are read off the occurrences (the trie's match is the longest
    literal at the leftmost start; the next search starts after it). An alternation with
    other alternatives (`aid(?<=\baid)\b|relief`) answers `starts` with its regex; `any` asks
    its literals first, then each other alternative's own regex. Without `pyahocorasick`
    (or with `automaton=False`) every answer comes from the regexes: slower, the same.
    """

    __slots__ = ("names", "patterns", "literal", "others", "automaton")

    def __init__(self, alternations: dict[str, str], automaton: bool = True) -> None:
        self.names = tuple(alternations)
        self.patterns = {name: re.compile(trie_source(source)) for name, source in alternations.items()}
        self.literal: dict[str, bool] = {}  # every alternative a literal: `starts` from the occurrences
        self.others: dict[str, tuple[re.Pattern[str], ...] | None] = {}  # the rest, for `any`; None: the whole regex
        words: dict[str, int] = {}  # literal -> bit mask of the alternations that hold it
        use = automaton and _ahocorasick is not None
        for bit, (name, source) in enumerate(alternations.items()):
            parts = source.split("|")
            literal = [p for p in parts if _plain(p)]
            try:  # each other part a regex of its own: the split was at the top level, no global flags
                others = tuple(re.compile(p) for p in parts if not _plain(p))
                if self.patterns[name].flags != re.compile("").flags:
                    others = None
            except re.error:
                others = None
            if not use or others is None:
                literal, others = [], None
            self.literal[name] = bool(literal) and len(literal) == len(parts)
            self.others[name] = others
            for word in literal:
                words[word] = words.get(word, 0) | 1 << bit
        self.automaton = None
        if words:
            self.automaton = _ahocorasick.Automaton()
            for word, mask in words.items():
                self.automaton.add_word(word, (len(word), mask))
            self.automaton.make_automaton()

    def find(self, text: str) -> Found:
        """`text` read once: what each alternation finds in it."""
        seen = list(self.automaton.iter(text)) if self.automaton is not None else []
        return Found(self, text, seen)


class Found:
    """What a `Scan` found in one text: every occurrence of its literals, `(end, (length, mask))`."""

    __slots__ = ("scan", "text", "seen")

    def __init__(self, scan: Scan, text: str, seen: list[tuple[int, tuple[int, int]]]) -> None:
        self.scan, self.text, self.seen = scan, text, seen

    def starts(self, name: str) -> list[int]:
        """The starts of the matches `finditer` gives for alternation `name`, in order."""
        scan = self.scan
        if not scan.literal[name]:
            return [m.start() for m in scan.patterns[name].finditer(self.text)]
        bit = 1 << scan.names.index(name)
        longest: dict[int, int] = {}  # start -> the longest literal there
        for end, (length, mask) in self.seen:
            if mask & bit:
                start = end - length + 1
                if longest.get(start, 0) < length:
                    longest[start] = length
        out, after = [], 0
        for start in sorted(longest):
            if start >= after:  # finditer goes on after the match: a literal inside it is not a start
                out.append(start)
                after = start + longest[start]
        return out

    def any(self, name: str) -> bool:
        """Whether `search` finds alternation `name` in the text."""
        scan = self.scan
        others = scan.others[name]
        if others is None:
            return scan.patterns[name].search(self.text) is not None
        bit = 1 << scan.names.index(name)
        return any(mask & bit for _, (_, mask) in self.seen) or any(p.search(self.text) for p in others)


# --------------------------------------------------------------------------- first characters

_CATEGORY_SOURCE = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (_c.ASSERT, _c.ASSERT_NOT)  # look-arounds; anchors and \\b are left to the engine


class _Unknown(Exception):
    """A construct whose first character is not worked out here (any character, a back-reference)."""


def _char(c: int) -> str:
    return f"\\U{c:08x}"


def _class_items(items) -> tuple[bool, str]:
    """(negated, body) of a parsed character class, as regex source for inside [...]."""
    negated, body = False, []
    for op, av in items:
        if op is _c.NEGATE:
            negated = True
        elif op is _c.LITERAL:
            body.append(_char(av))
        elif op is _c.RANGE:
            body.append(_char(av[0]) + "-" + _char(av[1]))
        elif op is _c.CATEGORY and av in _CATEGORY_SOURCE:
            body.append(_CATEGORY_SOURCE[av])
        else:
            raise _Unknown(op)
    return negated, "".join(body)


def _firsts(items, ignore: bool, out: list[tuple[bool, str, bool]]) -> bool:
    """Add to `out` (negated, class body, case-insensitive) for every character a match of the
    parsed sequence `items` can start with; True when the sequence can match the empty string."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the first character comes after it
        if op is _c.AT:  # ^, $, \\b: the engine anchors or skips on these itself, a look-ahead
            raise _Unknown(op)  # in front only slows it (measured)
        if op is _c.LITERAL:
            out.append((False, _char(av), ignore))
            return False
        if op is _c.NOT_LITERAL:
            out.append((True, _char(av), ignore))
            return False
        if op is _c.IN:
            negated, body = _class_items(av)
            out.append((negated, body, ignore))
            return False
        if op is _c.SUBPATTERN:
            _group, add, remove, sub = av
            inner = (ignore or bool(add & _IGNORE)) and not (remove & _IGNORE)
            if not _firsts(sub.data, inner, out):
                return False
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            if not _firsts(av.data if hasattr(av, "data") else av, ignore, out):
                return False
        elif op is _c.BRANCH:
            empty = False
            for alt in av[1]:
                empty = _firsts(alt.data, ignore, out) or empty
            if not empty:
                return False
        elif op in _REPEATS:
            lo, _hi, sub = av
            if not _firsts(sub.data, ignore, out) and lo >= 1:
                return False
        else:  # any character, back-references, conditionals...
            raise _Unknown(op)
    return True


def first_class(pattern: re.Pattern[str]) -> str | None:
    """Regex source (a look-ahead body) that matches the first character of every match of
    `pattern`; None when it is not known or the pattern can match the empty string.

    Read from the pattern's own syntax tree: assertions are skipped, optional parts add the
    characters of what follows, alternatives add all theirs. Case-insensitive parts keep
    their flag, so the class matches what the pattern's own characters match.
    """
    try:
        return _first_class(_p.parse(pattern.pattern, pattern.flags).data, bool(pattern.flags & _IGNORE))
    except Exception:  # an unknown construct: no class
        return None


def _first_class(data, outer: bool) -> str | None:
    found: list[tuple[bool, str, bool]] = []
    try:
        if _firsts(data, outer, found):
            return None
    except _Unknown:
        return None
    plain: dict[bool, list[str]] = {}
    pieces: list[str] = []
    for negated, body, ignore in found:
        ignore = ignore and not outer  # under an outer IGNORECASE a case-sensitive class only widens
        if negated:
            pieces.append(("(?i:[^" if ignore else "[^") + body + ("])" if ignore else "]"))
        else:
            plain.setdefault(ignore, []).append(body)
    for ignore, bodies in plain.items():
        cls = "[" + "".join(dict.fromkeys(bodies)) + "]"
        pieces.append(f"(?i:{cls})" if ignore else cls)
    return pieces[0] if len(pieces) == 1 else "(?:" + "|".join(pieces) + ")"


#: Shortest pattern source worth a look-ahead: a short pattern costs little at each position,
#: and leading all ~2,000 patterns would double the vocabulary's compile time.
LEAD_MIN_LENGTH = 200


def lead(pattern: re.Pattern[str], min_length: int = LEAD_MIN_LENGTH) -> re.Pattern[str]:
    """`pattern`, or the same pattern behind a look-ahead for its first character when it
    opens with a look-around or an optional part (`(?<![\\w])...`, `(?:the\\s+)?...`) and its
    source has at least `min_length` characters.

    Python's regex engine skips ahead to the next possible first character only when it
    can read one off the pattern's opening; a pattern that opens with an assertion is tried
    at every position, each try running its alternatives (the time phrase over a 2 KB
    sentence: ~2 ms, ~40 us with the look-ahead). The look-ahead matches a superset of the
    first characters of every match (`first_class`) and is zero-width, so every search,
    match and group is the same.
    """
    if len(pattern.pattern) < min_length:
        return pattern
    try:
        data = _p.parse(pattern.pattern, pattern.flags).data
    except Exception:
        return pattern
    if not data:
        return pattern
    op, av = data[0]
    if not (op in _ZERO_WIDTH or (op in _REPEATS and av[0] == 0)):
        return pattern  # it opens with what it consumes: the engine already skips ahead
    cls = _first_class(data, bool(pattern.flags & _IGNORE))
    if cls is None:
        return pattern
    try:
        return re.compile("(?=" + cls + ")" + pattern.pattern, pattern.flags)
    except re.error:  # e.g. global inline flags, which must open the pattern
        return pattern


def with_leads(rules, memo: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] | None = None):
    """`rules` (a frozen dataclass of compiled patterns, or a tuple, list or dict of them, nested
    in any way) with every pattern passed through `lead`; anything else is kept as it is. A
    pattern found twice (the places' patterns, also in the time rules' zones) is led once."""
    done = {} if memo is None else memo
    if isinstance(rules, re.Pattern):
        if id(rules) not in done:
            done[id(rules)] = (rules, lead(rules))  # the original is kept so that its id stays its own
        return done[id(rules)][1]
    if isinstance(rules, tuple):
        items = tuple(with_leads(x, done) for x in rules)
        if all(a is b for a, b in zip(items, rules)):
            return rules
        return type(rules)(*items) if hasattr(rules, "_fields") else items
    if isinstance(rules, list):
        return [with_leads(x, done) for x in rules]
    if isinstance(rules, dict):
        return {k: with_leads(v, done) for k, v in rules.items()}
    if dataclasses.is_dataclass(rules) and not isinstance(rules, type):
        changed = {}
        for f in dataclasses.fields(rules):
            if f.init:
                value = getattr(rules, f.name)
                new = with_leads(value, done)
                if new is not value:
                    changed[f.name] = new
        return dataclasses.replace(rules, **changed) if changed else rules
    return rules
