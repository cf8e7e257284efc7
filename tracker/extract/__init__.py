"""Article text -> mentions of pauses (ceasefires, truces, humanitarian pauses, aid corridors, aid access).

Pure: no I/O and no clock. The vocabulary comes from this package's JSON data, read once
at import (`vocab.ENGLISH`); times are resolved against the `published` argument.

    text -> sentences (line breaks always split; the headline is its own line)
         -> triggers used in the pause sense (rules)
         -> per trigger: kind, status (rules), duration (durations), place (places),
            actors and stances (actors), start (when), confidence
         -> one Mention per pause spoken of per sentence

Before any of this two cheap gates run over the whole text. The prefilter (compiled
patterns of trigger stems from the data, over the lower-cased text) marks the sentences
worth reading; a text without a hit gives nothing. Then the text must hold the literal
stems of at least one trigger pattern (`literals.StemIndex.any`), else it gives nothing
and is never split. Only marked sentences, or the one right after a sentence with a
mention, are analysed, and inside them only the trigger, cue, actor and place patterns
whose stems occur are run (see `literals`). None of this changes a result: it only skips
patterns that cannot match.
Mentions below `MIN_CONFIDENCE` (a bare trigger with no status cue, place, actor or
duration: "the chances of a truce") are dropped.

A sentence that opens with "The deal ...", "The agreement ..." or "It was/will ..." right
after a sentence with a mention, and has no trigger of its own, speaks of the same pause and
gives a mention of the same kind (for its status, duration or start).

Across sentences of one paragraph (after each sentence is read): a pause named again with
no status cue keeps the status just reported for it; a pause with no place takes the place
the sentence before names in a place's position; the headline's pause takes the lead's
length and place when they agree; and where a side rejects, denies or has not answered, a
pause "agreed" is one side's acceptance, so "proposed" (a unilateral declaration excepted).
A town the curated gazetteer does not know comes from `world` (GeoNames).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from ..types import Mention
from . import actors as _actors
from . import durations as _durations
from . import places as _places
from . import rules as _rules
from . import sentences as _sentences
from . import when as _when
from . import world as _world
from .gazetteer import place_ancestors
from .literals import Probe
from .vocab import ENGLISH, Place, Vocab

__all__ = ["extract", "Extractor", "ENGLISH", "place_ancestors"]

_PAST = frozenset({"in_effect", "violated", "collapsed", "ended"})
_FAMILY = {"ceasefire": "pause", "truce": "pause", "humanitarian_pause": "pause", "aid_corridor": "access", "aid_access": "access"}
_STAGE = {s: i for i, s in enumerate(("called_for", "proposed", "agreed", "in_effect", "extended", "violated", "collapsed", "ended"))}
_BACK_REFERENCE = re.compile(r"(?:^|\s)(?:the|this|that)\s+$", re.IGNORECASE)

#: Mentions below this confidence are not returned (see `Extractor._sentence`).
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class Extractor:
    """The extractor for one vocabulary, with its grammars compiled. Immutable."""

    vocab: Vocab
    durations: _durations.DurationRules
    when: _when.WhenRules

    @classmethod
    def for_vocab(cls, vocab: Vocab) -> Extractor:
        return cls(vocab, _durations.compile_rules(vocab), _when.compile_rules(vocab))

    def extract(self, text: str, published: datetime | None = None, prefilter: bool = True) -> list[Mention]:
        """Mentions in `text`; `prefilter=False` analyses every sentence (for tests of the prefilter)."""
        if prefilter:
            lower = text.lower()
            v = self.vocab
            hits = [m.start() for m in v.prefilter.finditer(lower)]
            if v.prefilter_aid.search(lower) or ("crossing" in lower and v.prefilter_crossing.search(lower)):
                hits += [m.start() for m in v.prefilter_access.finditer(lower)]
            if not hits:
                return []
            if not v.trigger_index.any(Probe(text)):
                return []  # no trigger pattern has its stems anywhere: no sentence can have one
            hits.sort()
            prefilter = len(lower) == len(text)  # offsets agree (lower() can lengthen some letters)
        out: list[Mention] = []
        paras: list[int] = []  # the paragraph of each mention in `out`
        where: list[int] = []  # the sentence of each mention in `out`
        previous: list[Mention] = []
        previous_para = -1
        # A paragraph about a game, trade, football...: its mentions need a place or actor. Whether
        # a sentence has such an other sense is asked only when its paragraph gives a mention:
        # `pending` holds the paragraph's sentences not yet asked, `other_para` the last
        # paragraph found to have one.
        pending: list[str] = []
        pending_para = -1
        other_para = -1

        def note(sentence: _sentences.Sentence) -> None:
            nonlocal pending, pending_para
            if sentence.paragraph != pending_para:
                pending, pending_para = [], sentence.paragraph
            pending.append(sentence.text)

        probes: dict[str, Probe] = {}  # the sentences analysed, as the stem indexes test them

        def other_sense(para: int) -> bool:
            nonlocal pending, other_para
            if other_para != para and pending_para == para and any(
                _rules.is_other_sense(t, self.vocab, probes.get(t)) for t in pending
            ):
                other_para = para
            if pending_para == para:
                pending = []
            return other_para == para

        sentences = _sentences.split(text, self.vocab)
        if prefilter:
            ends = [s.start + len(s.text) for s in sentences]
            marked = [False] * len(sentences)
            i = 0
            for at in hits:
                while i < len(sentences) - 1 and at >= ends[i]:
                    i += 1
                marked[i] = True
            paragraphs = {s.paragraph for s, hit in zip(sentences, marked) if hit}
        for index, sentence in enumerate(sentences):
            if prefilter:
                if sentence.paragraph not in paragraphs:
                    continue
                if not marked[index] and not (previous and sentence.paragraph == previous_para):
                    # only the sentence right before a hit can set the paragraph's other sense
                    if index + 1 < len(sentences) and marked[index + 1]:
                        note(sentence)
                    previous = []
                    continue
            note(sentence)
            unstated: list[bool] = []
            before = sentences[index - 1].text if index and sentences[index - 1].paragraph == sentence.paragraph else None
            found = self._sentence(sentence.text, published, probes, unstated, before)
            if previous and sentence.paragraph == previous_para:
                # "... calling for a ceasefire. The ceasefire would be followed by a withdrawal": with no
                # cue of its own, the pause named again keeps the status just reported for it
                found = [
                    replace(m, status=previous[0].status) if bare and _FAMILY[m.kind] == _FAMILY[previous[0].kind] else m
                    for m, bare in zip(found, unstated)
                ]
            if found and other_sense(sentence.paragraph):
                found = [m for m in found if m.location or m.actors]
            if not found and previous and sentence.paragraph == previous_para:
                found = self._anaphora(sentence.text, previous[0], published)
            out.extend(found)
            paras.extend([sentence.paragraph] * len(found))
            where.extend([index] * len(found))
            previous, previous_para = found, sentence.paragraph
        v = self.vocab
        # A pause in fighting with no humanitarian purpose stated in the text takes its other term.
        other = next((m.kind for m in out if m.kind in ("ceasefire", "truce")), None)
        if other and any(m.kind == "humanitarian_pause" for m in out) and not v.purpose.search(text):
            out = [replace(m, kind=other) if m.kind == "humanitarian_pause" else m for m in out]
        if out and where[0] == 0:
            # The headline's pause is the lead's: "Truce in Gaza to begin shortly" / "... agreed to a
            # 72-hour humanitarian ceasefire". Its gaps are filled from the lead's first mention of the
            # same family at a compatible place.
            lead = next((j for j, w in enumerate(where) if w == 1), None)
            if lead is not None and _FAMILY[out[lead].kind] == _FAMILY[out[0].kind] and (
                not out[0].location
                or not out[lead].location
                or out[0].location == out[lead].location
            ):
                out[0] = _merge(out[0], out[lead])
        # One side accepted while the other rejects, denies or has not answered: a proposal
        # (a unilateral declaration stays agreed).
        agreed = {p for m, p in zip(out, paras) if m.status == "agreed"}
        disputed = {p for p in agreed if v.disputed.search(" ".join(s.text for s in sentences if s.paragraph == p))}
        if disputed:
            out = [
                replace(m, status="proposed") if m.status == "agreed" and p in disputed and not v.unilateral.search(m.quote) else m
                for m, p in zip(out, paras)
            ]
        return out

    def _blank_dateline(self, sentence: str) -> str:
        m = self.vocab.dateline.match(sentence)
        return " " * m.end() + sentence[m.end() :] if m else sentence

    def _sentence(
        self,
        quote: str,
        published: datetime | None,
        probes: dict[str, Probe] | None = None,
        unstated: list[bool] | None = None,
        before: str | None = None,
    ) -> list[Mention]:
        """The sentence's mentions; `unstated`, when given, gets one flag per mention: no status cue of its own.

        `before` is the sentence before it in the paragraph: a pause with no place of its own
        takes the place that sentence names in a place's position ("... the war in the north
        of Ethiopia. The agreement signals the permanent cessation of hostilities").
        """
        v = self.vocab
        text = self._blank_dateline(quote)
        probe = Probe(text)
        if probes is not None:
            probes[text] = probe
        hits = _rules.triggers(text, v, probe, published.year if published else None)
        if not hits:
            return []
        spans = _rules.spans(text, hits)
        cues = _rules.cues(text, hits, v, probe)
        actor_hits = _actors.find(text, v, probe)
        acting = tuple(  # names used as actors are not places: "Russia's proposal", "Kyiv rejected"
            (a.start, a.end) for a, s in zip(actor_hits, _actors.stances(text, actor_hits, v)) if s != "mentioned"
        )
        place_hits = _places.find(text, v, tuple((a.start, a.end) for a in actor_hits), acting, probe)
        actors = _actors.actors(text, v, actor_hits)
        mentions: list[Mention] = []
        seen: dict[str, int] = {}
        stated: set[int] = set()  # indices in `mentions` whose status came from a cue
        defaulted: set[int] = set()  # indices in `mentions` whose status is the vocabulary's default
        status_before: str | None = None
        owners: tuple[_places.PlaceHit, ...] | None = None
        countries: frozenset[str] | None = None  # the countries the sentence names
        for i, (hit, span) in enumerate(zip(hits, spans)):
            reach = hits[i + 1].start if i + 1 < len(hits) else len(text)
            status = _rules.status(hit, span, cues, text) or _rules.own_status(text, hit, v)
            explicit = status is not None
            if not explicit and any(a.stance == "called_for" for a in actors):
                status = "called_for"  # "the UN urged ...": the call is the news
            by_default = not (status or status_before)
            status = status or status_before or v.status_default
            status_before = status
            if _STAGE[status] < _STAGE["agreed"] and (v.talks_after.match(text[hit.end :]) or v.talks_before.search(text[max(0, hit.start - 120) : hit.start])):
                continue  # "ceasefire talks", "efforts to broker a truce": talks, no pause yet
            hours = _durations.duration_hours(text, hit.start, hit.end, span[1], self.durations, extension=status == "extended")
            place = _places.choose(text, place_hits, hit.start, hit.end, v, hit.kind)
            if place is None:  # a town the curated gazetteer does not know: "in Kupiansk"
                if countries is None:
                    countries = frozenset(h.place.country for h in place_hits if h.place.country)
                towns = _world.candidates(text, hit.start, hit.end, v, countries)
                place = _places.choose(
                    text, tuple(_places.PlaceHit(t.place, t.start, t.end) for t in towns), hit.start, hit.end, v, hit.kind
                )
            if place is None:  # "Sudan's army agreed a ceasefire": the party's country
                if owners is None:
                    owners = _places.possessive_countries(text, v, probe)
                place = owners[0].place if owners else None
            placed = place is not None  # confidence counts only a place of the sentence's own
            if place is None and before:
                place = self._context_place(before, hit.kind)
            road = v.place_road.search(text, hit.end, min(len(text), hit.end + 60)) if hit.kind == "aid_corridor" else None
            if road and place is not None:  # "a corridor on Salah al-Din Street in the Gaza Strip": the road, in its place
                place = Place(road.group(1), "site", place.country, place.tz)
            recurrence = next((name for name, p in v.recurrence if p.search(text, span[0], span[1])), None)
            tz = place.tz if place else None
            start = _when.start(text, span[0], reach, hit.end, published, tz, status in _PAST, self.when, probe)
            ends_at = _when.end(
                text, span[0], reach, published, tz, status in ("collapsed", "ended"), self.when, probe, start.at if start else None
            )
            confidence = (0.35 if hit.weak else 0.45) + 0.15 * explicit + 0.1 * placed
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
                recurrence=recurrence,
                ends_at=ends_at,
                start_range=start.range if start else None,
            )
            if hit.kind in seen:  # the same pause named twice in one sentence: keep one, fill gaps
                i = seen[hit.kind]
                mentions[i] = _merge(mentions[i], mention)
                if explicit and i not in stated:  # its status from the naming that states one
                    mentions[i] = replace(mentions[i], status=mention.status)
                    stated.add(i)
                    defaulted.discard(i)
                continue
            earlier = [j for j, m in enumerate(mentions) if _FAMILY[m.kind] == _FAMILY[hit.kind]]
            if earlier and _BACK_REFERENCE.search(text[: hit.start]):
                # "a ceasefire ... was due to take effect, shattering the truce": one pause, two words
                i = earlier[-1]
                later = mention.status if _STAGE[mention.status] > _STAGE[mentions[i].status] and explicit else mentions[i].status
                mentions[i] = replace(_merge(mentions[i], mention), status=later)
                continue
            seen[hit.kind] = len(mentions)
            if explicit:
                stated.add(len(mentions))
            if by_default:
                defaulted.add(len(mentions))
            mentions.append(mention)
        kept = [i for i, m in enumerate(mentions) if m.confidence >= MIN_CONFIDENCE - 1e-9]
        if unstated is not None:
            unstated.extend(i in defaulted for i in kept)
        return [mentions[i] for i in kept]

    def _context_place(self, sentence: str, kind: str) -> Place | None:
        """The place a neighbouring sentence names in a place's position ("in X", "for X"), or None."""
        v = self.vocab
        text = self._blank_dateline(sentence)
        for h in _places.find(text, v):
            before = text[: h.start]
            if h.place.demonym or not v.place_preposition.search(before):
                continue
            if _places._score(h, text, len(text), len(text), v, kind) is None:
                continue  # a venue, a zone, a party
            return h.place
        return None

    def _anaphora(self, quote: str, before: Mention, published: datetime | None) -> list[Mention]:
        v = self.vocab
        text = self._blank_dateline(quote)
        m = v.anaphora.match(text.strip())
        if not m:
            return []
        cues = _rules.cues(text, (), v)
        status = _rules.status(_rules.Hit(before.kind, 0, m.end(), True), (0, len(text)), cues, text) or before.status
        hours = _durations.leading_duration(text[m.end() :], self.durations)
        place = _places.choose(text, _places.find(text, v), 0, m.end(), v, before.kind)
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
                ends_at=_when.end(text, 0, len(text), published, tz, status in ("collapsed", "ended"), self.when, None, start.at if start else None),
                start_range=start.range if start else None,
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
        start_range=a.start_range if a.start_text else b.start_range,
        ends_at=a.ends_at or b.ends_at,
        confidence=max(a.confidence, b.confidence),
    )


_DEFAULT = Extractor.for_vocab(ENGLISH)


def extract(text: str, published: datetime | None = None) -> list[Mention]:
    """Mentions of pauses in `text`, in reading order. Pure: no I/O, no clock.

    `published` (timezone-aware) anchors relative times ("on Friday", "at midnight");
    without it `starts_at` is always None.
    """
    return _DEFAULT.extract(text, published)
