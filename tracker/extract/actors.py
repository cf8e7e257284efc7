"""Actors named in a sentence and their stance towards the pause.

Pure: no I/O. Names are normalised through the alias lists in the data ("U.N. envoy",
"United Nations", "Staffan de Mistura" -> "UN"; "Moscow", "Kremlin", "Russian defence
ministry" -> "Russia"). The stance comes from the verb attached to the actor: the first
stance word in the few words after it ("Russia proposes", "X welcomed", "Russia's
proposal"), skipping actors joined by "and"; or a construction before it ("welcomed by
X", "accused X of"). Otherwise the actor is "mentioned".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..types import Actor
from .literals import Probe
from .vocab import Vocab

_WINDOW = 70
_CLAUSE_END = re.compile(r"[.;!?\u2014]|,\s+(?:saying|who|which|while|but)\b")


@dataclass(frozen=True, slots=True)
class ActorHit:
    name: str
    start: int
    end: int


def find(sentence: str, vocab: Vocab, probe: Probe | None = None) -> tuple[ActorHit, ...]:
    """Actor names in the sentence; overlaps resolve to the longest, then the earlier data entry.

    Only the aliases whose literal stems occur in the sentence are run (`probe`: the
    sentence as `literals.StemIndex` tests it).
    """
    probe = Probe(sentence) if probe is None else probe
    table = vocab.actors
    hits = [
        (ActorHit(table[i].name, m.start(), m.end()), table[i].order)
        for i in vocab.actor_index.candidates(probe)
        for m in table[i].pattern.finditer(sentence)
    ]
    hits.sort(key=lambda x: (-(x[0].end - x[0].start), x[1], x[0].start))
    chosen: list[ActorHit] = []
    for h, _ in hits:
        if all(h.end <= c.start or h.start >= c.end for c in chosen):
            chosen.append(h)
    return tuple(sorted(chosen, key=lambda h: h.start))


_PLACE_BEFORE = re.compile(
    r"(?:^|\s)(?:in|into|across|throughout|inside|around|near)(?:\s+the)?"
    r"(?:\s+(?:north|south|east|west|central)(?:ern)?)?\s*$",
    re.IGNORECASE,
)


def in_place_position(sentence: str, hit: ActorHit) -> bool:
    """Whether the actor's name stands where a place would ("a truce in Bogota"): the place, not a party."""
    return bool(_PLACE_BEFORE.search(sentence, 0, hit.start))


def _stance(sentence: str, hit: ActorHit, hits: tuple[ActorHit, ...], vocab: Vocab) -> str:
    before = sentence[: hit.start]
    if in_place_position(sentence, hit):
        return "mentioned"  # "a truce in Ukraine, urging ...": a place, not a party
    for stance, pattern in vocab.stance_before:
        if pattern.search(before):
            return stance
    window_end = min(len(sentence), hit.end + _WINDOW)
    clause = _CLAUSE_END.search(sentence, hit.end + 1, window_end)
    if clause and not sentence[hit.end : clause.end()].startswith(("'s", "\u2019s")):
        window_end = clause.start()
    pos = hit.end
    # Skip other actors joined to this one ("Israel and Hamas have agreed"); stop at any other.
    for other in hits:
        if other.start < hit.end or other.start >= window_end:
            continue
        if other.name == hit.name or vocab.coordination.match(sentence[pos : other.start].strip() + " "):
            pos = other.end
            continue
        window_end = other.start
        break
    window = sentence[hit.end : window_end]
    best: tuple[int, str] | None = None
    for stance, pattern in vocab.stance_after:
        m = pattern.search(window)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), stance)
    return best[1] if best else "mentioned"


def stances(sentence: str, hits: tuple[ActorHit, ...], vocab: Vocab) -> tuple[str, ...]:
    """The stance of each hit, in the order of `hits`."""
    return tuple(_stance(sentence, h, hits, vocab) for h in hits)


def actors(sentence: str, vocab: Vocab, hits: tuple[ActorHit, ...] | None = None) -> tuple[Actor, ...]:
    """Actors in order of first appearance; an actor's stance is its first one that is not "mentioned"."""
    hits = find(sentence, vocab) if hits is None else hits
    order: list[str] = []
    stance: dict[str, str] = {}
    for h, s in zip(hits, stances(sentence, hits, vocab)):
        if h.name not in stance:
            order.append(h.name)
            stance[h.name] = s
        elif stance[h.name] == "mentioned":
            stance[h.name] = s
    return tuple(Actor(n, stance[n]) for n in order)
