"""Which sentences speak of a pause, of what kind, and with what status.

Pure: no I/O. A trigger is a kind's phrase from the data ("48 hour ceasefire",
"humanitarian pause", "pause in fighting", "humanitarian corridor", "crossing
reopened"); the bare noun "pause" counts only after a determiner or modifier and not as
"a pause in <something else>", so the verb ("envoy pauses task force") and other
pauses (weapons shipments, vaccines) are not triggers. Whole sentences are dropped for
other senses (trade truce, games, football, green corridors) and denials ("rebels deny
reports of a ceasefire"), definitions ("a truce is an informal halt") and opinion ("the
solution is not another ceasefire"); single triggers are dropped as history ("the 1953
armistice", "half a dozen ceasefires", "ceasefires have collapsed since 2014", a clause
dated before the publication's year, "the anniversary of the armistice") or as figures of
speech (a bare "truce" in scare quotes with no fighting words). Status is read from the
pause's own predicate (`status`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .literals import Probe
from .vocab import Vocab

#: Statuses reported after a pause has begun; any of these beats an earlier-stage cue.
_AFTER_START = ("ended", "collapsed", "violated", "extended")
_CLAUSE_BREAK = re.compile(r"[,;:(\u2014]|\s(?:which|despite|after|while|but|as|following|whereas)\s", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    start: int
    end: int
    weak: bool


@dataclass(frozen=True, slots=True)
class Cue:
    status: str
    start: int
    end: int


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def is_other_sense(sentence: str, vocab: Vocab, probe: Probe | None = None) -> bool:
    """True when the sentence uses the key words in a sense that is not a pause in conflict."""
    return vocab.other_sense_index.search(Probe(sentence) if probe is None else probe)


def is_denial(sentence: str, vocab: Vocab, probe: Probe | None = None) -> bool:
    return vocab.denial_index.search(Probe(sentence) if probe is None else probe)


def _current_after(rest: str, hist, year: int | None, told: str) -> bool:
    """After a year in the pause's clause, a present or current predicate ("... is still holding",
    "... was violated on Monday"), or a year that is the publication's own: news of the pause, not its history."""
    if year is not None and int(told) >= year:
        return True
    clause = hist["clause_rest"].match(rest)
    return bool(hist["year_late_current"].search(clause.group() if clause else rest))


