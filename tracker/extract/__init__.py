"""Article text -> mentions of pauses (ceasefires, truces, humanitarian pauses, aid corridors, aid access).

Pure: no I/O and no clock. The vocabulary comes from this package's JSON data, read and
compiled once, on the first `extract()` (`vocab.english()`, `default_extractor()`): importing
this package compiles nothing. Times are resolved against the `published` argument.

    text -> sentences (line breaks always split; the headline is its own line)
         -> triggers used in the pause sense (rules)
         -> per trigger: kind, status (rules), duration (durations), place (places),
            actors and stances (actors), start (when), confidence
         -> one Mention per pause spoken of per sentence

Before any of this two cheap gates run over the whole text. The prefilter (trigger stems
from the data, over the lower-cased text, all looked for in one pass: `literals.Scan`) marks the sentences
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
gives a mention of the same kind (for its status, duration or start); so does one where "it"
is the object of a verb of what happens to a pause once begun ("... accused Hezbollah of
violating it"), when that verb is its status.

Across sentences of one paragraph (after each sentence is read): a pause named again with
no status cue keeps the status just reported for it; a pause of the same family named with
another word in the very next sentence, at no other place, takes the first term's kind (one
pause, as the labels read it: "offered a truce ... introduce a humanitarian pause"); a pause with no place takes the place
the sentence before names in a place's position; the headline's pause takes the lead's
length and place when they agree; and where a side rejects, denies or has not answered, a
pause "agreed" is one side's acceptance, so "proposed" (a unilateral declaration, or one the
sentence says both sides agreed, excepted).
A town the curated gazetteer does not know comes from `world` (GeoNames).

Times (see `when` for how each phrase is read): a sentence that gives no mention but a cued
time right after one that did ("It takes effect at 6 a.m."; the lead after a headline
counts) gives that mention its start or end, or the clock time for the day it named; a
later mention of the same pause (no other place) gives an earlier one its time when that
has none or only a day holding it; a sentence about "it" after a pause with a start but no
end gives the end ("It expires at midnight on Sunday."); start + duration gives the end. When a time had no
zone, the text is read again in the article's zone (`Extractor.extract`); with none, a
wall time gets the zone of the one country all the parties named are in (a non-state
party's home from the data: the Houthis, Yemen) as its best reading, else, no party having
a zone, that of the dateline's place (where the story was filed, never the pause's
`location`), still flagged (`_party_readings`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from ..types import KIND_FAMILY, Mention
from . import actors as _actors
from . import durations as _durations
from . import places as _places
from . import rules as _rules
from . import sentences as _sentences
from . import when as _when
from . import world as _world
from .gazetteer import place_ancestors
from .literals import Probe, fold, with_leads
from .vocab import Place, Vocab, english, once
from .zones import place_zone

__all__ = ["extract", "Extractor", "default_extractor", "english", "place_ancestors", "place_zone"]

_PAST = frozenset({"in_effect", "violated", "collapsed", "ended"})
_AFTER_START = frozenset({"extended", "violated", "collapsed", "ended"})
_FAMILY = KIND_FAMILY
_STAGE = {s: i for i, s in enumerate(("called_for", "proposed", "agreed", "in_effect", "extended", "violated", "collapsed", "ended"))}
# A collapse ends a pause before its term; an extension's length counts from the extension's
# own start, stated in its sentence ("extended for six months starting from 6 February"), not
# from a start read elsewhere: no end from start + duration across sentences for these.
_NO_TERM = frozenset({"extended", "collapsed"})
#: Stages that, said of a pause named as the subject of talks, are the talks' ("talks on a truce collapsed").
_TALKS_TOO = frozenset({"in_effect", "extended", "collapsed", "ended"})
_BEFORE_START = frozenset({"called_for", "proposed", "agreed"})  # stages before a pause begins
_TALKS_ON = re.compile(r"\b(?:talks|negotiations|discussions)\s+(?:on|about|over|for|toward|towards)\s+(?:a|an|the|any)(?:\s+[\w-]+){0,3}\s*$", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?:which|that|since)\b", re.IGNORECASE)  # "talks on the truce, which took effect ...": the truce's
#: a second trigger that names the pause just named: "shattering the truce", "a truce ..., under which guns would fall silent"
_BACK_REFERENCE = re.compile(r"(?:^|\s)(?:the|this|that|(?:under|by|with)\s+which|whereby)\s+$", re.IGNORECASE)

_DATELINE_PIECE = re.compile(r"[,/(]")  # "Beirut/Jerusalem, Nov 27 (EFE).-": the names a dateline holds
_THIRD_PARTY = ("proposed", "called_for", "welcomed")  # stances of mediators and outsiders, more than of the sides
_CLOCKISH = re.compile(r"\d|midnight|noon|midday", re.IGNORECASE)
#: the pause as the object of its own ending ("the suspension of the bilateral ceasefire took effect at 6 p.m.")
_ENDING_OF = re.compile(
    r"\b(?:(?:suspension|termination|cancell?ation|revocation|lifting|scrapping|end)\s+of"
    r"|(?:suspend|terminat|revok|cancel|scrapp?)\w*)\s+(?:the\s+|a\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,3}$",
    re.I,
)  # also "suspended its bilateral ceasefire ... from 00:00 on Wednesday"
#: a later sentence that opens by naming the pause back ("The pause will run from 8 a.m. ...")
_BACK_SUBJECT = re.compile(r"\s*(?:The|This|That)\s+(?:[\w-]+\s+)?(?:pause|truce|cease-?fire|halt|lull|moratorium)\b", re.I)
#: a later sentence whose subject is the pause's ending or its extension
_ENDING_SUBJECT = re.compile(r"\s*(?:The|Its|This)\s+(?:suspension|termination|closure|lifting|cancell?ation)\b", re.I)
#: the extension's own start told ("with the extension taking effect at", "the renewal begins at")
_EXTENSION_STARTS = re.compile(
    r"\b(?:extension|renewal|prolongation)\s+(?:\w+\s+){0,2}?(?:tak(?:es|ing)\s+effect|begins?|beginning|starts?|starting|runs?\s+from)\s+(?:at\s+|on\s+|from\s+)?$", re.I
)
#: the new term an extension sets, named in a later sentence ("The extended truce will hold until ...",
#: "... and the new period ends at 11:59 p.m. on March 4", "The new cut-off is midnight on Tuesday")
_NEW_TERM = re.compile(
    r"\b(?:the\s+)?(?:new\s+(?:period|term|cut-?off|deadline|expiry|end\s+date)|(?:extended|renewed|prolonged)\s+(?:truce|cease-?fire|pause|period)"
    r"|(?:extension|renewal)\s+(?:would|will|is\s+to|was\s+to)\s+(?:run|begin|start|last|take\s+effect))\b", re.I
)
_EXTENSION_SUBJECT = re.compile(r"\s*(?:The|Its|This)\s+(?:extension|renewal|prolongation)\b", re.I)
#: a trigger that is itself the access closing ("closed the Rafah crossing", "shut the border")
_CLOSING = re.compile(r"\b(?:clos(?:ed|es|ing)|shut(?:s|ting)?|seal(?:ed|s|ing))\b", re.I)
_IT = re.compile(r"\b(?:it|It)\b")  # the pause just named, as a later sentence's subject

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
        """The extractor for `vocab`; every pattern that opens with an assertion gets a
        look-ahead for its first character (`literals.lead`: the same matches, found faster)."""
        rules = (vocab, _durations.compile_rules(vocab), _when.compile_rules(vocab))
        memo: dict = {}  # one led copy of a pattern the three share
        return cls(*(with_leads(r, memo) for r in rules))

    def extract(self, text: str, published: datetime | None = None, prefilter: bool = True) -> list[Mention]:
        """Mentions in `text`; `prefilter=False` analyses every sentence (for tests of the prefilter).

        An article-level pass: when a time was read without any zone (no stated zone, no place
        for its mention), the text is read again with the article's zone, that of its first
        mention with a place, else of the first place in the headline (its first line).
        """
        out = self._pass(text, published, prefilter, None, None)
        year = None
        if published is None and any(m.start_text and m.starts_at is None and m.start_range is None for m in out):
            year = _when.article_year(text, self.when)  # dates without a year take the article's
        # no publication date: weekdays and bare clock times count from the text's first full
        # date ("As of Friday, December 1, 2023"), flagged (`_doubt_anchor`)
        anchor = _when.article_date(text, self.when) if published is None and out else None
        zone = self._article_zone(text, out) if any(m.start_zone == "unknown" or m.end_zone == "unknown" for m in out) else None
        if zone is not None or year is not None or anchor is not None:
            out = self._pass(text, published, prefilter, zone, year, anchor)
        if anchor is not None:
            out = [_doubt_anchor(m, anchor, self.when) for m in out]
        if zone is not None and not any(m.location for m in out):
            out = _doubt_zone(out, zone, {h.place.tz for h in _places.find(text, self.vocab) if h.place.tz})
        wide = self.when.wide_countries
        out = [_spread(m, place_zone(m.location), wide[m.location]) if m.location in wide else m for m in out]
        out = [_spread(m, place_zone(None, m.country), zones) if (zones := _border_zones(m.location)) else m for m in out]
        out = _derive_ends(_carry_times(out))
        # a window another naming told as daily is daily here too ("... a three-day campaign. Fighting
        # will stop from 0600 to 1500 each day")
        daily = {(m.starts_at, m.ends_at) for m in out if m.recurrence == "daily"}
        out = [_last_window(m if m.recurrence or (m.starts_at, m.ends_at) not in daily else replace(m, recurrence="daily"), self.durations) for m in out]
        unknown = zone is None and any(m.start_zone == "unknown" or m.end_zone == "unknown" for m in out)
        if not any(m.start_zone == "unknown" or m.end_zone == "unknown" for m in out):
            return out
        filed = self._dateline_zone(text) if unknown else None
        # no dateline either: the stamp's own offset, when it has one ("09:30+02:00"), is the outlet's clock
        stamp = published.tzinfo if unknown and filed is None and published is not None and published.utcoffset() else None
        return _party_readings(out, self.vocab.actor_homes, filed, self._mediators(text), stamp)

    def _dateline_zone(self, text: str) -> str | None:
        """The zone of the place the text's dateline names ("KINSHASA \u2013", "NAY PYI TAW, 21 May \u2013",
        "Tyre (Lebanon):"), on one of its first lines: the curated gazetteer's, else the town's in
        GeoNames. Where the story was filed, not the pause's place: only a fallback clock."""
        head = text.lstrip()[:600]
        # its first lines, or the first sentences ("Truce agreed in Maguindanao town. COTABATO CITY — ...")
        for line in [*head.split("\n", 3)[:3], *(s.text for s in _sentences.split(head, self.vocab)[1:3])]:
            m = self.vocab.dateline.match(line.strip())
            if not m:
                continue
            for piece in _DATELINE_PIECE.split(m.group(0)):
                name = piece.strip(" .:-\u2013\u2014)")
                if not name or any(c.isdigit() for c in name):
                    continue
                if tz := place_zone(name):
                    return tz
                known = _world._known_keys()
                k = _world.key(name)
                if known is None or _world._known(k, known):
                    towns = [t for t in _world.towns().get(k, ()) if t.population >= _world.MIN_POPULATION]
                    if towns:
                        return towns[0].place.tz
            return None
        return None

    def _article_zone(self, text: str, mentions: list[Mention]) -> str | None:
        v = self.vocab
        for m in mentions:
            if m.location:
                for pattern, place in v.places:
                    hit = pattern.match(m.location)
                    if hit and hit.end() == len(m.location):
                        return place.tz
        headline = text.lstrip().split("\n", 1)[0]
        mediators = self._mediators(text)
        hits = [h for h in _places.find(headline, v) if (h.place.country or h.place.name) not in mediators]
        if not hits:
            return None  # "Qatar's foreign ministry said the pause ...": a mediator's clock is no pause's
        wide = self.when.wide_countries.get(hits[0].place.name)
        if wide and (filed := self._dateline_zone(text)) and _within(filed, wide):
            return filed  # "JAYAPURA, Indonesia - Indonesian troops ...": of a country's clocks, the dateline's
        return hits[0].place.tz

    def _mediators(self, text: str) -> frozenset[str]:
        """The states that mediate, never a zone for a pause (`places.mediators_in`): the usual
        mediators not named as a side, and those the text names as hosting, brokering or
        mediating the talks ("Egypt, which brokered the truce")."""
        return _places.mediators_in(text, self.vocab)

    def _pass(
        self, text: str, published: datetime | None, prefilter: bool, zone: str | None, year: int | None,
        anchor: datetime | None = None,
    ) -> list[Mention]:
        """One reading of the text; `anchor`, for an article without `published`, is what its
        times count from (the status rules still see no publication date)."""
        told = published or anchor
        if prefilter:
            lower = text.lower()
            v = self.vocab
            found = v.prefilter_scan.find(lower)  # the three prefilter patterns in one pass (`literals.Scan`)
            hits = found.starts("pause")
            if found.any("aid") or ("crossing" in lower and v.prefilter_crossing.search(lower)):
                hits += found.starts("access")
            if not hits:
                return []
            if not v.trigger_index.any(Probe(text, fold(text, lower))):
                return []  # no trigger pattern has its stems anywhere: no sentence can have one
            hits.sort()
            prefilter = len(lower) == len(text)  # offsets agree (lower() can lengthen some letters)
        out: list[Mention] = []
        paras: list[int] = []  # the paragraph of each mention in `out`
        where: list[int] = []  # the sentence of each mention in `out`
        bare: list[bool] = []  # whether each mention in `out` has no status cue of its own
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
        plain: set[str] = set()  # sentences whose triggers were kept: `triggers` found no other sense in them

        def other_sense(para: int) -> bool:
            nonlocal pending, other_para
            if other_para != para and pending_para == para and any(
                t not in plain and _rules.is_other_sense(t, self.vocab, probes.get(t)) for t in pending
            ):
                other_para = para
            if pending_para == para:
                pending = []
            return other_para == para

        sentences = _sentences.split(text, self.vocab)
        named: list[frozenset[str]] = []

        def article_countries() -> frozenset[str]:
            """The countries the article names anywhere (found once, when a town is first looked up)."""
            if not named:
                named.append(frozenset(
                    h.place.country for s in sentences for h in _places.find(self._blank_dateline(s.text), self.vocab) if h.place.country
                ))
            return named[0]

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
            # the sentence goes on from the previous one's mention: same paragraph, or the lead
            # right after a headline that had one
            goes_on = bool(previous) and (sentence.paragraph == previous_para or index == 1)
            if prefilter:
                if sentence.paragraph not in paragraphs and not goes_on:
                    continue
                if not marked[index] and not goes_on:
                    # only the sentence right before a hit can set the paragraph's other sense
                    if index + 1 < len(sentences) and marked[index + 1]:
                        note(sentence)
                    previous = []
                    continue
            note(sentence)
            unstated: list[bool] = []
            # the sentence before in the paragraph, or the headline above the lead: it may lend a place
            before = sentences[index - 1].text if index and (sentences[index - 1].paragraph == sentence.paragraph or index == 1) else None
            head = sentences[0].text if index == 1 and sentences[0].headline else None
            found = self._sentence(sentence.text, published, probes, zone, year, unstated, before, article_countries, anchor, plain, head)
            if found and published and self._old_scene(sentences, index, published.year):
                found = []  # "In the summer of 1995, ... A ceasefire had been agreed.": the paragraph tells of an old year
            from_sentence = bool(found)
            if previous and sentence.paragraph == previous_para:
                # "... calling for a ceasefire. The ceasefire would be followed by a withdrawal": with no
                # cue of its own, the pause named again keeps the status just reported for it
                found = [
                    replace(m, status=previous[0].status) if bare and _FAMILY[m.kind] == _FAMILY[previous[0].kind] else m
                    for m, bare in zip(found, unstated)
                ]
            if found and other_sense(sentence.paragraph):
                found = [m for m in found if m.location or m.actors]
            if not found and goes_on:
                found = self._anaphora(sentence.text, previous[0], told, zone, year) if sentence.paragraph == previous_para else []
                if out and out[-1] is previous[-1] and (moved := self._extended_later(out[-1], sentence.text, found)) is not None:
                    # "The truce was due to run out at 9:45 p.m. on Monday. ... agreed to extend it by five days."
                    out[-1] = moved
                    found = [replace(m, ends_at=moved.ends_at, end_range=moved.end_range, end_precision=moved.end_precision,
                                     end_zone=moved.end_zone, end_local=None) for m in found]
                    previous = previous[:-1] + [out[-1]]
                if not found and out and out[-1] is previous[-1]:
                    # "The accord ... comes into force on Thursday at 9 pm": a time in the next sentence
                    out[-1] = self._later_time(sentence.text, out[-1], told, zone, year)
                    if out[-1].duration_hours is None and out[-1].status != "extended":
                        # "The army has said it will last three days": its length
                        hours = _durations.later_duration(self._blank_dateline(sentence.text), self.durations)
                        if hours is not None:
                            out[-1] = _with_length(out[-1], hours)
                    previous = previous[:-1] + [out[-1]]  # the same pause, now with what this sentence gave it
            if (
                found and goes_on and out and out[-1] is previous[-1] and _BACK_SUBJECT.match(sentence.text)
                and all(_FAMILY[m.kind] != _FAMILY[previous[-1].kind] for m in found)
            ):
                # "... would halt air strikes on Aleppo for eight hours on Thursday. The pause will run from
                # 8 a.m. to 4 p.m., ... and two corridors will be opened": the time is the pause's, named back
                out[-1] = self._later_time(sentence.text, out[-1], told, zone, year)
                previous = previous[:-1] + [out[-1]]
            if found and previous and sentence.paragraph == previous_para:
                found = [self._end_after(sentence.text, previous[-1], m, told, zone, year) for m in found]
                found = [_from_old_term(previous[-1], m, sentence.text) for m in found]
            out.extend(found)
            bare.extend(unstated if from_sentence and len(unstated) == len(found) else [False] * len(found))
            paras.extend([sentence.paragraph] * len(found))
            where.extend([index] * len(found))
            if found or not goes_on or not self.durations.reference.search(sentence.text):
                # a sentence that speaks of the pause without naming it anew ("the pause will
                # continue until 1600 GMT") keeps the story going: the next may still give its length
                previous, previous_para = found, sentence.paragraph
        v = self.vocab
        if any(bare):
            # "... a possible deadline for a truce agreement. There is no truce in sight.": in a paragraph
            # that denies or dismisses a pause, one named with no status of its own is talk, not news
            denying = {
                p for p in {p for p, b in zip(paras, bare) if b}
                if any(s.paragraph == p and _rules.is_denial(s.text, v, probes.get(s.text)) for s in sentences)
            }
            if denying:
                keep = [i for i, (p, b) in enumerate(zip(paras, bare)) if not (b and p in denying)]
                out, paras, where = [out[i] for i in keep], [paras[i] for i in keep], [where[i] for i in keep]
        # A pause in fighting with no humanitarian purpose stated in the text takes its other term.
        other = next((m.kind for m in out if m.kind in ("ceasefire", "truce")), None)
        if other and any(m.kind == "humanitarian_pause" for m in out) and not v.purpose.search(text):
            out = [replace(m, kind=other) if m.kind == "humanitarian_pause" else m for m in out]
        out = _one_term(out, paras, where)  # after it: a generic pause's kind is the other term's
        out = _named_crossing(out, paras, where, v)
        if out and where[0] == 0:
            # The headline's pause is the lead's: "Truce in Gaza to begin shortly" / "... agreed to a
            # 72-hour humanitarian ceasefire". Its gaps are filled from the lead's first mention of the
            # same family at a compatible place.
            lead = next((j for j, w in enumerate(where) if w == 1), None)
            head, body = out[0], out[lead] if lead is not None else None
            if body is not None and _FAMILY[body.kind] == _FAMILY[head.kind]:
                if not head.location or not body.location or head.location == body.location:
                    out[0] = _merge(head, body, lead=True)
                elif head.location == head.country == body.country and _is_headline(sentences[0].text, v):
                    # "Pause in Syria" over "... a pause in the assault on Ghouta": the headline
                    # names the country, the lead the pause's own, local level
                    out[0] = replace(_merge(head, body, lead=True), location=body.location, country=body.country)
        # One side accepted while the other rejects, denies or has not answered: a proposal
        # (a unilateral declaration, or "the sides agreed", stays agreed).
        agreed = {p for m, p in zip(out, paras) if m.status == "agreed"}
        disputed = {p for p in agreed if v.disputed.search(" ".join(s.text for s in sentences if s.paragraph == p))}
        if disputed:
            out = [
                replace(m, status="proposed") if m.status == "agreed" and p in disputed and not v.settled.search(m.quote) else m
                for m, p in zip(out, paras)
            ]
        return out

    def _old_scene(self, sentences: list[_sentences.Sentence], index: int, year: int) -> bool:
        """Whether a sentence before this one in its paragraph (up to three back) sets the scene in a
        year well before the publication's ("In the summer of 1995, ...", "Back in March 2004, ..."), and
        this one tells of nothing current or to come."""
        hist, here = self.vocab.history, sentences[index]
        for j in range(index - 1, max(-1, index - 4), -1):
            if sentences[j].paragraph != here.paragraph:
                break
            scene = hist["scene_before"].match(sentences[j].text)
            if scene and int(scene.group("year")) < year - 1:
                return not (hist["year_late_current"].search(here.text) or hist["future"].search(here.text))
        return False

    def _blank_dateline(self, sentence: str) -> str:
        m = self.vocab.dateline.match(sentence)
        return " " * m.end() + sentence[m.end() :] if m else sentence

    def _sentence(
        self,
        quote: str,
        published: datetime | None,
        probes: dict[str, Probe] | None = None,
        zone: str | None = None,
        year: int | None = None,
        unstated: list[bool] | None = None,
        before: str | None = None,
        article_countries=None,
        anchor: datetime | None = None,
        plain: set[str] | None = None,
        head: str | None = None,
    ) -> list[Mention]:
        """The sentence's mentions; `unstated`, when given, gets one flag per mention: no status cue of its own.

        `article_countries()`, when given, names the countries of the whole article: a town the
        curated gazetteer does not know is looked up among those too ("Bor" in an article about
        South Sudan), not only among the sentence's.

        `zone` is the article's zone for times read without one, `year` the year of an undated
        article (see `Extractor.extract`). `before` is the sentence before it in the paragraph:
        a pause with no place of its own takes the place that sentence names in a place's
        position ("... the war in the north of Ethiopia. The agreement signals the permanent
        cessation of hostilities").
        """
        v = self.vocab
        text = self._blank_dateline(quote)
        probe = Probe(text)
        if probes is not None:
            probes[text] = probe
        hits = _rules.triggers(text, v, probe, published.year if published else None, published.month if published else None)
        if not hits:
            return []
        if plain is not None:
            plain.add(text)  # triggers kept: no other sense (`rules.triggers` tests it), not asked again
        spans = _rules.spans(text, hits)
        cues = _rules.cues(text, hits, v, probe)
        actor_hits = _actors.find(text, v, probe)
        stances = _actors.stances(text, actor_hits, v)
        acting = tuple(  # names used as actors are not places: "Russia's proposal", "Kyiv rejected"
            (a.start, a.end) for a, s in zip(actor_hits, stances) if s != "mentioned"
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
        taken: tuple[tuple[int, int], ...] | None = None  # spans no town may overlap
        placed_at: dict[int, Place | None] = {}  # the place of each mention in `mentions`
        for i, (hit, span) in enumerate(zip(hits, spans)):
            reach = hits[i + 1].start if i + 1 < len(hits) else len(text)
            status = _rules.status(hit, span, cues, text)
            own = _rules.own_status(text, hit, v)
            if own == "in_effect" and status in _BEFORE_START:
                status = own  # "guns went silent under an understanding reached": the trigger tells it happened
            if not (status or own) and _rules.KEPT.match(text, hit.start) and not text[max(0, hit.start - 4) : hit.start].lower().endswith("to "):
                own = "in_effect"  # "would keep the crossing open"; not "want Israel to keep the crossing open": a demand
            status = status or own
            explicit = status is not None
            if not explicit and any(a.stance == "called_for" for a in actors):
                status = "called_for"  # "the UN urged ...": the call is the news
            by_default = not (status or status_before)
            if by_default and v.talk_generic.search(text):
                continue  # "In my view, a ceasefire in Sudan is the only way forward": no cue, an opinion or example
            status = status or status_before or v.status_default
            if status == "called_for" and v.plan_call.search(text, max(0, hit.start - 120), hit.start):
                status = "proposed"  # "a previous version of the draft called for an initial pause": a plan's terms
            status_before = status
            talks_did = status in _TALKS_TOO and any(
                c.status == status and c.start >= hit.end and not _RELATIVE.search(text, hit.end, c.start) for c in cues
            )
            if talks_did:  # talks, not an attempt or effort: "the attempt at a ceasefire has failed" is the pause's
                talks_did = bool(v.talks_after.match(text[hit.end :]) or _TALKS_ON.search(text, max(0, hit.start - 80), hit.start))
            if (_STAGE[status] < _STAGE["agreed"] or talks_did) and (
                v.talks_after.match(text[hit.end :]) or v.talks_before.search(text[max(0, hit.start - 120) : hit.start])
            ):
                # "ceasefire talks", "efforts to broker a truce": talks, no pause yet (and talks that
                # began, collapsed, ended or were extended are news of the talks)
                continue
            if status not in ("agreed", "proposed", "called_for") and v.talks_only.match(text[hit.end :]):
                continue  # "ceasefire talks began at 9:40", "truce talks collapsed": the talks' stage, not a pause's
            hours = _durations.duration_hours(text, hit.start, hit.end, span[1], self.durations, extension=status == "extended")
            # one pool: the curated names and the world's towns in a place's position ("in Kupiansk"),
            # scored alike, so that a town the curated list lacks still beats its country
            def sentence_countries() -> frozenset[str]:  # asked only once a town is found
                nonlocal countries
                if countries is None:
                    countries = frozenset(h.place.country for h in place_hits if h.place.country)
                    if article_countries is not None:
                        countries |= article_countries()
                return countries

            if taken is None:  # the curated places and the actors ("on Hamas": a party): no town there
                taken = tuple((h.start, h.end) for h in place_hits) + tuple(
                    (a.start, a.end) for a in actor_hits
                    if not _actors.in_place_position(text, a) or _world.key(text[a.start : a.end]) in _world._venues(v)
                )  # "a truce in Bogota": the city ("mediators in Doha": a venue, never the place)
            towns = [
                _places.PlaceHit(t.place, t.start, t.end)
                for t in _world.candidates(text, hit.start, hit.end, v, sentence_countries, taken)
            ]
            place = _places.choose(text, place_hits + tuple(towns), hit.start, hit.end, v, hit.kind)
            if place is None:  # "Sudan's army agreed a ceasefire": the party's country
                if owners is None:
                    owners = _places.possessive_countries(text, v, probe)
                sides = frozenset(a.name for a, s in zip(actor_hits, stances) if s not in _THIRD_PARTY) & _places.country_names()
                place = _places.owner(owners, text, hit.end, v, sides)
            placed = place is not None  # confidence counts only a place of the sentence's own
            if place is None and before:
                place = self._context_place(before, hit.kind)
            if place is None and head:  # the lead of a headline run into it: the headline's place ("Gaza pause to start Friday - ...")
                place = _places.choose(head, _places.find(head, v), len(head), len(head), v, hit.kind)
            road = v.place_road.search(text, hit.end, min(len(text), hit.end + 60)) if hit.kind == "aid_corridor" else None
            if road and place is not None:  # "a corridor on Salah al-Din Street in the Gaza Strip": the road, in its place
                place = Place(road.group(1), "site", place.country, place.tz)
            recurrence = next((name for name, p in v.recurrence if p.search(text, span[0], span[1])), None)
            tz = place.tz if place else zone
            start, end = _when.times(
                text, span[0], reach, hit.end, published or anchor, tz, status in _PAST, status in ("collapsed", "ended"), self.when, probe, year
            )
            if hours and start is not None and start.at is not None and end is not None and end.at is not None and _when.clock_only(end.text, self.when):
                # "the 30-hour truce, which began at 6 p.m. on Saturday, expired at midnight": the
                # midnight its length reaches, not the first one after its start
                term = start.at + timedelta(hours=hours)
                days = round((term - end.at) / timedelta(days=1))
                if days and abs(end.at + timedelta(days=days) - term) <= timedelta(hours=1):
                    step = timedelta(days=days)
                    end = replace(end, at=end.at + step, range=_moved(end.range, step), local=None)
            if start is not None and end is None and status in ("ended", "collapsed") and _ENDING_OF.search(text, max(0, hit.start - 60), hit.start):
                # "the suspension of the ceasefire took effect at 6 p.m.", "suspended its ceasefire from 00:00 on
                # Wednesday": when the pause ended (or ends: the day nearest publication)
                end, start = _when.read_end(start.text, published or anchor, tz, None, self.when, year) or start, None
            elif start is not None and end is None and status == "ended" and _CLOSING.search(text, hit.start, hit.end):
                # "Chad closed the Tine crossing to aid convoys at 18:00 on Monday": when the access ended
                end, start = _when.read_end(start.text, published or anchor, tz, True, self.when, year), None
            if status == "extended" and end is not None and (end.at is not None or end.local) and _when.end_before_extension(text, end):
                if hours:  # "which was due to expire at 7 a.m. on Thursday, was extended by 24 hours": the new end
                    step = timedelta(hours=hours)
                    end = replace(
                        end, at=end.at + step if end.at else None, range=_moved(end.range, step),
                        local=_shift_local(end.local, step) if end.at is None else None,  # a wall time in no zone moves too
                        notes=end.notes + (f"the end told before the extension, moved by its {hours:g} hour" + ("" if hours == 1 else "s"),),
                    )
                else:  # "extended the truce, which had been due to end on Friday, until the end of talks": the old term, no new end
                    end = _when.Start(end.text, None, None, None, None, end.notes + ("the term before the extension, whose new end is not told: dropped",))
            confidence = (0.35 if hit.weak else 0.45) + 0.15 * explicit + 0.1 * placed
            confidence += 0.05 * bool(actors) + 0.05 * (hours is not None)
            mention = Mention(
                kind=hit.kind,
                status=status,
                duration_hours=hours,
                location=place.name if place else None,
                country=place.country if place else None,
                actors=actors,
                quote=quote,
                confidence=min(confidence, 0.95),
                recurrence=recurrence,
                **_time_fields(start, end, hours, recurrence, not self._old_start(status, start, text)),
            )
            if hit.kind in seen:  # the same pause named twice in one sentence: keep one, fill gaps
                i = seen[hit.kind]
                mentions[i] = _merge(mentions[i], mention, self.when)
                if place is not None and place.type in _OWN_LEVEL and (placed_at.get(i) is None or placed_at[i].type not in _OWN_LEVEL):
                    # "trucks arrived in Darfur through the newly opened Adre crossing": the crossing is the pause's own level
                    mentions[i] = replace(mentions[i], location=place.name, country=place.country)
                    placed_at[i] = place
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
            placed_at[len(mentions)] = place
            if explicit:
                stated.add(len(mentions))
            if by_default:
                defaulted.add(len(mentions))
            mentions.append(mention)
        kept = [i for i, m in enumerate(mentions) if m.confidence >= MIN_CONFIDENCE - 1e-9]
        if unstated is not None:
            unstated.extend(i in defaulted for i in kept)
        return [mentions[i] for i in kept]

    def _extended_later(self, before: Mention, sentence: str, found: list[Mention]) -> Mention | None:
        """`before`, whose end was told, extended by the length the next sentence gives ("... was due
        to run out at 9:45 p.m. on Monday. Mediators said both sides had agreed to extend it by five
        days."; "it had been extended by another 48 hours"), or None when the sentence extends nothing."""
        said = found[0].status == "extended" if found else bool(_when._EXTEND.search(sentence) and _IT.search(sentence))
        if not said or before.ends_at is None or any(m.ends_at for m in found):
            return None
        hours = _durations.later_duration(self._blank_dateline(sentence), self.durations)
        if not hours:
            return None
        step = timedelta(hours=hours)
        return replace(
            before, status="extended", ends_at=before.ends_at + step,
            end_range=_moved(before.end_range, step), end_local=None,
            time_notes=before.time_notes + (f"the end told before, moved by the {hours:g} hours of the extension the next sentence tells",),
        )

    def _old_start(self, status: str, start, text: str = "") -> bool:
        """Whether an extension's start is the pause's own ("the truce, which began at 7 a.m. on
        Friday, was extended by two days"), from which the extension's length gives no end; an
        extension's own start is led as one ("extended for six months starting from 6 February")
        or told as the extension's ("with the extension taking effect at 00:00 on Wednesday")."""
        if status != "extended" or start is None or self.when.lead_is_cue.match(start.text):
            return False
        at = text.find(start.text)
        return not (at > 0 and _EXTENSION_STARTS.search(text, max(0, at - 50), at))

    def _context_place(self, sentence: str, kind: str) -> Place | None:
        """The place a neighbouring sentence names in a place's position ("in X", "for X") as where
        fighting is ("the war in X", "struck a depot in X"), or None."""
        v = self.vocab
        text = self._blank_dateline(sentence)
        for h in _places.find(text, v):
            before = text[: h.start]
            if h.place.demonym or not v.place_preposition.search(before):
                continue
            if not v.place_fighting_before.search(before, max(0, h.start - 90)):
                continue  # where hostages were held or roads are to reopen: not where the fighting paused is
            if _places._score(h, text, len(text), len(text), v, kind) is None:
                continue  # a venue, a zone, a party
            return h.place
        return None

    def _anaphora(
        self, quote: str, before: Mention, published: datetime | None, zone: str | None = None, year: int | None = None
    ) -> list[Mention]:
        v = self.vocab
        text = self._blank_dateline(quote)
        m = v.anaphora.match(text.strip())
        if m:
            hit = _rules.Hit(before.kind, 0, m.end(), True)
        else:  # "Kyiv accused Moscow of violating it": the pause as the object of what happened to it
            o = v.anaphora_object.search(text)
            if not o:
                return []
            hit = _rules.Hit(before.kind, o.start("it"), o.end("it"), True)
        cues = _rules.cues(text, (), v)
        status = _rules.status(hit, (0, len(text)), cues, text)
        if not m and status not in _AFTER_START:
            return []  # "urged the parties to renew it": a call, no news of the pause
        status = status or before.status
        if m:
            hours = _durations.leading_duration(text[hit.end :], self.durations)
            place = _places.choose(text, _places.find(text, v), 0, hit.end, v, before.kind)
            tz = place.tz if place else zone
            start, end = _when.times(
                text, 0, len(text), hit.end, published, tz, status in _PAST, status in ("collapsed", "ended"), self.when, None, year
            )
            if (
                start is not None and before.start_precision == "day" and before.start_text and before.start_range
                and _when.clock_only(start.text, self.when)
            ):  # "The truce is to take effect on Sunday. It will begin at 8:30 a.m.": that Sunday's
                on = _when.on_day(start.text, before.start_text, published, tz, status in _PAST, self.when, year)
                if on is not None and on.at is not None and before.start_range[0] <= on.at < before.start_range[1]:
                    start = on
        else:  # only its status: a place or a time here is the breach's, not the pause's
            hours, place, start, end = None, None, None, None
        return [
            Mention(
                kind=before.kind,
                status=status,
                duration_hours=hours,
                location=place.name if place else before.location,
                country=place.country if place else before.country,
                actors=_actors.actors(text, v),
                quote=quote,
                confidence=0.5,
                **_time_fields(start, end, hours, None),
            )
        ]


    def _end_after(
        self, quote: str, before: Mention, m: Mention, published: datetime | None, zone: str | None, year: int | None
    ) -> Mention:
        """`m`, a later naming of the pause `before` that gives only an end with a clock time and
        no day ("... will begin at 10 a.m. on Saturday. The pause will last until 2 p.m."), with
        that end read after `before`'s start rather than from publication."""
        if not (
            m.ends_at and m.starts_at is None and m.start_range is None and before.ends_at is None and before.end_range is None
            and before.starts_at and before.start_precision == "minute" and before.start_text
            and _FAMILY[m.kind] == _FAMILY[before.kind] and m.location in (None, before.location)
        ):
            return m
        text = self._blank_dateline(quote)
        tz = (self._article_zone("", [before]) if before.location else None) or zone
        _, end = _when.times(
            text, 0, len(text), -100, published, tz, m.status in _PAST, m.status in ("collapsed", "ended"), self.when, None, year
        )
        if end is None or not _when.clock_only(end.text, self.when):
            return m
        after = _when.end_after(end.text, before.start_text, before.starts_at, published, tz, before.status in _PAST, self.when, year)
        if after is None:
            return m
        return replace(m, ends_at=after.at, end_range=after.range, end_precision=after.precision, end_zone=after.zone, end_local=after.local)

    def _later_end(
        self, text: str, before: Mention, end: _when.Start | None, published: datetime | None, tz: str | None, year: int | None
    ) -> Mention:
        """`before`, which has a start, with the end a following sentence gives the pause it
        speaks of ("It expires at midnight on Sunday.", "Officials said it would run until 7
        a.m. on Tuesday."): the pause named by "it" or "the truce" before the end phrase, the end
        after the start (a clock time alone, on the start's day or the next)."""
        if end is None or end.at is None:
            return before
        at = text.find(end.text)
        if at < 0 or not (_IT.search(text, 0, at) or self.durations.reference.search(text, 0, at)):
            return before  # "Talks ended at 3 a.m.": another event's end
        if _when.clock_only(end.text, self.when) and before.start_text:
            end = _when.end_after(end.text, before.start_text, before.starts_at, published, tz, before.status in _PAST, self.when, year)
            if end is None:
                return before
        elif end.zone != "stated" and before.start_zone == "stated" and before.start_text:
            # "... began at 12:00 Moscow time on 6 January. It was to run to 24:00 on 7 January.": the start's zone
            end = _when.end_after(end.text, before.start_text, before.starts_at, published, tz, before.status in _PAST, self.when, year) or end
        if end.at is None or end.at <= before.starts_at:
            return before
        return replace(
            before, ends_at=end.at, end_range=end.range, end_precision=end.precision, end_zone=end.zone, end_local=end.local,
            time_notes=before.time_notes + tuple(n for n in end.notes if n not in before.time_notes),
        )

    def _later_time(self, quote: str, before: Mention, published: datetime | None, zone: str | None, year: int | None) -> Mention:
        """`before`, with the start or end a following sentence without a trigger gives it
        ("It takes effect at 6 a.m. on Wednesday."), when `before` has none, or has only a day
        that the later clock time falls on ("to start Sunday" ... "set for 8:30 a.m.")."""
        day_only = before.start_precision == "day" and before.start_text and not before.ends_at  # an end range: derived
        # a start and no end: the sentence may still give the end ("It expires at midnight on Sunday.")
        end_only = bool(before.starts_at and not (before.ends_at or before.end_range) and not day_only)
        # the sentence tells the term that replaces the one told before: the suspension's ("... that had been
        # due to run until June 30. The suspension takes effect at 00:00 on Monday.") or the extension's
        anew = bool(
            before.status in ("ended", "collapsed") and _ENDING_SUBJECT.match(quote)
            or before.status == "extended" and (_EXTENSION_SUBJECT.match(quote) or _NEW_TERM.search(quote))
        )
        # an end and no start: the sentence may still give the start ("The halt first took hold at 8 p.m. on Monday.")
        start_only = bool((before.ends_at or before.end_range) and not (before.starts_at or before.start_range or before.start_text))
        if (before.starts_at or before.start_range or before.ends_at or before.end_range) and not (day_only or end_only or anew or start_only):
            return before
        day_only = day_only and not anew  # a new term is read whole, not as the clock of the day told before
        if not _CLOCKISH.search(quote):
            return before  # no clock time, midnight or noon: nothing to read
        text = self._blank_dateline(quote)
        tz = (self._article_zone("", [before]) if before.location else None) or zone
        start, end = _when.times(
            text, 0, len(text), -100, published, tz, before.status in _PAST, before.status in ("collapsed", "ended"), self.when, None, year
        )
        if end_only:
            return self._later_end(text, before, end, published, tz, year)
        if start is not None and not _when.cued(text, start.text, self.when):
            start = None
        if before.status == "extended" and end is not None and (end.at is not None or end.range) and _when.end_before_extension(text, end):
            # "... renew truce for 30 days. ..., which was due to expire at noon on Sunday, had been renewed":
            # the old term; the extension runs from it for its length, else its new end is not told
            if not before.duration_hours or end.at is None:
                return before
            step = timedelta(hours=before.duration_hours)
            return replace(  # the end only: the pause itself began before (its record keeps that start)
                before, ends_at=end.at + step, end_range=_moved(end.range, step),
                end_precision=end.precision, end_zone=end.zone, end_local=None,
                time_notes=before.time_notes + (f"the extension runs from the old term for its {before.duration_hours:g} hours",),
            )
        if start_only and not anew:
            if start is None or start.at is None or (before.ends_at and start.at >= before.ends_at):
                return before
            fields = _time_fields(start, None, None, before.recurrence, False)
            return replace(before, **{k: v for k, v in fields.items() if k.startswith("start")}, time_notes=before.time_notes + start.notes)
        if start is None and end is not None and (at := text.find(end.text)) > 0 and self.when.other_subject.search(text, max(0, at - 40), at):
            end = None  # "Peace delegates had met in Tibu until 6 p.m.": another event's end
        if day_only and start is None and end is not None and end.at is not None:  # "It ended at 6 p.m. on Sunday."
            return replace(before, ends_at=end.at, end_range=end.range, end_precision=end.precision, end_zone=end.zone, end_local=end.local)
        if day_only:
            if start is None:
                return before
            if _when.clock_only(start.text, self.when):
                start = _when.on_day(start.text, before.start_text, published, tz, before.status in _PAST, self.when, year)
            if start is None or start.precision != "minute" or not before.start_range[0] <= start.at < before.start_range[1]:
                return before
            if end is not None and _when.clock_only(end.text, self.when):
                # "... on Saturday. Buses may leave from 8 a.m. until 4 p.m.": the window's end on its start's day
                end = _when.end_after(end.text, start.text, start.at, published, tz, before.status in _PAST, self.when, year)
        if (start is None or start.at is None and start.range is None) and (end is None or end.at is None and end.range is None):
            return before
        if start is not None and end is None and before.status in ("ended", "collapsed") and _ENDING_SUBJECT.match(text):
            # "... suspended its ceasefire ... The suspension took effect at 00:00 on Sunday.": when it ended
            end, start = _when.read_end(start.text, published, tz, None, self.when, year) or start, None
        # "... extended its ceasefire by 30 days. The extension begins at 00:00 on Thursday.": the new term
        derive = before.status not in _NO_TERM or (before.status == "extended" and (anew or bool(_EXTENSION_SUBJECT.match(text))))
        # "... agreed to pauses for a three-day campaign. Fighting will stop from 0600 to 1500 each day": daily
        recurrence = before.recurrence or next((name for name, p in self.vocab.recurrence if p.search(text)), None)
        fields = _time_fields(start, end, before.duration_hours, recurrence, derive)
        if anew and (before.starts_at or before.start_range):
            if not fields["ends_at"] and not fields["end_range"] and not (before.status == "extended" and fields["starts_at"]):
                return before
            if not (before.status == "extended" and fields["starts_at"]):
                # the new term's end; the start told before stays (the pause's own, not the new term's)
                fields = {k: v for k, v in fields.items() if k.startswith("end")} | {"time_notes": before.time_notes + fields["time_notes"]}
            # else "... would extend for 30 days the truce they began observing on Christmas Eve ... the
            # extension would run from midnight on Wednesday": the extension's own start and term
        return replace(before, recurrence=recurrence, **fields)


#: a later sentence telling the term an extension moves ("... when the current truce expires at 6 p.m.")
_OLD_TERM_LATER = re.compile(
    r"\b(?:current|existing|present|old|original|initial)\s+(?:[\w-]+\s+)?(?:truce|cease-?fire|pause)\s+(?:expires?|ends?|lapses?|runs?\s+out)\b", re.I
)


def _from_old_term(before: Mention, m: Mention, sentence: str) -> Mention:
    """`m`, named in the sentence after an extension by a length (`before`), when that sentence
    tells the old term ("Sudan's army agreed to extend its truce by 72 hours. The extension will
    begin when the current truce expires at 6 p.m. on Sunday."): the extension runs from the old
    term for its length."""
    if not (before.status == "extended" and before.duration_hours and m.ends_at and not m.starts_at and _OLD_TERM_LATER.search(sentence)):
        return m
    step = timedelta(hours=before.duration_hours)
    return replace(
        m, starts_at=m.ends_at, start_range=m.end_range, start_precision=m.end_precision, start_zone=m.end_zone,
        ends_at=m.ends_at + step, end_range=_moved(m.end_range, step), end_local=None,
        duration_hours=before.duration_hours,
    )


def _shift_local(local: str | None, step: timedelta) -> str | None:
    """A wall time read in no zone ("2023-11-08T14:00", or two readings "a/b") moved by `step`."""
    if not local or "T" not in local:
        return local
    return "/".join((datetime.fromisoformat(part) + step).isoformat(timespec="minutes") for part in local.split("/"))


def _time_fields(start, end, hours: float | None, recurrence: str | None, derive: bool = True) -> dict:
    """The Mention fields for a start and an end as `when` read them. Without an explicit end,
    a start and a duration give one (start + duration; for a daily window, the first one's)."""
    out = {
        "start_text": start.text if start else None,
        "starts_at": start.at if start else None,
        "start_range": start.range if start else None,
        "start_precision": start.precision if start else None,
        "start_zone": start.zone if start else None,
        "ends_at": end.at if end else None,
        "end_range": end.range if end else None,
        "end_precision": end.precision if end else None,
        "end_zone": end.zone if end else None,
        "time_notes": (start.notes if start else ()) + (end.notes if end else ()),
        "start_local": start.local if start else None,
        "end_local": end.local if end else None,
    }
    if derive and hours and hours < 24 * 365 * 50 and start is not None and out["ends_at"] is None and out["end_range"] is None:
        step = timedelta(hours=hours)
        if start.at is not None and start.precision == "minute":
            out.update(ends_at=start.at + step, end_precision="minute", end_zone=start.zone)
        elif start.range is not None and start.precision in ("range", "day"):
            out.update(  # the end is as open as the start; a range's best reading gives the end's
                ends_at=start.at + step if start.at is not None and start.precision == "range" else None,
                end_range=_moved(start.range, step),
                end_precision="range",
                end_zone=start.zone,
            )
            if start.local and "T" in start.local:
                out["end_local"] = "/".join((datetime.fromisoformat(t) + step).isoformat(timespec="minutes") for t in start.local.split("/"))
    return out


def _one_term(mentions: list[Mention], paras: list[int], where: list[int]) -> list[Mention]:
    """One pause named with two words in consecutive sentences of a paragraph ("X offered a
    truce. ... A decision was made to introduce a humanitarian pause"): the later mention of
    the same family, at no other place, takes the kind of the first term used there, so that
    the lifecycle joins the two and the later stage counts for the pause. When the sentence
    before also used the later word ("agreed a truce ... accepted a ceasefire. The truce
    took effect"), the later mention keeps it. The lead after a headline goes on from it. A
    different place, another family, a gap of a sentence or a new paragraph is another pause. It changes no status, place or length."""
    out = list(mentions)
    for j, b in enumerate(out):
        before = [
            a for a, p, w in zip(out, paras, where)
            if w == where[j] - 1 and (p == paras[j] or w == 0) and _FAMILY[a.kind] == _FAMILY[b.kind] and b.location in (None, a.location)
        ]
        if before and all(a.kind != b.kind for a in before):  # the sentence before used b's word: b is that pause
            out[j] = replace(b, kind=before[0].kind)
    return out


def _with_length(m: Mention, hours: float) -> Mention:
    """`m` with the length a later sentence gave it, and the end that makes when its start is to the minute."""
    if m.starts_at is not None and m.start_precision == "minute" and m.ends_at is None and m.end_range is None:
        return replace(m, duration_hours=hours, ends_at=m.starts_at + timedelta(hours=hours), end_precision="minute", end_zone=m.start_zone)
    return replace(m, duration_hours=hours)


def _named_crossing(mentions: list[Mention], paras: list[int], where: list[int], vocab: Vocab) -> list[Mention]:
    """An access event at a crossing its sentence does not name ("authorities reopened a key
    border crossing with Chad") takes the crossing or site that the next sentence of the
    paragraph names for an access event ("the first convoy arrived through the Adre border"):
    the event's own level, not the region it serves."""
    out = list(mentions)
    for i, a in enumerate(out):
        if _FAMILY[a.kind] != "access" or _place_type(a.location, vocab) in _OWN_LEVEL or not vocab.place_unnamed_crossing.search(a.quote):
            continue
        for b, p, w in zip(out, paras, where):
            if p == paras[i] and w == where[i] + 1 and _FAMILY[b.kind] == "access" and _place_type(b.location, vocab) in _OWN_LEVEL:
                out[i] = replace(a, location=b.location, country=b.country)
                break
    return out


def _place_type(name: str | None, vocab: Vocab) -> str | None:
    """The curated gazetteer's type for a place name ("crossing", "city", ...), or None."""
    found = vocab.places_by_name.get(name.lower(), ()) if name else ()
    return found[0][1].type if found else None


def _carry_times(mentions: list[Mention]) -> list[Mention]:
    """A pause named again in a later sentence with its time ("... agreed a truce in El Fasher.
    The truce begins at 6 a.m."): an earlier mention of the same family, whose place the later
    one does not contradict, takes the later one's start when it has none or only a day or
    range that holds it, and its end when it has none."""
    out = list(mentions)
    for i, a in enumerate(out):
        for b in out[i + 1 : i + 4]:
            if a.quote == b.quote or _FAMILY[a.kind] != _FAMILY[b.kind]:
                continue
            if not (b.starts_at or b.start_range or b.ends_at):
                continue
            hour = timedelta(hours=1)
            inside = bool(
                b.starts_at and a.start_precision in ("day", "range") and a.start_range
                and a.start_range[0] - hour <= b.starts_at <= a.start_range[1] + hour
            )
            # another place named is another pause, unless b's time is absolute (a stated zone)
            # and falls on the day a named ("on Friday" ... "at 7 a.m. (0500 GMT)")
            # (a later naming at its country's level, "Quneitra" then "Syria", is the same pause)
            if b.location not in (None, a.location, a.country) and not (inside and (b.start_zone == "stated" or _same_clock(a, b))):
                continue
            fields: dict = {}
            if b.starts_at and b.start_precision == "minute" and (inside or (a.starts_at is None and a.start_range is None)):
                fields.update(
                    start_text=b.start_text, starts_at=b.starts_at, start_range=b.start_range, start_precision=b.start_precision,
                    start_zone=b.start_zone, start_local=b.start_local,
                )
            elif (
                inside and b.start_precision == "range" and len(settled := _settled(a.start_range, b.start_range, hour)) == 1
                and b.start_range[1] - b.start_range[0] <= timedelta(days=1) and a.start_range[1] - a.start_range[0] <= timedelta(days=1)
            ):
                # "on Friday" here, "at 7 a.m. (0500 GMT)" there: the day settles which 7 a.m. (the
                # one of b's two readings inside a's day; the same open reading twice settles nothing)
                fields.update(
                    start_text=b.start_text, starts_at=settled[0], start_range=None, start_precision="minute", start_zone=b.start_zone,
                )
            elif a.starts_at is None and a.start_range is None and b.start_range and b.start_precision != "range":
                fields.update(
                    start_text=b.start_text, starts_at=b.starts_at, start_range=b.start_range, start_precision=b.start_precision,
                    start_zone=b.start_zone, start_local=b.start_local,
                )
            renewed = bool(  # "... a renewal of the truce that was set to expire on Thursday. The extended truce will hold until ...": the new term
                a.status == "extended" and a.ends_at and b.ends_at and b.end_precision == "minute" and b.ends_at - a.ends_at > timedelta(hours=1)
            )
            if (b.ends_at or b.end_range) and (not (a.ends_at or a.end_range) or (fields and a.end_precision == "range") or renewed):
                fields.update(
                    ends_at=b.ends_at, end_range=b.end_range, end_precision=b.end_precision, end_zone=b.end_zone, end_local=b.end_local
                )
            elif "starts_at" in fields and a.duration_hours and a.status not in _NO_TERM and a.end_precision in (None, "range"):
                step = timedelta(hours=a.duration_hours)  # the end derived from the start now known
                if fields.get("start_precision") == "minute":
                    fields.update(ends_at=fields["starts_at"] + step, end_range=None, end_precision="minute", end_zone=b.start_zone, end_local=None)
                elif fields.get("start_range"):
                    lo, hi = fields["start_range"]
                    best = fields["starts_at"] + step if fields.get("starts_at") and fields.get("start_precision") == "range" else None
                    fields.update(ends_at=best, end_range=(lo + step, hi + step), end_precision="range", end_zone=b.start_zone, end_local=None)
            if fields:
                out[i] = a = replace(a, time_notes=a.time_notes + tuple(n for n in b.time_notes if n not in a.time_notes), **fields)
            break
    return out


def _doubt_anchor(m: Mention, anchor: datetime, rules: _when.WhenRules) -> Mention:
    """A time counted from the text's own date (no publication date: `Extractor.extract`) is
    only the best reading, since that date may be a background one rather than the news day:
    a minute-precise start without a date of its own, and then its minute-precise end, become
    ranges of a day either side, with a note."""
    dated = bool(m.start_text and (rules.date_dm.search(m.start_text) or rules.date_md.search(m.start_text)))
    if _when.MIDNIGHT_TOLD_NOTE in m.time_notes and m.start_range is not None:
        # "midnight on D" read as the end of D because D was the day told: the text's date is no
        # such day (it may be D's own), so the best reading stays D's start
        notes = tuple(n for n in m.time_notes if n != _when.MIDNIGHT_TOLD_NOTE)
        back = m.starts_at - m.start_range[0] if m.starts_at else timedelta(0)
        derived = m.ends_at and m.end_range and m.starts_at and m.ends_at - m.starts_at == m.end_range[0] - m.start_range[0]
        m = replace(m, starts_at=m.start_range[0], time_notes=notes, ends_at=m.ends_at - back if derived else m.ends_at)
    if dated:
        return m
    fields: dict = {}
    day = timedelta(days=1)
    if m.starts_at is not None and m.start_precision == "minute":
        fields.update(start_range=(m.starts_at - day, m.starts_at + day), start_precision="range")
    if m.ends_at is not None and m.end_precision == "minute":
        fields.update(end_range=(m.ends_at - day, m.ends_at + day), end_precision="range")
    if not fields and not (m.starts_at or m.ends_at or m.start_range or m.end_range):
        return m
    note = f"no publication date: the day is counted from the text's date {anchor.date().isoformat()}"
    return replace(m, time_notes=m.time_notes + (note,), **fields)


def _doubt_zone(mentions: list[Mention], zone: str, named: set[str]) -> list[Mention]:
    """A wall time read in the zone of the first place a text names, no mention having a place
    of its own, is only the best reading when the text names places on other clocks then
    ("Russia and Ukraine agreed a truce from 6 a.m."): its precision becomes "range", over the
    readings in every zone named."""
    zones = tuple(sorted(named | {zone}))
    return [_spread(m, zone, zones) if m.location is None else m for m in mentions]


def _spread(m: Mention, zone: str | None, zones: tuple[str, ...]) -> Mention:
    """`m` with each minute-precise time read in `zone` (the place's) made a range over the
    readings of the same wall time in `zones`, when they differ ("DR Congo": Kinshasa to Goma)."""
    if zone is None:
        return m
    tz, others = ZoneInfo(zone), [ZoneInfo(z) for z in zones]

    def span(at: datetime | None, precision: str | None, where: str | None):
        if at is None or precision != "minute" or where != "place":
            return None
        wall = at.astimezone(tz).replace(tzinfo=None)
        readings = sorted({wall.replace(tzinfo=z).astimezone(timezone.utc) for z in others} | {at})
        return (readings[0], readings[-1]) if len(readings) > 1 else None

    fields: dict = {}
    if r := span(m.starts_at, m.start_precision, m.start_zone):
        fields.update(start_range=r, start_precision="range")
    if r := span(m.ends_at, m.end_precision, m.end_zone):
        fields.update(end_range=r, end_precision="range")
    return replace(m, **fields) if fields else m


_BORDER_NAME = re.compile(r"(.+?)\u2013(.+) border")


def _border_zones(location: str | None) -> tuple[str, ...]:
    """The zones of the two states of a border (`places._border_place`: "Afghanistan\u2013Pakistan
    border") when they keep different clocks, else (): a time read in the first-named state's
    zone is then only the best reading, a range over both."""
    m = _BORDER_NAME.fullmatch(location or "")
    if m is None:
        return ()
    zones = {place_zone(None, m.group(1)), place_zone(None, m.group(2))}
    return tuple(sorted(zones)) if None not in zones and len(zones) == 2 else ()


def _settled(day: tuple[datetime, datetime], readings: tuple[datetime, datetime], slack: timedelta) -> list[datetime]:
    """Which of a clock time's two readings (the ends of its range) fall within `day`."""
    return sorted({r for r in readings if day[0] - slack <= r <= day[1] + slack})


def _derive_ends(mentions: list[Mention]) -> list[Mention]:
    """Start + duration gives the end of a mention that got its start and its length from
    different namings ("The ceasefire was to begin at 8 a.m. Friday. It was to last for 72
    hours"), as `_time_fields` does within one; an extension's length is not the pause's, and
    a collapse ended the pause before its term."""
    out = []
    for m in mentions:
        if m.ends_at is None and m.end_range is None and m.duration_hours and m.status not in _NO_TERM and m.start_text:
            start = _when.Start(m.start_text, m.starts_at, m.start_range, m.start_precision, m.start_zone, (), m.start_local)
            derived = _time_fields(start, None, m.duration_hours, m.recurrence)
            m = replace(m, **{k: v for k, v in derived.items() if k.startswith("end")})
        out.append(m)
    return out


#: how many days a run of daily windows lasts ("for four days", "a three-day campaign")
_DAYS = re.compile(
    r"\b(?:for|over)\s+(?:the\s+next\s+)?(?P<n>[\w-]+)\s+(?:consecutive\s+|straight\s+)?days\b"
    r"|\b(?P<m>\w+)[- ]day\s+(?:[\w-]+\s+){0,2}?(?:pauses?|truces?|cease-?fires?|campaign|window|windows|halt|lull|drive)\b", re.I
)  # not "at a two-day summit"


def _last_window(m: Mention, rules: _durations.DurationRules) -> Mention:
    """A daily window held over a stated number of days ("from 6 a.m. to 3 p.m. local time for four
    days starting Thursday", "a three-day campaign ... from 0600 to 1500 each day") ends with the
    last window; the start stays the first's. With no number of days, the first window is told."""
    if m.recurrence != "daily" or not (m.starts_at and m.ends_at) or m.end_precision != "minute":
        return m
    if not timedelta(0) < m.ends_at - m.starts_at < timedelta(days=1):
        return m
    days = None
    if m.duration_hours and m.duration_hours >= 48 and m.duration_hours % 24 == 0:
        days = int(m.duration_hours // 24)
    elif found := _DAYS.search(m.quote):
        n = _durations._number(found.group("n") or found.group("m"), rules.numbers)
        days = int(n) if n and n == int(n) and 2 <= n <= 60 else None
    if days is None:
        return m
    return replace(
        m, ends_at=m.ends_at + timedelta(days=days - 1), end_range=None,
        time_notes=m.time_notes + (f"daily windows over {days} days: the end is the last window's",),
    )


def _moved(span: tuple[datetime, datetime] | None, step: timedelta) -> tuple[datetime, datetime] | None:
    """A range of readings moved by `step` (None stays None)."""
    return (span[0] + step, span[1] + step) if span else None


def _within(zone: str, span: tuple[str, str]) -> bool:
    """Whether `zone`'s clock lies between a wide country's westmost and eastmost (on a fixed
    winter day: the check is of longitude, not of a date)."""
    day = datetime(2024, 1, 15, 12)
    lo, hi, it = (day.replace(tzinfo=ZoneInfo(z)).utcoffset() for z in (*span, zone))
    return lo <= it <= hi


def _party_readings(
    mentions: list[Mention], homes: Mapping[str, str] | None = None, dateline: str | None = None, mediators: frozenset[str] = frozenset(),
    stamp: tzinfo | None = None,
) -> list[Mention]:
    """A wall time read in no zone (none stated, no place in the article) gets as its best
    reading that time in the zone of the countries every party named is in, when they keep
    one clock then ("the Kremlin declared a truce from 18:00": Moscow time; Thailand and
    Cambodia: UTC+7); a non-state party's country is its home in the data (`homes`: "the ELN
    announced a ceasefire from 00:00": Colombia). Parties on different clocks give no
    reading, unless the dateline's place (`dateline`, its zone) keeps one of their clocks;
    no party with a zone, the dateline's clock is the reading ("COTABATO CITY \u2014 ... a pause
    from 8 a.m.": Manila). It stays flagged: precision "range", zone "unknown", the range of
    every reading, and the lifecycle still reads it again in the zone of the pause it joins.
    A mediator (`mediators`: "Qatar's foreign ministry said the pause was extended") is no
    party: its clock is not the pause's. With no dateline, the publication stamp's own offset
    (`stamp`: "2026-03-27T09:30+02:00") stands in for it: the outlet's clock."""
    homes = homes or {}
    zones = {place_zone(a.name) or place_zone(homes.get(a.name)) for m in mentions for a in m.actors if a.name not in mediators} - {None}
    filed = ZoneInfo(dateline) if dateline else stamp
    if not zones and filed is None:
        return mentions
    tzs = [ZoneInfo(z) for z in sorted(zones)]

    def reading(local: str | None, span) -> datetime | None:
        if not local or "T" not in local:
            return None  # a day, not a wall time
        wall = datetime.fromisoformat(local.split("/")[0])  # "midnight on Monday": its first midnight, the usual reading
        readings = {wall.replace(tzinfo=tz).astimezone(timezone.utc) for tz in tzs}
        if len(readings) != 1:
            there = wall.replace(tzinfo=filed).astimezone(timezone.utc) if filed else None
            if there is None or (readings and there not in readings):
                return None  # the parties' clocks differ then, and the dateline keeps none of them
            readings = {there}
        at = readings.pop()
        return at if span is None or span[0] <= at <= span[1] else None

    out = []
    for m in mentions:
        fields = {}
        if m.start_zone == "unknown" and m.starts_at is None and (at := reading(m.start_local, m.start_range)):
            fields["starts_at"] = at
        if m.end_zone == "unknown" and m.ends_at is None and (at := reading(m.end_local, m.end_range)):
            fields["ends_at"] = at
        out.append(replace(m, **fields) if fields else m)
    return out


def _same_clock(a: Mention, b: Mention) -> bool:
    """Whether b's place keeps the same clock as a's at b's start ("Gaza" and "Israel"): b's
    time, read in its place's zone, is then the same instant in a's."""
    za, zb = place_zone(a.location, a.country), place_zone(b.location, b.country)
    if not (za and zb and b.starts_at):
        return False
    return b.starts_at.astimezone(ZoneInfo(za)).utcoffset() == b.starts_at.astimezone(ZoneInfo(zb)).utcoffset()


_HEADLINE_WORDS = 14
_OWN_LEVEL = ("crossing", "site")  # a place of these types is the level of an access event itself


def _is_headline(sentence: str, vocab: Vocab) -> bool:
    """A short first sentence with no dateline: a headline ("Putin orders daily 5-hour pause in Syria.")."""
    return len(sentence.split()) <= _HEADLINE_WORDS and not vocab.dateline.match(sentence)


def _merge(a: Mention, b: Mention, rules: _when.WhenRules | None = None, lead: bool = False) -> Mention:
    """`a`, with the gaps it leaves filled from `b` (a later naming of the same pause). A day
    that `b` gives the clock time of is `b`'s start ("72-hour truce from Sunday: ... have agreed to
    a 72-hour truce, beginning at 6 a.m. on Sunday", a headline run into its lead), and `b`'s end
    then replaces one `a` derived or left open. So does the same clock given with the day `a`
    left out (`rules` given: one sentence). `lead`: `b` is the lead under the headline `a`, whose
    clock time wins over the headline's day ("... as ceasefire holds into Monday: ... it came into
    force at 11 p.m. on Sunday")."""
    finer = bool(
        a.start_precision == "day" and a.start_range and b.start_precision == "minute" and b.starts_at
        and a.start_range[0] <= b.starts_at < a.start_range[1]
    ) or bool(  # "ceasefire takes hold at noon - Guns fell silent ... at 12:00 local time on Saturday": b names its day
        rules and a.start_precision == b.start_precision == "minute" and a.starts_at and b.starts_at and a.starts_at != b.starts_at
        and (b.starts_at - a.starts_at) % timedelta(days=1) == timedelta(0)
        and _when.clock_only(a.start_text, rules) and not _when.clock_only(b.start_text, rules)
    ) or (lead and a.start_precision != "minute" and b.start_precision == "minute")
    own_start = bool(a.start_text) and not finer
    own_end = bool(a.ends_at or a.end_range)
    if finer and own_end and a.end_precision != "minute":  # a's end came from its day: b's clock, else derived again
        if b.end_precision == "minute":
            own_end = False
        elif a.duration_hours or b.duration_hours:
            own_end, b = False, replace(b, ends_at=None, end_range=None, end_precision=None, end_zone=None, end_local=None)
        else:
            own_end = b.ends_at is None and b.end_range is None
    return replace(
        a,
        duration_hours=a.duration_hours if a.duration_hours is not None else b.duration_hours,
        location=a.location or b.location,
        country=a.country if a.location else b.country,
        start_text=a.start_text if own_start else b.start_text,
        starts_at=a.starts_at if own_start else b.starts_at,
        start_range=a.start_range if own_start else b.start_range,
        start_precision=a.start_precision if own_start else b.start_precision,
        start_zone=a.start_zone if own_start else b.start_zone,
        start_local=a.start_local if own_start else b.start_local,
        ends_at=a.ends_at if own_end else b.ends_at,
        end_range=a.end_range if own_end else b.end_range,
        end_precision=a.end_precision if own_end else b.end_precision,
        end_zone=a.end_zone if own_end else b.end_zone,
        end_local=a.end_local if own_end else b.end_local,
        time_notes=a.time_notes + tuple(n for n in b.time_notes if n not in a.time_notes),
        confidence=max(a.confidence, b.confidence),
    )


@once
def default_extractor() -> Extractor:
    """The English extractor, compiled on the first call (~0.2 s) and kept for the process."""
    return Extractor.for_vocab(english())


def extract(text: str, published: datetime | None = None) -> list[Mention]:
    """Mentions of pauses in `text`, in reading order. Pure: no I/O, no clock.

    `published` (timezone-aware) anchors relative times ("on Friday", "at midnight");
    without it `starts_at` is always None.
    """
    return default_extractor().extract(text, published)
