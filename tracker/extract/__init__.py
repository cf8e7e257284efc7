"""Article text -> mentions of pauses (ceasefires, truces, humanitarian pauses, aid corridors, aid access).

Pure: no I/O and no clock. The vocabulary comes from this package's JSON data, read once
at import (`vocab.ENGLISH`); times are resolved against the `published` argument.

    text -> sentences (line breaks always split; the headline is its own line)
         -> triggers used in the pause sense (rules)
         -> per trigger: kind, status (rules), duration (durations), place (places),
            actors and stances (actors), start (when), confidence
         -> one Mention per pause spoken of per sentence

A sentence that opens with "The deal ..." or "The agreement ..." right after a sentence
with a mention, and has no trigger of its own, speaks of the same pause and gives a mention
of the same kind (for its status, duration or start).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ..types import Mention
from . import actors as _actors
from . import durations as _durations
from . import places as _places
from . import rules as _rules
from . import sentences as _sentences
from . import when as _when
from .vocab import ENGLISH, Vocab

__all__ = ["extract", "Extractor", "ENGLISH"]

_PAST = frozenset({"in_effect", "violated", "collapsed", "ended"})


@dataclass(frozen=True, slots=True)
class Extractor:
    """The extractor for one vocabulary, with its grammars compiled. Immutable."""

    vocab: Vocab
    durations: _durations.DurationRules
    when: _when.WhenRules

    @classmethod
    def for_vocab(cls, vocab: Vocab) -> Extractor:
        return cls(vocab, _durations.compile_rules(vocab), _when.compile_rules(vocab))

    def extract(self, text: str, published: datetime | None = None) -> list[Mention]:
        out: list[Mention] = []
        previous: list[Mention] = []
        previous_para = -1
        other_sense_para = -1  # a paragraph about a game, trade, football...: later sentences need a place or actor
        for sentence in _sentences.split(text, self.vocab):
            if _rules.is_other_sense(sentence.text, self.vocab):
                other_sense_para = sentence.paragraph
            found = self._sentence(sentence.text, published)
            if found and sentence.paragraph == other_sense_para:
                found = [m for m in found if m.location or m.actors]
            if not found and previous and sentence.paragraph == previous_para:
                found = self._anaphora(sentence.text, previous[0], published)
            out.extend(found)
            previous, previous_para = found, sentence.paragraph
        return out

    def _blank_dateline(self, sentence: str) -> str:
        m = self.vocab.dateline.match(sentence)
        return " " * m.end() + sentence[m.end() :] if m else sentence

    def _sentence(self, quote: str, published: datetime | None) -> list[Mention]:
        v = self.vocab
        text = self._blank_dateline(quote)
        hits = _rules.triggers(text, v)
        if not hits:
            return []
        spans = _rules.spans(text, hits)
        cues = _rules.cues(text, hits, v)
        actor_hits = _actors.find(text, v)
        acting = tuple(  # names used as actors are not places: "Russia's proposal", "Kyiv rejected"
            (a.start, a.end) for a, s in zip(actor_hits, _actors.stances(text, actor_hits, v)) if s != "mentioned"
        )
        place_hits = _places.find(text, v, tuple((a.start, a.end) for a in actor_hits), acting)
        actors = _actors.actors(text, v, actor_hits)
        mentions: list[Mention] = []
        seen: dict[str, int] = {}
        status_before: str | None = None
        for i, (hit, span) in enumerate(zip(hits, spans)):
            reach = hits[i + 1].start if i + 1 < len(hits) else len(text)
            status = _rules.status(hit, span, cues)
            explicit = status is not None
            status = status or status_before or v.status_default
            status_before = status
            hours = _durations.duration_hours(text, hit.start, hit.end, span[1], self.durations)
            place = _places.choose(text, place_hits, hit.start, hit.end, v)
            start = _when.start(text, span[0], reach, hit.end, published, place.tz if place else None, status in _PAST, self.when)
            confidence = (0.4 if hit.weak else 0.55) + 0.15 * explicit + 0.1 * (place is not None)
            confidence += 0.05 * bool(actors) + 0.05 * (hours is not None)
            mention = Mention(
                kind=hit.kind,
                status=status,
                duration_hours=hours,
                location=place.name if place else None,
                country=place.country if place else None,
                actors=actors,
                start_text=start.text if start else None,
                starts_at=start.at if start else None,
                quote=quote,
                confidence=min(confidence, 0.95),
            )
            if hit.kind in seen:  # the same pause named twice in one sentence: keep one, fill gaps
                i = seen[hit.kind]
                mentions[i] = _merge(mentions[i], mention)
                continue
            seen[hit.kind] = len(mentions)
            mentions.append(mention)
        return mentions

    def _anaphora(self, quote: str, before: Mention, published: datetime | None) -> list[Mention]:
        v = self.vocab
        text = self._blank_dateline(quote)
        m = v.anaphora.match(text.strip())
        if not m:
            return []
        cues = _rules.cues(text, (), v)
        status = _rules.status(_rules.Hit(before.kind, 0, m.end(), True), (0, len(text)), cues) or before.status
        hours = _durations.leading_duration(text[m.end() :], self.durations)
        place = _places.choose(text, _places.find(text, v), 0, m.end(), v)
        tz = place.tz if place else None
        start = _when.start(text, 0, len(text), m.end(), published, tz, status in _PAST, self.when)
        return [
            Mention(
                kind=before.kind,
                status=status,
                duration_hours=hours,
                location=place.name if place else before.location,
                country=place.country if place else before.country,
                actors=_actors.actors(text, v),
                start_text=start.text if start else None,
                starts_at=start.at if start else None,
                quote=quote,
                confidence=0.5,
            )
        ]


def _merge(a: Mention, b: Mention) -> Mention:
    """`a`, with the gaps it leaves filled from `b` (a later naming of the same pause)."""
    return replace(
        a,
        duration_hours=a.duration_hours if a.duration_hours is not None else b.duration_hours,
        location=a.location or b.location,
        country=a.country if a.location else b.country,
        start_text=a.start_text or b.start_text,
        starts_at=a.starts_at if a.start_text else b.starts_at,
        confidence=max(a.confidence, b.confidence),
    )


_DEFAULT = Extractor.for_vocab(ENGLISH)


def extract(text: str, published: datetime | None = None) -> list[Mention]:
    """Mentions of pauses in `text`, in reading order. Pure: no I/O, no clock.

    `published` (timezone-aware) anchors relative times ("on Friday", "at midnight");
    without it `starts_at` is always None.
    """
    return _DEFAULT.extract(text, published)