def _is_history(sentence: str, h: Hit, vocab: Vocab, year: int | None = None, month: int | None = None) -> bool:
    before, after = sentence[: h.start], sentence[h.end :]
    hist = vocab.history
    dated = next(reversed(list(hist["dated_before"].finditer(before, max(0, len(before) - 200)))), None)
    if dated and (year is None or int(dated.group("year")) < year) and not hist["future"].search(sentence):
        return True  # "In December 2014 the FARC announced a ceasefire": a retrospective
    if hist["year_before"].search(before) and hist["current_before"].search(before[: hist["year_before"].search(before).start()]):
        return False  # "agreed to observe a 2003 ceasefire": an old pause, a current event
    if hist["background_after"].match(after):
        return True
    if (y := hist["year_before"].search(before)) and not (
        year is not None and hist["year_late_current"].search(sentence, h.end)
    ):
        return True  # "the 1994 ceasefire" (but "the 2024 ceasefire ... came under strain on Monday" is news)
    if (y := hist["year_after"].match(after)) and not _current_after(after[y.end() :], hist, year, y.group("year")):
        return True  # "the truce agreed in 2019", "the armistice of 1953" (but "the truce agreed in 2019 is still holding")
    if hist["background_before"].search(before) or hist["anniversary_of_before"].search(before[-120:]):
        return True  # "earlier truces", "the anniversary of the 1953 armistice"
    if hist["historic_words"].search(sentence) and not hist["current_anniversary"].search(sentence):
        # "World War Two", "1914" in the sentence: history, unless the pause itself is told as news
        # ("a three-day truce for Victory Day", "a Christmas truce, recalling 1914, to begin at midnight")
        named_day = after[:4].lower() == " day"  # "Armistice Day": a day's name, not a pause
        if named_day or not (hist["historic_current"].search(after) or hist["year_late_current"].search(after)):
            return True
    if hist["ago_before"].search(before, max(0, len(before) - 200)) and not hist["future"].search(sentence):
        return True  # "Two years ago, the rebels declared a truce": a retrospective
    ago = hist["ago_after"].match(after)
    if ago and not hist["year_late_current"].search(ago.group("rest")) and not hist["future"].search(sentence):
        return True  # "a two-month truce collapsed in March last year"
    far = hist["year_far_before"].search(before, max(0, len(before) - 120))
    if far and (year is None or int(far.group("year")) < year - 1) and not hist["future"].search(sentence) and not hist["current_before"].search(before):
        # "The Minsk agreements of 2014 and 2015 established a ceasefire": an old year in the
        # clause before the pause, with nothing current after it
        if not hist["year_late_current"].search(sentence):
            return True
    late = hist["year_late"].match(after)
    if late and year is None and _FULL_DATE.search(after, 0, late.start("year")):
        late = None  # undated: "a cessation of hostilities from 12 noon on 1 July 2021" tells when it starts, not that it is history
    if late and (year is None or int(late.group("year")) < year - 1) and not hist["current_before"].search(before[-80:]):
        # "The ceasefire between Iran and Iraq in 1988 ended eight years of war": a year well before
        # the publication's in the trigger's clause, told in the past tense, is a retrospective
        # ("the truce agreed in 2022 is still holding" is news about an old pause)
        if not hist["year_late_current"].search(late.group("rest")) and not hist["future"].search(sentence):
            return True
    mon = hist["month_late"].match(after) if month is not None else None
    if mon and month - _MONTHS.index(mon.group("month").lower()[:3]) - 1 >= 3 and not hist["current_before"].search(before[-80:]):
        # "A truce agreed in March collapsed within weeks", told in June: a month of the year a season
        # or more before the publication's, in the pause's clause, in the past tense, is a retrospective
        # (a later month may be one to come: "a truce starting on May 8", told in February)
        if not hist["year_late_current"].search(mon.group("rest")) and not hist["future"].search(sentence):
            return True
    plural = sentence[h.end - 1 : h.end].lower() == "s"
    return plural and bool(hist["since_year"].search(sentence))


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: a day and month right before a year ("1 July 2021", "July 1, 2021"): a full date
_FULL_DATE = re.compile(
    r"(?:\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"|(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2}(?:st|nd|rd|th)?,?)\s+$",
    re.IGNORECASE,
)
_BARE = re.compile(r"(?:truce|cease-?fire)s?$", re.IGNORECASE)
_OPEN_QUOTE = re.compile(r"[\"\u201c\u2018']$")
_CLOSE_QUOTE = re.compile(r"[\"\u201d\u2019']")


def _scare_quoted(sentence: str, h: Hit) -> bool:
    """A bare "truce" in quotes ("a three-month \"truce\" between the parties"): a figure of speech."""
    return bool(
        _BARE.match(sentence[h.start : h.end]) and _OPEN_QUOTE.search(sentence, 0, h.start) and _CLOSE_QUOTE.match(sentence, h.end)
    )


#: A trigger that is a verb of halting the fighting ("suspend fighting", "stop shooting", "halt all military action").
_HALT_VERB = re.compile(
    r"(?:halt|suspend|paus|stop|ceas|hold)\w*\s+(?:all\s+|its\s+|their\s+|the\s+)?(?:fighting|hostilities|military|firing|fire|shooting|combat|attacks|strikes|shelling|bombing)",
    re.IGNORECASE,
)
#: ... followed, in its clause, by a humanitarian aim ("to allow aid in", "for polio vaccinations", "so civilians can leave").
_AIM = re.compile(
    r"[^.;:]{0,80}?\b(?:to (?:allow|let|enable|permit|facilitate|make way for)|so (?:that )?|for)\b[^.;:]{0,60}?"
    r"\b(?:humanitarian|aid|relief|evacuat\w*|vaccin\w*|polio|rescue\w*|food|medical|medicine|supplies|convoys?|civilians|wounded|injured|hostages?)\b",
    re.IGNORECASE,
)


def triggers(sentence: str, vocab: Vocab, probe: Probe | None = None, year: int | None = None, month: int | None = None) -> tuple[Hit, ...]:
    """Pause triggers in the sentence, in order, without overlaps, history or other senses.

    `year` is the publication's: a clause dated with an earlier year is a retrospective
    (with no publication date, any dated clause is); so is one dated with a month a season
    or more before the publication's `month`.

    Only the trigger patterns whose literal stems occur in the sentence are run (`probe` is
    the sentence as `literals.StemIndex` tests it, made here when not given); a sentence
    with none of them costs a few substring tests. A sentence that gets hits back has no
    other sense (`is_other_sense` is False): the extractor does not ask it again.
    """
    probe = Probe(sentence) if probe is None else probe
    candidates = vocab.trigger_index.candidates(probe)
    if not candidates:
        return ()
    hits: list[Hit] = []
    bare = len(vocab.triggers)  # the index's last entry is the bare noun
    for i in candidates:
        if i == bare:
            continue
        t = vocab.triggers[i]
        for m in t.pattern.finditer(sentence):
            hits.append(Hit(t.kind, m.start(), m.end(), t.weak))
    if candidates[-1] == bare:
        for m in vocab.bare_pause.finditer(sentence):
            if vocab.bare_before.search(sentence[: m.start()]) and not vocab.bare_not_followed.match(sentence[m.end() :]):
                hits.append(Hit("humanitarian_pause", m.start(), m.end(), True))
    if not hits or is_other_sense(sentence, vocab, probe) or is_denial(sentence, vocab, probe):
        return ()
    hits.sort(key=lambda h: (-(h.end - h.start), h.start))
    chosen: list[Hit] = []
    for h in hits:
        if not any(_overlaps(h.start, h.end, c.start, c.end) for c in chosen):
            if h.weak and any(not o.weak and o.kind == h.kind and _overlaps(h.start, h.end, o.start, o.end) for o in hits):
                # "an evacuation corridor would be open": the longer weak reading holds a strong one
                h = Hit(h.kind, h.start, h.end, False)
            chosen.append(h)
    out = []
    for h in sorted(chosen, key=lambda h: h.start):
        if h.kind == "aid_access" and not vocab.aid_context.search(sentence) and not vocab.crossing_names.search(sentence, h.start, h.end):
            continue  # a border reopened for travel; a named aid crossing ("Kerem Shalom") needs no aid word
        weak = h.weak or _scare_quoted(sentence, h)
        if weak and h.kind != "humanitarian_pause" and not vocab.weak_context.search(sentence[: h.start] + sentence[h.end :]):
            continue
        if _is_history(sentence, h, vocab, year, month):
            continue
        if h.kind == "ceasefire" and _HALT_VERB.match(sentence, h.start) and _AIM.match(sentence, h.end):
            # "suspend fighting in three areas of Gaza for polio vaccinations": a halt in fighting
            # with a stated humanitarian purpose is a humanitarian pause
            h = Hit("humanitarian_pause", h.start, h.end, h.weak)
        out.append(h)
    return tuple(out)


def spans(sentence: str, hits: tuple[Hit, ...]) -> tuple[tuple[int, int], ...]:
    """The stretch of the sentence that speaks of each trigger: cut between neighbours at a clause break."""
    cuts = [0]
    for a, b in zip(hits, hits[1:]):
        between = sentence[a.end : b.start]
        breaks = list(_CLAUSE_BREAK.finditer(between))
        cuts.append(a.end + (breaks[-1].start() if breaks else len(between) // 2))
    cuts.append(len(sentence))
    return tuple((cuts[i], cuts[i + 1]) for i in range(len(hits)))


def cues(sentence: str, hits: tuple[Hit, ...], vocab: Vocab, probe: Probe | None = None) -> tuple[Cue, ...]:
    """Status cues in the sentence; the longest wins where they overlap; none inside a trigger.

    Only the cues whose literal stems occur in the sentence are run (see `triggers`).
    """
    probe = Probe(sentence) if probe is None else probe
    table = vocab.status_cues
    found = [
        Cue(table[i][0], m.start(), m.end())
        for i in vocab.cue_index.candidates(probe)
        for m in table[i][1].finditer(sentence)
    ]
    found.sort(key=lambda c: (-(c.end - c.start), c.start))
    chosen: list[Cue] = []
    for c in found:
        if any(_overlaps(c.start, c.end, o.start, o.end) for o in chosen):
            continue
        inside = [h for h in hits if _overlaps(c.start, c.end, h.start, h.end) and h.kind != "aid_access"]
        if inside and c.status == "called_for" and c.start < inside[0].start and not any(_overlaps(c.start, inside[0].start, o.start, o.end) for o in chosen):
            c = Cue(c.status, c.start, inside[0].start)  # "urged them to allow aid access": the call stands before its object
        elif inside:
            continue
        chosen.append(c)
    chosen = [
        Cue("called_for", c.start, c.end) if c.status in _ASKED and _CALL_AND.search(sentence, max(0, c.start - 160), c.start) else c
        for c in chosen
    ]
    return tuple(sorted(chosen, key=lambda c: c.start))


#: "called on the parties to halt fighting and agree a truce": an act coordinated with what a
#: call asks for is asked for too, not reported.
_ASKED = ("agreed", "proposed", "in_effect")
_CALL_AND = re.compile(
    r"\b(?:call(?:s|ed|ing)? on|urg(?:e|es|ed|ing)|ask(?:s|ed|ing)?|press(?:es|ed|ing)?|appeal(?:s|ed|ing)? to|encourag(?:e|es|ed|ing)|"
    r"invit(?:e|es|ed|ing)|implor(?:e|es|ed|ing)|exhort(?:s|ed|ing)?|demand(?:s|ed|ing)? that)\s+(?:[\w'\u2019-]+\s+){0,8}?to\s+"
    r"(?:[\w'\u2019-]+\s+){1,5}?(?:and|or)\s+(?:to\s+)?$",
    re.IGNORECASE,
)


#: Where the stretch that reports on a pause ends. Before the pause: a strong break. After
#: it, also a clause of what came earlier ("reopened the crossing four days after closing
#: it", "calm since the truce was agreed"): its cues are older news than the pause's own.
_BREAK = re.compile(r"[;\u2014\u2013]|(?<!\d):(?!\d)|\s-\s|\[\.\.\.\]")  # not the colon of a clock time
_EARLIER = re.compile(r"[;\u2014\u2013]|(?<!\d):(?!\d)|\s-\s|\[\.\.\.\]|\s(?:after|since|following)\s|,\s+which\s+had\b", re.IGNORECASE)
_EARLIER_REL = re.compile(r"[;\u2014\u2013]|(?<!\d):(?!\d)|\s-\s|\[\.\.\.\]|,\s+which\s+had\b", re.IGNORECASE)
_RELATIVE_HIT = re.compile(r"\s(?:that|which)\s", re.IGNORECASE)  # a trigger that takes in its relative clause
#: Words that may not stand between a governing verb and the pause it governs: a verb or a
#: clause word means the verb governs something else ("agreed that the truce", "said a truce").
_DASHES = ("\u2014", "\u2013")
#: An aside in commas right after the pause (and its place), before its predicate ("the truce in Goma, renewed twice, expired").
# "was due to", "had been set to": an end planned, not reported (the old term of an extension)
_PLANNED_END = re.compile(
    r"(?<![\w])(?:was|were|had\s+been)\s+(?:originally\s+|initially\s+)?(?:due|set|scheduled|supposed|planned|expected|slated)\s+to\s+$", re.IGNORECASE
)
_WHICH_HAD = re.compile(r"(?<![\w])(?:which|that)\s+(?:had\s+)?$", re.IGNORECASE)
_ASIDE = re.compile(
    r"(?:\s+(?:in|at|around|near|across|along|between|for|on)\s+(?:the\s+)?[A-Z][\w'\u2019.-]*(?:\s+(?:and\s+)?[A-Z][\w'\u2019.-]*)*)?"
    r"\s*,[^,;.]{1,80},\s*"
)
_GAP_STOP = frozenset(
    "that which who whom whose while but because if was were is are has have had be been being will would "
    "said says told after before since when where as than not".split()
)
_GAP_WORD = re.compile(r"[\w'\u2019.-]+")


def _gap_before(gap: str) -> bool:
    """True when `gap` (between a cue and the trigger) holds only a noun phrase's opening words."""
    if any(ch in gap for ch in ",;:()[]"):
        return False
    words = _GAP_WORD.findall(gap)
    return len(words) <= 6 and not any(w.lower() in _GAP_STOP for w in words)


#: Words that may stand between the pause (the subject) and its predicate ("the truce has
#: largely held", "the ceasefire, which took effect", "the truce in Sirte was signed").
_GAP_AFTER = re.compile(
    r"^(?:[\s,\"'\u201c\u201d\u2018\u2019]+|(?:s|has|have|had|was|were|is|are|been|being|be|will|would|which|that|now|finally|"
    r"largely|mostly|broadly|officially|formally|reportedly|apparently|already|also|still|then|agreement|deal|accord|"
    r"itself|appears|appeared|seems|seemed|to|just|quickly|effectively|initially|later|again)\b|"
    r"(?:in|at|around|near|across|along|between|for|on)\s+(?:the\s+)?(?-i:[A-Z])[\w'\u2019.-]*(?:\s+(?:and\s+)?(?-i:[A-Z])[\w'\u2019.-]*)*)*$",
    re.IGNORECASE,
)
#: A cue in a hypothesis, condition, aim or expectation is no report: "could be extended", "unless it
#: is violated", "is expected to be extended", "a mechanism to monitor violations".
_HYPOTHETICAL = re.compile(
    r"\b(?:could|may|might|can|unless|if|whether|should|threaten(?:s|ed)? to|risk(?:s|ed)?)\b[\w\s]{0,14}$|\b(?:no|without|never|nor|any)\s+(?:\w+\s+){0,2}$"
    r"|\b(?:expected|likely|hop(?:e|es|ed|ing)|aim(?:s|ed|ing)?|seek(?:s|ing)?|plan(?:s|ned|ning)?|wants?|wanted|efforts?|bids?|talks|moves?) to\s+(?:be\s+)?$"
    r"|\bto (?:monitor|report|prevent|avoid|investigate|punish|deter|verify|document|address|track) (?:\w+\s+){0,2}$",
    re.IGNORECASE,
)

#: "... if Russia agreed": any cue in a condition is no report.
_CONDITION = re.compile(r"\b(?:if|unless|whether)\b[\w\s]{0,14}$", re.IGNORECASE)
#: "civilians would be able to leave during a pause running from 8 a.m. on Thursday", "forces
#: will halt operations under a ceasefire starting at 6 a.m. on Saturday": the pause still
#: ahead, not one going on
_DURING_AHEAD = re.compile(r"\b(?:will|would|shall|can|could|(?:is|are) to|to be able to)\b(?:(?![.;]).)*\b(?:during|under)$", re.IGNORECASE)
#: "would collapse if ...": a condition after the cue.
_WOULD = re.compile(r"\bwould\s+(?:\w+\s+)?$", re.IGNORECASE)
_IF_AFTER = re.compile(r"(?:\s+[\w'\u2019-]+){0,3}?\s+(?:if|unless)\b", re.IGNORECASE)


def clause(sentence: str, h: Hit) -> tuple[int, int]:
    """The stretch of the sentence that reports on the trigger (see `_BREAK`, `_EARLIER`)."""
    lo = 0
    for m in _BREAK.finditer(sentence, 0, h.start):
        lo = m.end()
    aside = _ASIDE.match(sentence, h.end)  # "the truce, renewed twice since April, expired": its predicate is past the aside
    # from the aside's closing comma, not past its space: ", the ministry said, after ..." still opens an earlier clause
    # "a crossing that reopened after a closure was shut again": a pause told with its own relative
    # clause has its main predicate still to come, past an after-clause inside the relative one
    earlier = _EARLIER_REL if _RELATIVE_HIT.search(sentence, h.start, h.end) else _EARLIER
    m = earlier.search(sentence, h.end + len(aside.group().rstrip()) if aside else h.end)
    while m and m.group() in _DASHES and (close := sentence.find(m.group(), m.end())) != -1:
        m = _EARLIER.search(sentence, close + 1)  # "the truce — brokered by Qatar — took effect": an aside
    return lo, (m.start() if m else len(sentence))


def status(h: Hit, span: tuple[int, int], all_cues: tuple[Cue, ...], sentence: str | None = None) -> str | None:
    """The status the span asserts for its trigger, or None when it has no cue.

    With the `sentence` (else the old span-wide reading):
    - only the cues in the stretch that reports on the pause count when it has any
      (`clause`: not past a strong break before it, nor in an after/since clause after it),
      and a cue in a hypothesis or negation ("could be extended", "no violations") none;
    - a call that governs the pause ("calling for extended pauses") makes it a call, and what
      the call asks for is not read as a report;
    - "despite the truce" makes it violated whatever else happened;
    - a cue of what happened after the start (extended, violated, collapsed, ended) beats
      the rest: the one that governs the pause first (the verb whose object it is before its
      own relative clause), else the latest stage; a breach with renewed fighting is a collapse;
    - then the pause's own predicate with its auxiliary ("a truce was about to be signed");
    - then "in effect" (not a present tense inside a when-clause: "is set to end when the
      truce enters into force"), the governing cue first; such a start still to come makes
      the pause agreed unless a proposal or call governs it;
    - else the governing cue, else the nearest (cues after the trigger count as a little
      farther).
    A cue governs when only a noun phrase's words stand between it and the trigger ("called
    for an immediate 72-hour truce"), or only auxiliaries and adverbs after it ("the truce
    has largely held"); a compound name ("ceasefire agreement") governs nothing.
    """
    lo, hi = span
    inside = [c for c in all_cues if lo <= c.start < hi]  # a cue across the cut belongs where it starts
    if sentence is not None:
        inside = [
            c for c in inside
            if (c.status in ("proposed", "called_for", "agreed") and not _CONDITION.search(sentence, max(0, c.start - 30), c.start))
            or not (
                _HYPOTHETICAL.search(sentence, max(0, c.start - 30), c.start)
                or (_WOULD.search(sentence, max(0, c.start - 20), c.start) and _IF_AFTER.match(sentence, c.end))
            )
        ]
        inside = [  # the pause still ahead: agreed, not in effect
            Cue("agreed", c.start, c.end) if c.status == "in_effect" and _DURING_AHEAD.search(sentence, max(0, c.start - 80), c.end) else c
            for c in inside
        ]
        clo, chi = clause(sentence, h)
        own = [c for c in inside if c.start >= clo and c.end <= chi]
        inside = own or inside
    if not inside:
        return None

    def distance(c: Cue) -> float:
        return h.start - c.end if c.end <= h.start else (c.start - h.end) * 1.2 if c.start >= h.end else 0

    def governs(c: Cue) -> bool:
        if sentence is None:
            return False
        if c.end <= h.start:
            return h.start - c.end <= 60 and _gap_before(sentence[c.end : h.start])
        if c.start >= h.end:
            gap = sentence[h.end : c.start]
            if not gap.strip() and _COMPOUND.match(sentence, c.start):
                return False  # "ceasefire agreement", "truce deal": a name, not a predicate
            aside = _ASIDE.match(gap)  # "the truce, renewed twice since April, expired": past the aside
            rest = gap[aside.end() :] if aside else gap
            return c.start - h.end - len(gap) + len(rest) <= 40 and bool(_GAP_AFTER.match(rest))
        return False

    def best(cues: list[Cue]) -> str:
        ruling = [c for c in cues if governs(c)]
        return min(ruling or cues, key=distance).status

    calls = [
        c for c in inside
        if c.status == "called_for" and governs(c) and c.end <= h.start and not _TO_KEEP.search(sentence or "", c.start, c.end)
    ]
    if calls:  # "calling for extended pauses": what the call asks for is no report
        first = min(c.end for c in calls)
        inside = [c for c in inside if not first <= c.start < h.start]
    later = [c for c in inside if c.status in _AFTER_START]
    if any(c.status == "extended" for c in later):  # "which had been set to lapse on Tuesday, has been extended": the old term
        later = [
            c for c in later
            if not (c.status == "ended" and (
                _PLANNED_END.search(sentence or "", max(0, c.start - 40), c.start)
                or _WHICH_HAD.search(sentence or "", max(0, c.start - 20), c.start)  # "..., which expired at 6 p.m., had been renewed"
            ))
        ]
    if sentence is not None and any(_DESPITE.match(sentence, c.start) for c in later):
        return "violated"  # "despite the truce, X resumed hostilities": the pause still stands
    if later:
        ruling = [c for c in later if governs(c)]
        # the verb whose object the pause is ("extended a ceasefire that expired") before a
        # relative clause about it; past an aside, the main predicate
        ruling = [c for c in ruling if c.end <= h.start] or [c for c in ruling if _ASIDE.match(sentence or "", h.end, c.start)] or ruling
        found = best(ruling) if ruling else max(later, key=lambda c: _ORDER[c.status]).status
        if (
            found == "collapsed" and _AFTER_PAUSE.search(sentence or "", max(0, h.start - 40), h.start)
            and not any(c.status == "collapsed" and c.start >= h.end and governs(c) for c in later)
        ):
            return "ended"  # "clashes resumed after a 24-hour truce": the fighting came after the pause had run its course
        if (
            found == "violated" and sentence
            and any(c.status == "violated" and _BREAKING.match(sentence, c.start) for c in later)
            and _LAUNCHED.search(sentence, max(0, h.start - 200), h.start)
        ):
            return "collapsed"  # "launched a fresh wave of airstrikes, breaking the ceasefire": fighting that breaks it
        resumed = found == "ended" and any(c.status == "violated" and _RESUMED.search(sentence or "", c.start, c.end) for c in later)
        if found in ("violated", "ended") and (resumed or any(c.status == "collapsed" for c in later)):
            expired = found == "ended" and any(_EXPIRY.match(sentence or "", c.start) for c in later if c.status == "ended")
            if not expired:  # "resumed hostilities, blaming each other for breaking the truce"; "ended when fighting erupted"
                return "collapsed"
        return found
    if calls:
        return "called_for"
    def to_come(c: Cue) -> bool:  # "when the truce enters into force": a present tense of a start still to come
        lo = max(0, min(c.start - 80, h.start - 30))
        return bool(sentence and _FUTURE_NOW.search(sentence, lo, c.start) and _PRESENT.match(sentence, c.start))

    now = [c for c in inside if c.status == "in_effect" and not to_come(c)]
    own = [  # the pause's own predicate, with its auxiliary: "a truce was about to be signed"
        c for c in inside
        if c.status != "in_effect" and c.start >= h.end and governs(c) and _AUX.search(sentence or "", h.end, c.end)
    ]
    if own and not any(governs(c) for c in now):
        named = [c for c in inside if c.status == "proposed" and c.end <= h.start and governs(c) and _ATTRIBUTE.fullmatch(sentence or "", c.start, c.end)]
        if named and all(_AUX_FUTURE.search(sentence or "", h.end, c.end) for c in own):
            return "proposed"  # "a proposed truce will hold": a hope for a plan, not an agreement
        return min(own, key=distance).status
    if now:
        return best(now)
    asks = [c for c in inside if c.status in ("proposed", "called_for") and c.end <= h.start and governs(c)]
    if sentence and any(c.status == "in_effect" for c in inside) and not asks:
        return "agreed"  # "is set to end when the truce enters into force": a start still to come
    return best([c for c in inside if c.status != "in_effect"])


def own_status(sentence: str, h: Hit, vocab: Vocab) -> str | None:
    """A status the trigger's own words carry ("fighting would end", "agreed not to target"), or None."""
    words = sentence[h.start : h.end]
    if _STOPPED.match(words) and not _NOT_DONE.search(sentence, 0, h.start):
        return "in_effect"  # the stopping verb in the past tense: reported as done ("paused strikes on Beirut on Friday")
    for name, pattern in vocab.status_cues:
        if m := pattern.search(words):
            if name == "ended" and m.start() == 0:
                continue  # "suspend fighting", "halted strikes on X": the stopping verb makes the pause, it does not end one
            return "agreed" if name == "in_effect" and _AUX_FUTURE.search(words) else name
    return None


#: A trigger opening with a stopping verb in the past tense: the pause happened.
_STOPPED = re.compile(r"(?:halt|paus|suspend|stopp|ceas)ed\b", re.IGNORECASE)
#: ... unless negated, conditional or reported as a plan just before it ("had not halted", "would have paused").
_NOT_DONE = re.compile(r"\b(?:not|never|if|unless|whether|would have|could have|should have)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
#: A trigger that keeps something open ("would keep the crossing open for aid until Sunday"):
#: open now, and staying so, when no cue says otherwise ("agreed to keep ... open").
KEPT = re.compile(r"(?:keep|keeps|keeping|kept)\b", re.IGNORECASE)
_FUTURE_NOW = re.compile(r"\b(?:when|once|until|as soon as)\b", re.IGNORECASE)
_PRESENT = re.compile(r"(?:takes|goes|comes|enters|begins|starts)\b", re.IGNORECASE)
_AUX = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|shall|been|be)\b", re.IGNORECASE)
_EXPIRY = re.compile(r"(?:expir|laps|not (?:be )?(?:extended|renewed)|fail\w* to (?:extend|renew))", re.IGNORECASE)
#: Words that name a pause as a plan inside its noun phrase ("a proposed truce", "a possible ceasefire").
_ATTRIBUTE = re.compile(r"proposed|possible|potential|planned|hoped-for|mooted|draft", re.IGNORECASE)
#: The pause as the object of "after" / "following" ("after a 24-hour ceasefire"): something that came after it.
_AFTER_PAUSE = re.compile(r"\b(?:after|following)\s+(?:[\w'\u2019-]+\s+){0,3}$", re.IGNORECASE)
_AUX_FUTURE = re.compile(r"\b(?:will|would|shall|is to|was to)\b", re.IGNORECASE)
_BREAKING = re.compile(r"(?:break|broke|shatter)", re.IGNORECASE)
_LAUNCHED = re.compile(r"\blaunch(?:ed|es|ing)?\b[^.;]{0,60}?\b(?:air ?strikes|airstrikes|attacks?|offensive|assault|bombardment)\b", re.IGNORECASE)
#: A breach that is renewed fighting ("resumed airstrikes, ending the truce"): with an end, a collapse.
_RESUMED = re.compile(r"resum", re.IGNORECASE)
_DESPITE = re.compile(r"(?:despite|in spite of)\b", re.IGNORECASE)
_COMPOUND = re.compile(r"(?:agreements?|deals?|accords?|pacts?)\b", re.IGNORECASE)
_TO_KEEP = re.compile(r"\b(?:respect|observe|abide by|honou?r|adhere to|uphold|maintain|preserve)$", re.IGNORECASE)
_ORDER = {s: i for i, s in enumerate(("called_for", "proposed", "agreed", "in_effect", "extended", "violated", "collapsed", "ended"))}
