"""Tests for tracker.extract: sentences written for the project, the seed article, a golden file.

The golden file `tests/golden/seed_mentions.json` holds the seed article's mentions
(`Mention.to_json`, a list). After a deliberate change to the extractor, regenerate it
and review the diff:

    TRACKER_REGEN_GOLDEN=1 pytest tests/test_extract.py -k golden

The dev passages (/work/shared/data/dev_passages.jsonl, or $TRACKER_DEV_PASSAGES) are
other people's writing and are not copied here; the test that scores them is skipped when
the file is absent.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tracker.extract import Extractor, english, extract
from tracker.extract.evaluate import FLOORS, SET_FLOORS, below_floors, evaluate, floors_for, passage_prediction, same_place
from tracker.types import KINDS, STANCES, STATUSES, Mention

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "aleppo-48-hour-ceasefire.txt"
GOLDEN = Path(__file__).resolve().parent / "golden" / "seed_mentions.json"
DEV = Path(os.environ.get("TRACKER_DEV_PASSAGES", "/work/shared/data/dev_passages.jsonl"))
PROJECT = Path(__file__).resolve().parent / "data" / "project_passages.jsonl"  # written for the project
HOLDOUT = Path(__file__).resolve().parent / "data" / "holdout_passages.jsonl"  # written for the project, other conflicts
SEED_PUBLISHED = datetime(2016, 8, 18, 12, 0, tzinfo=timezone.utc)
THURSDAY = datetime(2024, 3, 7, 12, 0, tzinfo=timezone.utc)  # 14:00 in Gaza and Beirut


def one(text: str, published: datetime | None = THURSDAY) -> Mention:
    mentions = extract(text, published)
    assert len(mentions) == 1, mentions
    return mentions[0]


def actors(m: Mention) -> dict[str, str]:
    return {a.name: a.stance for a in m.actors}


# --- the seed article -------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> list[Mention]:
    return extract(SEED.read_text(encoding="utf-8"), SEED_PUBLISHED)


def test_seed_headline(seed):
    head = [m for m in seed if m.quote == "Russia Proposes 48 Hour Ceasefire In Aleppo"]
    assert len(head) == 1
    m = head[0]
    assert (m.kind, m.status, m.duration_hours, m.location, m.country) == ("ceasefire", "proposed", 48, "Aleppo", "Syria")
    assert actors(m)["Russia"] == "proposed"


def test_seed_un_welcomed_across_mentions(seed):
    assert any(a.name == "UN" and a.stance == "welcomed" for m in seed for a in m.actors)


def test_seed_de_mistura(seed):
    [m] = [m for m in seed if "de Mistura welcomed" in m.quote]
    assert (m.kind, m.status, m.location) == ("humanitarian_pause", "proposed", "Aleppo")
    assert actors(m) == {"UN": "welcomed", "Russia": "proposed"}


def test_seed_urgent_call(seed):
    [m] = [m for m in seed if "urgently need" in m.quote]
    assert (m.kind, m.status, m.duration_hours, m.location) == ("ceasefire", "called_for", 48, "Aleppo")
    assert m.start_text == "this week" and m.starts_at is None


@pytest.mark.parametrize(
    "fragment",
    ["in the past 48 hours", "month-long government siege", "envoy pauses humanitarian task force", "prevented aid from reaching"],
)
def test_seed_distractors_give_nothing(seed, fragment):
    assert not [m for m in seed if fragment in m.quote]


def test_seed_golden(seed):
    got = [m.to_json() for m in seed]
    if os.environ.get("TRACKER_REGEN_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_mentions_are_well_formed(seed):
    for m in seed:
        assert m.kind in KINDS and m.status in STATUSES and 0 <= m.confidence <= 1
        assert all(a.stance in STANCES for a in m.actors)
        assert m.starts_at is None or m.starts_at.utcoffset().total_seconds() == 0


# --- kind --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The two armies agreed a ceasefire in Donetsk on Tuesday.", "ceasefire"),
        ("The sides announced a cessation of hostilities in Darfur.", "ceasefire"),
        ("Clan elders brokered a truce in Mogadishu.", "truce"),
        ("The UN asked for a humanitarian pause in Khan Younis so convoys can enter.", "humanitarian_pause"),
        ("Mediators proposed a pause in fighting around Goma.", "humanitarian_pause"),
        ("Russia offered a humanitarian corridor out of Mariupol.", "aid_corridor"),
        ("The Kerem Shalom crossing reopened to let aid trucks into Gaza.", "aid_access"),
        ("The army agreed to a humanitarian ceasefire in Khartoum.", "ceasefire"),
        ("Rebels signed a humanitarian truce for Hodeidah.", "truce"),
    ],
)
def test_kind(text, kind):
    assert one(text).kind == kind


# --- status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Moscow offers a three-day truce in Donetsk.", "proposed"),
        ("Oxfam is calling for an immediate ceasefire in Gaza.", "called_for"),
        ("The envoy urged both sides to agree a ceasefire in Sanaa.", "called_for"),
        ("Both sides have agreed to a ceasefire in Idlib.", "agreed"),
        ("The government declared a unilateral truce in Tigray.", "agreed"),
        ("A ceasefire took effect in southern Lebanon at dawn.", "in_effect"),
        ("The truce in Hodeidah is holding, residents say.", "in_effect"),
        ("The ceasefire in Beirut came into force at 4am.", "in_effect"),
        ("The parties extended the truce in Yemen for two more months.", "extended"),
        ("Monitors said the ceasefire in Donetsk was violated overnight.", "violated"),
        ("The truce in Khartoum collapsed as fighting resumed.", "collapsed"),
        ("The ceasefire in Aden broke down within a day.", "collapsed"),
        ("The truce in Yemen expired on Sunday.", "ended"),
    ],
)
def test_status(text, status):
    assert one(text).status == status


# --- duration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Russia proposed a 48 hour ceasefire in Aleppo.", 48),
        ("The UN wants a 48-hour pause in fighting in Aleppo.", 48),
        ("Both sides accepted a two-day truce in Gaza.", 48),
        ("The army declared a truce of 72 hours in Darfur.", 72),
        ("Rebels agreed to a week-long ceasefire in Goma.", 168),
        ("The council backed a 60-day ceasefire in southern Lebanon.", 1440),
        ("They signed a ceasefire of three days in Homs.", 72),
        ("Yemen's parties agreed a two-month truce.", 1440),
        ("The sides agreed four-hour daily humanitarian pauses in northern Gaza.", 4),
        ("The ceasefire in Idlib is set for an initial period of 30 days.", 720),
    ],
)
def test_duration(text, hours):
    assert one(text).duration_hours == hours


@pytest.mark.parametrize(
    "text",
    [
        "Shelling has killed 40 people in the past 48 hours despite the ceasefire in Homs.",
        "The army agreed to a ceasefire in Idlib with 72 hours' notice before any withdrawal.",
        "The truce in Sanaa starts at 24 hours local time.",
        "Ceasefire talks in Aleppo lasting three days ended without a deal.",
        "The truce in Homs ended a siege of two months.",
        "The 6-month-old ceasefire in Yemen is fragile.",
        "The army ended a truce in Sirte that had been in place for almost seven weeks.",
    ],
)
def test_duration_not_attached(text):
    assert all(m.duration_hours is None for m in extract(text, THURSDAY))


# --- place ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "location", "country"),
    [
        ("The Syrian army agreed to a truce in Aleppo.", "Aleppo", "Syria"),
        ("A ceasefire for Syria's Idlib province took effect.", "Idlib", "Syria"),
        ("Talks in Geneva produced a ceasefire for Homs.", "Homs", "Syria"),
        ("Mediators called for a corridor... a humanitarian corridor out of Mariupol.", "Mariupol", "Ukraine"),
        ("A Gaza ceasefire was agreed on Wednesday.", "Gaza", "Palestine"),
        ("The army and the RSF agreed a truce in El Fasher, in Sudan's Darfur region.", "El Fasher", "Sudan"),
        ("A truce between Armenia and Azerbaijan held in Nagorno-Karabakh.", "Nagorno-Karabakh", "Azerbaijan"),
    ],
)
def test_place(text, location, country):
    m = extract(text, THURSDAY)[-1]
    assert (m.location, m.country) == (location, country)


def test_venue_and_dateline_are_not_the_place():
    m = one("JEDDAH (Reuters) - Delegates meeting in Geneva agreed a ceasefire.")
    assert m.location is None
    m = one("SANAA, Yemen (AP) - The truce in Hodeidah took effect on Monday.")
    assert m.location == "Hodeidah"


def test_parties_are_not_the_place():
    m = one("A truce between Israel and Hamas took effect on Friday.")
    assert m.location is None


# --- actors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UN Special Envoy for Syria Lena Marsh welcomed the offer of a truce in Aleppo.", {"UN": "welcomed"}),
        ("The U.N. envoy called for a ceasefire in Homs.", {"UN": "called_for"}),
        ("The Russian defence ministry proposed a truce in Aleppo.", {"Russia": "proposed"}),
        ("The Kremlin welcomed the truce in Donetsk.", {"Russia": "welcomed"}),
        ("Save the Children is calling for a ceasefire in Gaza.", {"Save the Children": "called_for"}),
        ("The UN welcomed Russia's proposal for a ceasefire in Aleppo.", {"UN": "welcomed", "Russia": "proposed"}),
        ("Israel and Hamas have agreed to a truce.", {"Israel": "agreed", "Hamas": "agreed"}),
        ("Ukraine rejected a ceasefire proposed by Moscow.", {"Ukraine": "rejected", "Russia": "proposed"}),
        ("Armenia accused Azerbaijan of violating the ceasefire.", {"Armenia": "mentioned", "Azerbaijan": "accused"}),
    ],
)
def test_actors(text, expected):
    assert actors(one(text)) == expected


# --- start ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start_text", "starts_at"),
    [
        ("The truce in Gaza will begin today.", "today", datetime(2024, 3, 6, 22, tzinfo=timezone.utc)),
        ("The truce in Gaza will begin tomorrow.", "tomorrow", datetime(2024, 3, 7, 22, tzinfo=timezone.utc)),
        ("The ceasefire in Beirut will take effect on Friday.", "on Friday", datetime(2024, 3, 7, 22, tzinfo=timezone.utc)),
        ("Both sides agreed a truce in Gaza from 7am Friday.", "from 7am Friday", datetime(2024, 3, 8, 5, tzinfo=timezone.utc)),
        ("The ceasefire in Beirut begins at midnight.", "at midnight", datetime(2024, 3, 7, 22, tzinfo=timezone.utc)),
        ("The army declared a truce in Tigray, effective immediately.", "effective immediately", THURSDAY),
        ("The truce will start immediately, the envoy said.", "immediately", THURSDAY),
        ("A ceasefire was agreed for Idlib next week.", "next week", None),
        ("The UN wants a truce in Homs this week.", "this week", None),
        ("A ceasefire was agreed, the minister said on Friday.", None, None),
    ],
)
def test_start(text, start_text, starts_at):
    m = one(text)
    assert (m.start_text, m.starts_at) == (start_text, starts_at)


def test_start_without_publication_time_is_words_only():
    m = one("The truce in Gaza will begin tomorrow.", None)
    assert m.start_text == "tomorrow" and m.starts_at is None


def test_past_weekday_resolves_backwards():
    m = one("A ceasefire took effect in Beirut on Monday.")
    assert m.starts_at == datetime(2024, 3, 3, 22, tzinfo=timezone.utc)


# --- traps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "UN Syria envoy pauses humanitarian task force amid fighting",
        "The two countries agreed a trade truce to cut tariffs.",
        "Washington and Beijing extended their trade ceasefire for 90 days.",
        "Dock workers began a 48-hour strike over pay.",
        "Health officials called for a pause in the use of the vaccine.",
        "The US announced a pause in weapons shipments to Kyiv.",
        "The two rappers declared a truce after their feud.",
        "The football match saw a pause for a drinks break.",
        "Police created a green corridor through city traffic for an ambulance.",
        "Players can call a ceasefire in the video game's multiplayer mode.",
        "The 1953 armistice ended the war on the peninsula.",
        "Ceasefires have collapsed repeatedly since 2014.",
        "Half a dozen ceasefires were broken within weeks.",
        "Rebels deny reports of a ceasefire in Idlib.",
        "Shelling has killed scores of people over the last 48 hours.",
        "Rebels broke a month-long government siege of the city.",
        "The escalation has prevented aid from reaching the besieged areas.",
        "Britain joined others in pausing funding to the agency.",
    ],
)
def test_other_senses_and_history_give_nothing(text):
    assert extract(text, THURSDAY) == []


def test_headline_casing():
    m = one("Russia Proposes 48 Hour Ceasefire In Aleppo", None)
    assert (m.kind, m.status, m.duration_hours, m.location) == ("ceasefire", "proposed", 48, "Aleppo")
    m = one("ISRAEL AGREES TO FOUR-HOUR DAILY PAUSES IN NORTHERN GAZA", None)
    assert (m.kind, m.status, m.duration_hours, m.location) == ("humanitarian_pause", "agreed", 4, "northern Gaza")


def test_headline_line_is_its_own_sentence():
    text = "Truce Agreed In Homs\nResidents celebrated in the streets. Shops reopened."
    [m] = extract(text)
    assert m.quote == "Truce Agreed In Homs"


def test_one_mention_per_pause_per_sentence():
    text = "The UN called for a 72-hour humanitarian pause in El Fasher and access for aid convoys."
    kinds = [m.kind for m in extract(text)]
    assert kinds == ["humanitarian_pause", "aid_access"]
    assert len(extract("The ceasefire in Gaza held; the ceasefire was the first in months.")) == 1


def test_anaphora_carries_the_kind():
    text = "Both sides agreed a ceasefire in Gaza. The deal will last 42 days."
    first, second = extract(text)
    assert (second.kind, second.duration_hours, second.location) == ("ceasefire", 1008, "Gaza")


def test_extract_is_pure_and_repeatable():
    text = SEED.read_text(encoding="utf-8")
    assert extract(text, SEED_PUBLISHED) == extract(text, SEED_PUBLISHED)


# --- more traps, statuses and durations (sentences written for the project) -------------


@pytest.mark.parametrize(
    "text",
    [
        "Washington and Beijing agreed on Monday to a 90-day tariff truce on steel.",
        "Nurses will hold a 48-hour strike from Tuesday, their union said.",
        "Regulators recommended a pause in the rollout of the vaccine for people under 30.",
        "The Pentagon confirmed a temporary pause in some weapons deliveries to Kyiv.",
        "Players can switch on the new ceasefire mode, the studio said in its patch notes.",
        "The Premier League match was paused for 12 minutes after the referee stopped play.",
        "Trading on the stock exchange was halted for an hour after the index plunged.",
        "Any ceasefire would need to be monitored by a neutral force, analysts say.",
        "Putin has offered ceasefires before, only to resume attacks days later.",
        "The ceasefire that ended the 2006 war is monitored by UN peacekeepers.",
        '"There is no ceasefire," a rebel spokesman said on Sunday.',
        "Ceasefire talks in Doha ended on Thursday without a breakthrough.",
        "Residents say no aid convoy has entered the town since January.",
        "The union and the employers agreed a truce, suspending a planned walkout.",
        "Ceasefire, the band's third album, debuted at number four.",
        "Diplomats say the chances of a truce before the elections are slim.",
        "Residents recalled the failed evacuation attempts of 2022, when humanitarian corridors were shelled.",
    ],
)
def test_more_traps_give_nothing(text):
    assert extract(text, THURSDAY) == []


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        ("Ukraine said it was ready to accept a proposal for a ceasefire in Kharkiv.", "ceasefire", "proposed"),
        ("Clan elders announced a truce in Kismayo on Monday.", "truce", "agreed"),
        ("The army said it would observe a humanitarian truce in Omdurman.", "truce", "agreed"),
        ("A humanitarian corridor would open at 10 a.m. to let civilians leave Sumy.", "aid_corridor", "agreed"),
        ("A convoy of 12 aid trucks reached Madaya on Monday under the deal.", "aid_access", "in_effect"),
        ("Fighting has largely stopped in Mogadishu since elders brokered a ceasefire.", "ceasefire", "in_effect"),
        ("The truce in Taiz was being broken almost daily, aid workers said.", "truce", "violated"),
        ("Rebels broke a ceasefire in Goma on Saturday, the army said.", "ceasefire", "violated"),
        ("Clashes erupted in Sirte after a ceasefire was due to take effect, shattering the truce.", "ceasefire", "collapsed"),
        ("Egypt closed the Rafah crossing again, a day after aid trucks entered Gaza.", "aid_access", "ended"),
        ("Aid agencies demanded the reopening of the Kerem Shalom crossing for food trucks.", "aid_access", "called_for"),
        ("The Adre crossing will reopen for relief convoys on Sunday, officials in Darfur said.", "aid_access", "agreed"),
        ("Officials said the Rafah crossing was set to open to aid trucks at dawn.", "aid_access", "agreed"),
        ("India and Pakistan agreed to strictly observe a 2003 ceasefire in Kashmir.", "ceasefire", "agreed"),
    ],
)
def test_more_statuses(text, kind, status):
    m = extract(text, THURSDAY)[0]
    assert (m.kind, m.status) == (kind, status)


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Doctors appealed for a ceasefire of forty-eight hours in Khartoum.", 48),
        ("The coalition announced a ceasefire in Yemen to begin at noon and last two weeks.", 336),
        ("The army accepted a truce lasting five days in El Obeid.", 120),
        ("The Houthis announced a ceasefire for 72 hours on the Hodeidah front.", 72),
        ("Elders agreed to a truce of up to 10 days in Lalibela.", 240),
        ("A 21-day ceasefire in Lebanon was proposed on Wednesday.", 504),
        ("Egypt floats a two-month truce plan for Gaza.", 1440),
        ("Israel will observe a forty-eight hour pause in its operations in Rafah.", 48),
        ("Israel and Hamas agreed to extend their truce in Gaza by two days.", 48),
        ("Myanmar Junta Extends Quake Truce By 20 Days", 480),
        # "will be in place for": a length to come, not time elapsed ("has been in place for")
        ("The humanitarian pause in Rafah will be in place for four hours each day.", 4),
        ("A first draft of the text called for an initial pause of four consecutive days in Rafah.", 96),
        # the British possessive: "three days' truce"
        ("Mediators said both sides accepted a further 72 hours' humanitarian ceasefire in Sirte.", 72),
        ("The rebels declared a three days’ truce in Marib.", 72),
    ],
)
def test_more_durations(text, hours):
    assert extract(text, THURSDAY)[0].duration_hours == hours


@pytest.mark.parametrize(
    "text",
    [
        "The 60-day ceasefire in southern Lebanon was extended until February 18.",
        "The Pope appealed for a truce in Ukraine, urging leaders to silence their weapons for a few days.",
        "Forty-eight hours after it began, a ceasefire in Homs was largely holding.",
        "The truce in Idlib has been in place for six months.",
        "A ceasefire in Darfur would be followed by a 90-day political process, the mediators said.",
    ],
)
def test_more_durations_not_attached(text):
    assert all(m.duration_hours is None for m in extract(text, THURSDAY))


def test_daily_window_records_recurrence():
    m = one("Russia said its forces would observe daily four-hour pauses in fighting in Idlib from Tuesday.")
    assert (m.duration_hours, m.recurrence, m.status) == (4, "daily", "agreed")


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("Sudan's army and the RSF agreed to a seven-day ceasefire across the country.", "Sudan"),
        ("Clan militias in central Somalia agreed to a truce on Monday.", "Somalia"),
        ("M23 rebels declared a ceasefire in eastern Congo, around Goma.", "eastern DR Congo"),
        ("The Pope appealed for a truce in Ukraine over Easter, urging leaders to stop.", "Ukraine"),
        ("The coalition announced a unilateral ceasefire in Yemen.", "Yemen"),
    ],
)
def test_more_places(text, location):
    assert extract(text, THURSDAY)[0].location == location


@pytest.mark.parametrize(
    ("text", "start_text", "starts_at"),
    [
        ("A truce in Gaza will take effect at midnight local time.", "at midnight local time", datetime(2024, 3, 7, 22, tzinfo=timezone.utc)),
        ("The ceasefire in Khartoum starts from 7am Friday.", "from 7am Friday", datetime(2024, 3, 8, 5, tzinfo=timezone.utc)),
        ("A ceasefire in Kyiv is expected this week.", "this week", None),
    ],
)
def test_more_starts(text, start_text, starts_at):
    m = one(text)
    assert (m.start_text, m.starts_at) == (start_text, starts_at)


def test_evaluate_reports_every_miss_and_aliases():
    rows = [
        {"id": "a", "text": "Russia offered a 48-hour ceasefire in Kiev.", "is_pause_event": True, "kind": "truce",
         "status": "agreed", "duration_hours": 48, "location": "Kyiv"},
        {"id": "b", "text": "The two rappers declared a truce.", "is_pause_event": False, "kind": "none",
         "status": "none", "duration_hours": None, "location": None},
        {"id": "c", "text": "Nothing happened today.", "is_pause_event": True, "kind": "ceasefire",
         "status": "agreed", "duration_hours": None, "location": None},
    ]
    r = evaluate(rows)
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (1, 0, 1, 1)
    assert (r["place"], r["duration"], r["kind_family"], r["kind"], r["status"]) == (1.0, 1.0, 1.0, 0.0, 0.0)
    assert r["misses"] == [
        {"id": "a", "differs": {"status": {"expected": "agreed", "got": "proposed"}, "kind": {"expected": "truce", "got": "ceasefire"}}},
        {"id": "c", "differs": {"is_pause_event": {"expected": True, "got": False}}},
    ]
    assert below_floors(r) == ["f1 0.667 < 0.95", "status 0.0 < 0.90"]


def test_same_place_uses_gazetteer_aliases():
    assert same_place("Gaza Strip", "Gaza") and same_place("Kiev", "Kyiv") and same_place("Gaza", "northern Gaza")
    assert not same_place("Gaza", "Rafah") and same_place(None, None) and not same_place("Gaza", None)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_prefilter_changes_nothing():
    """The prefilter only skips work: every labelled passage gives the same mentions without it."""
    full = Extractor.for_vocab(english())
    rows = _rows(PROJECT) + (_rows(DEV) if DEV.exists() else [])
    text = SEED.read_text(encoding="utf-8")
    assert full.extract(text, SEED_PUBLISHED, prefilter=False) == extract(text, SEED_PUBLISHED)
    for row in rows:
        assert full.extract(row["text"], THURSDAY, prefilter=False) == extract(row["text"], THURSDAY), row["id"]


# --- labelled passages: the project's own set always, the dev set when present ---------


def test_project_passages_meet_the_floors():
    rows = _rows(PROJECT)
    assert len(rows) >= 80 and all(r["id"].startswith("proj-") for r in rows)
    result = evaluate(rows)
    assert below_floors(result) == [], result["misses"]


def test_holdout_passages_meet_the_floors():
    """A second set written for the project (other conflicts and phrasings); its first, unseen score is in benchmarks/README.md."""
    rows = _rows(HOLDOUT)
    assert len(rows) >= 40 and all(r["id"].startswith("hold-") for r in rows)
    assert sum(not r["is_pause_event"] for r in rows) >= 14  # traps and negatives
    result = evaluate(rows)
    assert below_floors(result) == [], result["misses"]


@pytest.mark.skipif(not DEV.exists(), reason=f"dev passages not found at {DEV} (set TRACKER_DEV_PASSAGES); they are not copied into the project")
def test_dev_passages_meet_the_floors():
    result = evaluate(_rows(DEV))
    assert below_floors(result) == [], result["misses"]
    assert set(FLOORS) <= set(result)


DEV2 = Path(os.environ.get("TRACKER_DEV_PASSAGES_2", "/work/shared/data/dev_passages_2.jsonl"))


@pytest.mark.skipif(not DEV2.exists(), reason=f"dev passages 2 not found at {DEV2} (set TRACKER_DEV_PASSAGES_2)")
def test_dev_passages_2_meet_their_floors():
    result = evaluate(_rows(DEV2))
    assert below_floors(result, floors_for(DEV2.name)) == [], [m["id"] for m in result["misses"]]
    assert floors_for(DEV2.name) is SET_FLOORS["dev_passages_2.jsonl"] and floors_for("other.jsonl") is FLOORS


# --- general rules found through the holdout set (new sentences, not the holdout's) ----


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        ("The envoy urged an immediate halt to the fighting around Kassala.", "humanitarian_pause", "called_for"),
        ("Egypt shut the Rafah crossing to aid trucks on Monday after a shooting.", "aid_access", "ended"),
        ("Israel agreed to keep the Kerem Shalom crossing open for fuel trucks over the holiday.", "aid_access", "agreed"),
        ("Fuel trucks passed through the Kerem Shalom crossing into Gaza on Friday.", "aid_access", "in_effect"),
        ("The ceasefire in Idlib held for a third day on Monday, a monitoring group said.", "ceasefire", "in_effect"),
        ("The truce in Hodeidah appeared to hold on Saturday.", "truce", "in_effect"),
        ("The ceasefire in Goma remained intact despite sporadic gunfire.", "ceasefire", "in_effect"),
        ("Army and rebel units exchanged fire near Kadugli, a week after a truce was signed.", "truce", "violated"),
        ("Each side accused the other of breaking the truce in Taiz.", "truce", "violated"),
        ("The warring parties agreed to a ceasefire in Sennar for another two weeks.", "ceasefire", "extended"),
    ],
)
def test_holdout_lessons_statuses(text, kind, status):
    m = extract(text, THURSDAY)[0]
    assert (m.kind, m.status) == (kind, status)


# --- the status lexicon: the many words news uses for each stage (issue #12) ------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Negotiators clinched a truce for Kassala late on Friday.", "agreed"),
        ("The two sides inked a ceasefire for Idlib in Ankara.", "agreed"),
        ("Envoys hammered out a ceasefire for Hodeidah overnight.", "agreed"),
        ("The army and the rebels consented to a truce in Kadugli.", "agreed"),
        ("Rebels pledged to observe a ceasefire in Goma from Monday.", "agreed"),
        ("Yemen's warring parties accept truce in Hodeidah", "agreed"),
        ("Idlib ceasefire set for Friday", "agreed"),
        ("A ceasefire in Sennar kicked off at noon.", "in_effect"),
        ("The truce in Taiz has been in place since Sunday.", "in_effect"),
        ("Aid trucks reached Kassala during the humanitarian pause.", "in_effect"),
        ("Under the ceasefire in Goma, both armies pulled back from the front.", "in_effect"),
        ("Shops reopened in Idlib on the second day of the truce.", "in_effect"),
        ("Kadugli truce holding, residents say", "in_effect"),
        ("Militias flouted the truce in Taiz on Sunday.", "violated"),
        ("Mortar fire marred the ceasefire in Goma on its first day.", "violated"),
        ("The truce in Kassala was rocked by two explosions.", "violated"),
        ("Fighting went on in Sennar in defiance of the ceasefire.", "violated"),
        ("The ceasefire in Taiz crumbled on Wednesday.", "collapsed"),
        ("The truce in Hodeidah disintegrated as shelling resumed.", "collapsed"),
        ("The ceasefire in Goma failed within hours.", "collapsed"),
        ("The truce in Kadugli came apart on Tuesday.", "collapsed"),
        ("The truce in Kassala elapsed on Friday.", "ended"),
        ("The army lifted the ceasefire in Sennar on Sunday.", "ended"),
        ("The rebels revoked their truce in Taiz.", "ended"),
        ("The government cancelled the ceasefire in Goma on Friday.", "ended"),
        ("The rebels pulled out of the truce in Kadugli.", "ended"),
        ("The end of the humanitarian pause in Idlib came at 6 p.m.", "ended"),
        ("The ceasefire in Sennar was lengthened by a week.", "extended"),
        ("The Red Cross implored both sides to agree a truce in Kassala.", "called_for"),
        ("Doctors begged for a ceasefire in Goma.", "called_for"),
        ("France is lobbying for a humanitarian pause in Idlib.", "called_for"),
        ("Calls grow for a ceasefire in Sennar", "called_for"),
        ("Army and rebel delegations initialled a ceasefire for Kadugli.", "agreed"),
        ("The truce in Taiz has survived its first week.", "in_effect"),
        ("The Hodeidah truce is now a dead letter after the offensive.", "collapsed"),
    ],
)
def test_status_lexicon(text, status):
    assert passage_prediction(extract(text, THURSDAY))["status"] == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # "began" is no plea ("beg ... to establish"): the evacuation under way is the news
        ("Evacuations began in Sumy after both sides agreed to establish a humanitarian corridor.", "in_effect"),
        # "ignored" and "tested" only of the pause itself
        ("The army tested new rockets before a ceasefire in Goma was agreed.", "agreed"),
        # a truce "is over" with fighting is still a collapse, as the labels read it
        ("The army declared that the week-long ceasefire in Aleppo was over as air strikes resumed.", "collapsed"),
        # shaking hands on a truce is agreeing to it, not shaking it
        ("Rival commanders in Sennar shook hands on a truce late on Thursday.", "agreed"),
    ],
)
def test_status_lexicon_limits(text, status):
    assert passage_prediction(extract(text, THURSDAY))["status"] == status


def test_during_ceasefire_talks_is_still_talk():
    # "during"/"under" a pause put it in effect, but not "during ceasefire talks": no event
    assert extract("Envoys met in Doha during ceasefire talks on Gaza.", THURSDAY) == []
    assert extract("Envoys met in Cairo during truce negotiations on Gaza.", THURSDAY) == []


@pytest.mark.parametrize(
    "text",
    [
        "The coalition partners agreed a truce over the budget until the autumn.",
        "Officials said reports of a ceasefire in Gao were baseless.",
        "Analysts said a durable ceasefire would require international monitors.",
        "The town has been quiet since a truce ended the fighting there in 2019.",
    ],
)
def test_holdout_lessons_traps(text):
    assert extract(text, THURSDAY) == []


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("Armed groups in the south-east of the Central African Republic agreed to a ceasefire.", "Central African Republic"),
        ("Civilians left Bakhmut along a safe corridor to Kramatorsk on Sunday.", "Bakhmut"),
        ("A humanitarian corridor from Mariupol to Zaporizhzhia opened on Friday.", "Mariupol"),
        ("The army reopened the road from Kassala into Gedaref for aid convoys.", "Gedaref"),
        ("The Philippine army declared a holiday ceasefire with communist guerrillas.", "Philippines"),
        ("Militias in Upper Nile agreed to a truce on Friday.", "Upper Nile"),
    ],
)
def test_holdout_lessons_places(text, location):
    assert extract(text, THURSDAY)[0].location == location


# --- the stem indexes only skip work ----------------------------------------------------


def _probe_texts() -> list[str]:
    """Labelled sentences, the seed, and odd-case variants (upper case, the non-ASCII letters re.IGNORECASE folds)."""
    texts = [r["text"] for r in _rows(PROJECT) + _rows(HOLDOUT)] + SEED.read_text(encoding="utf-8").splitlines()
    odd = str.maketrans({"i": "\u0131", "s": "\u017f", "k": "\u212a", "I": "\u0130"})
    return texts + [t.upper() for t in texts] + [t.translate(odd) for t in texts]


def test_stem_indexes_never_hide_a_match():
    """Every pattern that matches a text is among its index's candidates for that text."""
    from tracker.extract.literals import Probe
    from tracker.extract.vocab import place_scan

    v = english()
    indexes = [
        (v.trigger_index, [t.pattern for t in v.triggers] + [v.bare_pause]),
        (v.cue_index, [p for _, p in v.status_cues]),
        (v.actor_index, [a.pattern for a in v.actors]),
        (v.other_sense_index, list(v.other_senses)),
        (v.denial_index, list(v.denials)),
        (v.place_index_all, [p for p, _ in v.places]),
    ]
    for text in _probe_texts():
        probe = Probe(text)
        for index, patterns in indexes:
            found = set(index.candidates(probe))
            matching = {i for i, p in enumerate(patterns) if p.search(text)}
            assert matching <= found, (text, [patterns[i].pattern for i in matching - found])
            if matching:
                assert index.any(probe)
        # places: the scan cut down to the candidate names finds what the full scan finds
        names = tuple(v.place_sources[i] for i in v.place_name_index.candidates(probe))
        cut = [m.span() for m in place_scan(names).finditer(text)] if names else []
        assert cut == [m.span() for m in v.place_index.finditer(text)], text


def test_fold_table_matches_the_running_python():
    from tracker.extract import literals

    assert literals.ascii_equivalents() == literals._EQUIV


def test_odd_letters_do_not_break_extraction():
    """Letters that re.IGNORECASE matches to ASCII ("Tue\u017fday", "F\u0131ve") must not raise."""
    text = "A ceasefire in Gaza will start on Tue\u017fday and la\u017ft f\u0131ve days, officials said."
    m = one(text)
    assert (m.kind, m.start_text) == ("ceasefire", "on Tue\u017fday")


# --- vague starts carry a range; explicit ends ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "start_range"),
    [  # published Thursday 7 March 2024, 12:00 UTC; Gaza and Beirut are UTC+2, Kyiv UTC+2
        ("A ceasefire in Kyiv is expected this week.",
         (datetime(2024, 3, 7, 12, tzinfo=timezone.utc), datetime(2024, 3, 10, 22, tzinfo=timezone.utc))),
        ("A truce in Gaza could begin next week, mediators said.",
         (datetime(2024, 3, 10, 22, tzinfo=timezone.utc), datetime(2024, 3, 17, 22, tzinfo=timezone.utc))),
        ("A truce in Gaza will take effect on Saturday.",  # a bare day: that local day
         (datetime(2024, 3, 8, 22, tzinfo=timezone.utc), datetime(2024, 3, 9, 22, tzinfo=timezone.utc))),
        ("A truce in Gaza will take effect at 7 a.m. on Saturday.", None),  # precise
    ],
)
def test_start_range(text, start_range):
    assert one(text).start_range == start_range


def test_bare_day_keeps_its_midnight_start():
    m = one("A truce in Gaza will take effect on Saturday.")
    assert m.starts_at == m.start_range[0]


@pytest.mark.parametrize(
    ("text", "ends_at"),
    [
        ("A truce in Gaza will hold until Sunday, the mediators said.", datetime(2024, 3, 10, 22, tzinfo=timezone.utc)),
        ("A ceasefire in Beirut will last until 6 p.m. on Friday.", datetime(2024, 3, 8, 16, tzinfo=timezone.utc)),
        ("The holiday ceasefire in Mindanao took effect at midnight on Dec. 23 and will run until Jan. 2.",
         datetime(2024, 1, 2, 16, tzinfo=timezone.utc)),  # the end of 2 January in Manila; it took effect: last December, so this January
        ("A truce in Gaza took effect on Tuesday.", None),
    ],
)
def test_ends_at(text, ends_at):
    m = one(text)
    assert m.ends_at == ends_at
    assert m.starts_at is None or m.ends_at is None or m.ends_at > m.starts_at


def test_until_is_not_a_start():
    m = one("A truce in Gaza will hold until Sunday, the mediators said.")
    assert (m.start_text, m.starts_at) == (None, None)


def test_the_vocabulary_is_compiled_once_when_many_threads_extract_at_once():
    """On a cold start the poller's fetching threads all extract at once: one compiles the
    vocabulary (on first use, not at import), the others wait for it. A fresh process."""
    script = """
import threading
import tracker.extract.vocab as vocab
calls = []
real = vocab.load
vocab.load = lambda language="en": calls.append(language) or real(language)
from tracker.extract import default_extractor, extract
assert not vocab.english.built() and not default_extractor.built()
found = []
threads = [threading.Thread(target=lambda: found.append(len(extract("Russia proposed a 48-hour ceasefire in Aleppo."))))
           for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(calls), sorted(found))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "[1,", "1,", "1,", "1,", "1,", "1,", "1,", "1]"]


# --- issue 12: status from the pause's own predicate, detection, the world gazetteer -----
# (sentences written for the project, in the patterns unseen news is written in)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # the headline's present tense is news of a start; a time after it makes it a plan
        ("Tarhuna truce takes effect", "in_effect"),
        ("Tarhuna truce takes effect at midnight", "agreed"),
        ("Shelling in Tarhuna despite truce", "violated"),
        ("Temporary truce in Tarhuna to begin shortly", "agreed"),
        # a cue of an earlier event, in an after/since clause, is older news than the pause's own
        ("Libya reopened the Ras Ajdir crossing to aid trucks, three days after closing it.", "in_effect"),
        # a hypothesis is no report
        ("The truce in Sirte will last three days and could be extended.", "agreed"),
        # a call over the pause decides, whatever the call asks for
        ("The assembly passed a resolution calling for immediate and extended humanitarian pauses in Sirte.", "called_for"),
        ("The envoy was renewing a call for a ceasefire in Sirte.", "called_for"),
        # future and negated starts
        ("The ceasefire in Sirte does not come into effect until Sunday.", "agreed"),
        ("The fighting is set to stop on Monday when the truce in Sirte enters into force.", "agreed"),
        # violated, collapsed
        ("The two militias blamed one another for failing to respect the ceasefire in Sirte.", "violated"),
        ("Fighting resumed in Sirte, ending weeks of relative calm under the truce.", "collapsed"),
        ("The army declared an end to the week-old truce in Sirte on Monday.", "collapsed"),
        # the verb over the pause, whatever words stand between; negated reports are none
        ("Junta extends earthquake ceasefire in Sirte despite alleged violations", "extended"),
        ("The ceasefire in Sirte took effect at dawn; by noon no violations had been reported.", "in_effect"),
        ("Both sides agreed to a ceasefire in Sirte as envoys met behind closed doors.", "agreed"),
        ("A fragile ceasefire is in place in Sirte.", "in_effect"),  # not a definition
        ("The ceasefire in Sirte ended on Friday when fighting erupted again.", "collapsed"),
        ("The ceasefire in Sirte expired at midnight and was not renewed.", "ended"),
        # "ended" of another thing is not the pause ending
        ("The accord in Sirte ended two years of fighting and the ceasefire is holding.", "in_effect"),
    ],
)
def test_issue12_status(text, status):
    assert one(text).status == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # what a call asks for, coordinated with the call's own verb, is asked for, not reported
        ("The envoy called on both sides to halt fighting and agree a truce in Sirte.", "called_for"),
        ("The council encouraged the factions to agree to a ceasefire in Sirte.", "called_for"),
        ("The envoy invited both sides to sign a truce in Sirte.", "called_for"),
        ("Relief workers said a humanitarian pause in Sirte was badly needed.", "called_for"),
        # a continued pause is in effect; a started one began
        ("The army said it would continue the daily humanitarian pauses in Sirte.", "in_effect"),
        ("The first humanitarian pause in Sirte started on Friday morning.", "in_effect"),
        ("Sirte truce enters its third week", "in_effect"),
        # attacks during the pause breach it; renewed strikes that end it are a collapse
        ("The militia said the army shelled its positions 40 times during the truce in Sirte.", "violated"),
        ("The army resumed airstrikes on Sirte, ending the two-week truce.", "collapsed"),
        # "ended" of a war with a hyphenated length is not the pause ending
        ("The truce that ended the 12-day war in Sirte was holding on Sunday.", "in_effect"),
        ("The militias agreed to a truce in Sirte. The deal ends more than a year of fighting.", "agreed"),
        # an earlier pause named as "the last" one is background
        ("The militias agreed to a new truce in Sirte on Saturday. The last truce, in May, broke down after two days.", "agreed"),
        ("The army announced on Friday the beginning of a unilateral ceasefire in Sirte.", "in_effect"),
        ("Ansar and Karama accepted a truce in Sirte.", "agreed"),
        ("The daily pauses in fighting in Sirte have allowed thousands of people to flee.", "in_effect"),
        # a headline's pause and the lead's other word for it are one pause
        ("Sirte ceasefire shaken by deadly strikes\nShelling killed 20 people on Tuesday, the deadliest since the truce took hold.", "violated"),
        ("The army and the rebels have respected the truce in Sirte since Monday.", "in_effect"),
        ("The rebels said the army had not respected the truce in Sirte.", "violated"),
        ("Heavy clashes broke out in Sirte hours after a ceasefire took effect.", "violated"),
        # past an aside ("..., the ministry said,") an after-clause is still older news
        ("The two armies agreed to a ceasefire, the ministry said, after a week of clashes that ended a fragile calm in Sirte.", "agreed"),
        # what happens to talks on a pause is news of the talks ("talks on a truce collapsed")
        ("Talks on a ceasefire in Sirte collapsed on Tuesday after the militia rejected a proposal for a six-week truce.", "proposed"),
        ("Talks on a ceasefire in Sirte collapsed on Tuesday.", "none"),
        # a call whose object is the halt itself ("called on the rebels to stop fighting")
        ("The envoy called on the rebels to stop fighting in Sirte.", "called_for"),
        ("The envoy said there must be an immediate ceasefire in Sirte.", "called_for"),
        # a halt announced for later is agreed
        ("The army said it would halt military operations in Sirte from Wednesday.", "agreed"),
        ("The army will pause military operations in Sirte from 10 a.m. to 2 p.m. daily.", "agreed"),
        ("Easter truce in effect in Sirte", "in_effect"),
        # a pause that stands only on paper, tested, or with reports of shelling, is breached
        ("Shelling killed five people in Sirte on Monday, even as the ceasefire nominally held.", "violated"),
        ("Drones hit Sirte overnight in the latest test of the truce.", "violated"),
        ("The truce in Sirte was shaky on Sunday, with reports of shelling near the port.", "violated"),
        ("Shelling resumed in Sirte on Saturday, ending the truce.", "collapsed"),
        ("The envoys voiced support for an immediate ceasefire in Sirte.", "called_for"),
        # an extension refused or not agreed is no extension
        ("The army said it would not extend the ceasefire in Sirte, which ended at midnight.", "ended"),
        ("The truce in Sirte is set to expire on Friday, and there has been no agreement to extend it.", "agreed"),
        # (phase 2) a confirmed start; a pause offered for extension; passage allowed now; strikes
        # carried on under a declared pause; a launched offensive that breaks it; an attempt that failed
        ("Mediator confirms start of ceasefire in Sirte", "in_effect"),
        ("The envoy said his government is prepared to extend the ceasefire in Sirte.", "proposed"),
        ("The army said it is allowing thousands of residents to leave Sirte through a humanitarian corridor.", "in_effect"),
        ("While the army announced its own ceasefire in Sirte, it has continued to carry out airstrikes.", "violated"),
        ("The army launched a fresh wave of airstrikes on Sirte, breaking a ceasefire in place since May.", "collapsed"),
        ("The second attempt at a ceasefire in Sirte has failed, the militia said.", "collapsed"),
    ],
)
def test_issue12_status_more(text, status):
    assert passage_prediction(extract(text, THURSDAY))["status"] == status


def test_status_across_sentences_and_clauses():
    # the pause named again with no cue keeps the status just reported
    text = "The summit issued a statement calling for a ceasefire in Sirte. The ceasefire would be followed by prisoner exchanges."
    assert [m.status for m in extract(text, THURSDAY)] == ["called_for", "called_for"]
    # the verb over the pause beats a relative clause about it; renewed fighting is a collapse
    assert one("The junta announced the extension of a ceasefire in Sirte that expired on Tuesday.").status == "extended"
    assert one("The rebels resumed hostilities in Sirte and blamed the army for breaking the truce.").status == "collapsed"
    assert one("Any violation of the truce in Sirte will void the agreement, the ministry said.").status == "agreed"


def test_one_sided_acceptance_is_a_proposal():
    text = "The militia said it had accepted the ceasefire in Sirte. The government rejected the offer and said no talks were planned."
    assert [m.status for m in extract(text, THURSDAY)] == ["proposed"]
    unilateral = "The militia declared a unilateral truce in Sirte, a day after the army rejected a ceasefire proposal."
    assert extract(unilateral, THURSDAY)[0].status == "agreed"
    # two named sides that agreed: an agreement, whatever one of them has not answered about
    named = "Ansar and Karama agreed to a ceasefire in Sirte. Karama has not responded to questions about its fighters."
    assert extract(named, THURSDAY)[0].status == "agreed"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The two armies will stop fighting along the border at midnight, the ministers said.", "ceasefire"),
        ("On Monday, 28 July 2025, the two armies will formally stop fighting, the ministers said.", "ceasefire"),
        ("The rebels agreed to silence the guns in Sirte from Friday.", "ceasefire"),
        ("Both sides agreed to cease firing along the front from 6 a.m.", "ceasefire"),
        ("The commanders agreed a military pause around Sirte for the evacuation.", "humanitarian_pause"),
        ("Moscow ordered its forces to suspend strikes on energy facilities for 30 days.", "ceasefire"),
        ("A 36-hour Christmas truce was declared in Sirte.", "truce"),
        ("Fighting paused in Sirte for a prisoner exchange, officials said.", "humanitarian_pause"),
        ("Aid workers regained access to the grain silos in Sirte on Tuesday, the UN said.", "aid_access"),
    ],
)
def test_pauses_without_the_usual_noun(text, kind):
    assert one(text).kind == kind


def test_pause_in_fighting_without_a_purpose_takes_the_other_term():
    text = "The four-day pause in fighting in Sirte has begun. Both sides agreed to the cessation of hostilities on Monday."
    assert {m.kind for m in extract(text, THURSDAY)} == {"ceasefire"}
    with_purpose = "The four-day pause in fighting in Sirte has begun, to let aid in. Both sides agreed to the cessation of hostilities on Monday."
    assert extract(with_purpose, THURSDAY)[0].kind == "humanitarian_pause"


def test_aid_access_named_by_convoys_and_crossings():
    m = one("UN convoys reached besieged Madaya on Monday.")
    assert (m.kind, m.status, m.location) == ("aid_access", "in_effect", "Madaya")
    m = one("Israel reopened the Kerem Shalom crossing on Sunday.")  # a named aid crossing needs no aid word
    assert (m.kind, m.status, m.location) == ("aid_access", "in_effect", "Kerem Shalom")
    assert extract("A bomb threat closes a key border crossing on the northern border.", THURSDAY) == []
    assert one("Talks in Geneva ended with a 48-hour humanitarian truce for Aleppo.").status == "agreed"


def test_length_before_words_between():
    assert one("A 36-hour Christmas truce was declared in Sirte.").duration_hours == 36
    assert one("Both sides agreed a 72-hour Sirte truce.").duration_hours == 72
    assert one("The army announced two-day humanitarian windows in Sirte.").duration_hours == 48
    assert one("Fighting eased in the past 24 hours after the truce in Sirte took hold.").duration_hours is None


@pytest.mark.parametrize(
    "text",
    [
        "A truce is usually an informal stop to fighting, often agreed by field commanders.",
        "Ceasefires tend to be brief and rarely settle the larger conflict.",
        "The solution is not simply to broker yet another ceasefire in Sirte.",
        "Sirte ceasefire talks remain stuck after a week of meetings.",
        "The rival cousins are trying once more for a truce before the party conference.",
        "Talks on a truce in Sirte ended without an agreement on Friday.",
        "The two party leaders announced a political truce ahead of the election.",
        "He proposed a three-month \"truce\" between the coalition partners over the budget.",
        "In March 2011 the council announced a ceasefire in Sirte.",
        "The fighting worsened after five months of humanitarian truce between the parties.",
        "Veterans will commemorate the anniversary of the 1953 armistice on Sunday.",
        "Oil rose as doubts over a truce between the two states unsettled traders.",
    ],
)
def test_non_events(text):
    assert extract(text, THURSDAY) == []


def test_anniversary_truce_is_current():
    m = one("Moscow declared a three-day ceasefire in Ukraine to mark the 80th anniversary of the end of World War II.")
    assert (m.kind, m.status, m.duration_hours) == ("ceasefire", "agreed", 72)


def test_retrospective_by_year_follows_the_publication():
    text = "On 12 March 2024, the council declared a ceasefire in Sirte."
    assert extract(text, THURSDAY)  # the publication's own year: news
    assert extract(text, datetime(2027, 1, 5, tzinfo=timezone.utc)) == []  # three years on: a retrospective


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("A ceasefire agreed in Stockholm took effect in Sirte on Tuesday.", "Sirte"),  # the venue is not the place
        ("The truce in Sirte started at 11:00 a.m. Moscow time.", "Sirte"),  # a clock's zone is not the place
        ("Mediated by Qatar, Turkey and Egypt, a truce took effect in Sirte.", "Sirte"),
    ],
)
def test_issue12_places(text, place):
    assert one(text).location == place


def test_world_gazetteer_knows_towns_the_curated_list_does_not():
    m = one("A ceasefire took hold in Kalemie on Monday, residents said.")
    assert (m.location, m.country) == ("Kalemie", "DR Congo")
    assert m.starts_at is None or m.starts_at.tzinfo is not None
    from tracker.extract import place_ancestors
    from tracker.extract.world import key, same_town, towns

    assert place_ancestors("Kalemie", "DR Congo") == ("DR Congo",)
    assert towns()[key("Kalemie")][0].place.tz == "Africa/Lubumbashi"
    assert same_town("Zaporozhye", "Zaporizhzhia") and same_town("El-Fasher", "al-Fashir")
    assert not same_town("Aleppo", "Homs")


def test_world_gazetteer_takes_only_a_place_position():
    # a person's name that is also a city, not after a place preposition: no place
    assert one("Santos ordered a ceasefire with the rebels on Friday.").location is None
    # a venue city is never proposed
    assert one("A truce was agreed at talks in Muscat on Friday.").location is None


def test_durations_attach_to_their_pause():
    m = extract("Truce in Sirte to begin shortly\nThe two sides agreed to a 72-hour humanitarian ceasefire in Sirte.", THURSDAY)
    assert (m[0].kind, m[0].duration_hours) == ("truce", 72)  # the headline's pause is the lead's
    two = extract("The ceasefire in Sirte was to begin at dawn. It was to last for 48 hours unless both sides renewed it.", THURSDAY)
    assert two[-1].duration_hours == 48 and two[-1].status == "agreed"
    assert one("The ceasefire in Sirte will initially last 12 hours, the envoy said.").duration_hours == 12
    # how long something else lasted is not the pause's length
    assert one("Aid resumed after Libya reopened the Ras Ajdir crossing, which had been closed for six months.").duration_hours is None
    assert one("Prisoners will be freed once the ceasefire in Sirte has been observed for 72 hours.").duration_hours is None
    assert one("The accord includes a three-day pause in the northern district of Sirte.").duration_hours == 72


def test_a_place_from_the_sentence_before_brings_its_time_zone():
    near = extract("Fighting raged in Sirte for weeks. The ceasefire will take effect at 6 a.m. on Friday.", THURSDAY)[-1]
    own = one("The ceasefire in Sirte will take effect at 6 a.m. on Friday.")
    assert (near.location, near.starts_at) == (own.location, own.starts_at) == ("Sirte", datetime(2024, 3, 8, 4, 0, tzinfo=timezone.utc))


def test_place_from_the_sentence_before_and_mixed_case_datelines():
    text = "The war in the north of Sirte district has lasted two years. The agreement signals a permanent cessation of hostilities."
    assert extract(text, THURSDAY)[-1].location == "Sirte"
    # a dateline names where the story was filed
    assert one("Tunis, Mar 7 (Agency).- A truce took effect on Thursday, officials said.").location is None
    assert one("Benghazi (Libya): A ceasefire took hold in Sirte on Thursday.").location == "Sirte"
    # the crossing itself, not the region it serves; the parties of a hyphenated pair are not places
    assert one("Israel reopened the Kerem Shalom crossing to aid for Gaza on Wednesday.").location == "Kerem Shalom"
    assert one("The Israel-Hamas truce expired last week.").location is None


@pytest.mark.parametrize(
    "text",
    [
        "The Federal Reserve signalled a pause in rate rises after a brief truce on Wall Street.",
        "Play resumed after a lightning delay, ending the truce between the umpires and the players.",
        "CeaseFire Chicago counts a 48-hour truce between gangs as a success against gun violence.",
        "The humanitarian corridor brought 40 refugees to Rome, where the charity will resettle them.",
        "Officials opened evacuation routes ahead of the hurricane, with a humanitarian corridor for the elderly.",
        "The wildlife corridor gives elephants safe passage between the two parks.",
    ],
)
def test_other_senses_of_the_key_words(text):
    assert extract(text, THURSDAY) == []


def test_a_corridor_along_a_named_road():
    m = one("The army will open an evacuation corridor on Coastal Road in Sirte from 9 a.m. to 4 p.m.")
    assert (m.location, m.country) == ("Coastal Road", "Libya")


def test_a_capital_named_by_its_country():
    assert (one("The army agreed not to target the Libyan capital for one week.").location) == "Tripoli"
    assert one("The UN called for a truce in Libya's capital.").location == "Tripoli"
    assert one("A truce took hold in the Libyan capital, Tripoli, on Friday.").location == "Tripoli"


def test_parties_and_names_are_not_places():
    assert one("The envoy pressed the leaders of Lebanon and Israel to stop the fighting at once.").location is None
    assert one("President Reyes offered a holiday truce to the Communist Party of the Philippines.").location is None
    assert one("Pakistan and Afghanistan agreed to extend the ceasefire on Friday.").location is None
    assert one("Tripoli officials and the rebels in eastern Libya agreed to a ceasefire.").location == "Libya"
    assert one("Thailand has committed to observing the ceasefire for 72 hours.").location is None
    assert one("Calm returned to Sirte, with Tripoli declaring the ceasefire is holding.").location == "Sirte"
    m = one("The army agreed a truce in Sirte, weeks after the war in Tripoli began.")
    assert m.location == "Sirte"


def test_prefilter_trie_matches_what_the_alternation_matches():
    import re

    from tracker.extract.literals import trie_source

    alternation = "stop|stop all|stopped fighting|suspend|suspension|silence the guns|paus|truce"
    trie, plain = re.compile(trie_source(alternation)), re.compile(alternation)
    for text in ["they stop all attacks", "a suspension", "suspended", "silence the guns now", "paused", "no match", "truces"]:
        assert [m.start() for m in trie.finditer(text)] == [m.start() for m in plain.finditer(text)], text
    assert trie_source("aid(?<=\\baid)\\b|relief") == "aid(?<=\\baid)\\b|relief"  # assertions: left as written
    assert re.compile(trie_source("cease-fire|cease fire")).findall("a cease-fire, a cease fire") == ["cease-fire", "cease fire"]


# --- issue 12, second round: rules about how news is written --------------------------


def test_a_length_through_of_before_the_pause():
    assert one("The UN called for at least 72 hours of humanitarian pause in Libya.").duration_hours == 72
    # the time elapsed before a collapse is no length of the pause
    assert all(m.duration_hours is None for m in extract("Clashes broke out in Sirte after two weeks of truce."))


def test_a_contraction_ends_the_headline_so_the_dateline_is_blanked():
    from tracker.extract import sentences
    from tracker.extract.vocab import english

    text = "Militia announces truce in row with gov't. Tripoli, May 3 (EFE).- The militia agreed a truce on Friday."
    assert [s.text[:7] for s in sentences.split(text, english())] == ["Militia", "Tripoli"]
    assert all(m.location != "Tripoli" for m in extract(text))


def test_the_leads_local_place_refines_the_headlines_country():
    text = "UN brokers daily 4-hour humanitarian pause in Libya. The UN said on Tuesday the sides had agreed a daily four-hour pause in the assault on Sirte."
    assert extract(text)[0].location == "Sirte"
    # a long first sentence is no headline: each sentence keeps its own place
    text = (
        "The UN said on Tuesday that the sides had agreed to a daily four-hour humanitarian pause in Libya to let aid in."
        " The UN said the sides had agreed a daily four-hour pause in the assault on Sirte."
    )
    assert extract(text)[0].location == "Libya"


def test_a_pair_of_states_named_by_their_adjectives_are_the_parties():
    assert one("The mediator said Israeli and Lebanese officials had accepted a ceasefire on Monday.").location is None


def test_the_possessive_country_counts_only_for_its_party_or_government():
    assert one("Libya's army agreed to a truce on Friday.").location == "Libya"
    assert one("Libya's Rapid Intervention Forces agreed to a truce on Friday.").location == "Libya"
    assert one("Libya's Dbeibah ordered a truce on Friday.").location == "Libya"
    assert one("Egypt's armed groups agreed to a truce on Friday.").location == "Egypt"
    # the country's envoy is no place of the pause, neither as the fallback nor as a place of its own
    assert one("Egypt's foreign minister said the rebels had agreed to a truce.").location is None
    assert one("In a statement, Egypt's foreign minister Sameh Shoukry said the rebels would halt hostilities.").location is None


def test_the_crossing_named_again_in_the_sentence_is_the_access_events_level():
    m = one("The first trucks carrying aid have arrived in the Gaza Strip through the newly opened Rafah crossing from Egypt.")
    assert m.location == "Rafah crossing"


def test_a_linked_length_after_a_long_subject():
    text = (
        "The bilateral ceasefire between the government of Libya and the Libyan National Army (LNA)"
        " in the south will be nationwide and will last three months."
    )
    assert one(text).duration_hours == 2160


def test_one_pause_named_with_two_words_in_consecutive_sentences_keeps_the_first_term():
    # the first term decides the kind; the later naming's stage then counts for the same pause
    text = (
        "The army offered a truce in Kassala on Monday. "
        "A decision was taken to declare a humanitarian pause, and it took effect at dawn."
    )
    mentions = extract(text, THURSDAY)
    assert [m.kind for m in mentions] == ["truce", "truce"]
    assert [m.status for m in mentions][-1] == "in_effect"
    assert passage_prediction(mentions)["status"] == "in_effect"


def test_two_words_at_two_places_or_far_apart_stay_two_pauses():
    other_place = "The army offered a truce in Kassala on Monday. A humanitarian pause in El Fasher took effect at dawn."
    assert [m.kind for m in extract(other_place, THURSDAY)] == ["truce", "humanitarian_pause"]
    apart = (
        "The army offered a truce in Kassala on Monday. Markets reopened in the city. "
        "A humanitarian pause took effect at dawn."
    )
    assert [m.kind for m in extract(apart, THURSDAY)][-1] == "humanitarian_pause"
    other_family = "The army offered a truce in Kassala on Monday. A humanitarian corridor was opened to let civilians leave."
    assert "aid_corridor" in [m.kind for m in extract(other_family, THURSDAY)]


def test_a_later_word_already_used_in_the_sentence_before_keeps_its_kind():
    text = (
        "The militia agreed on Saturday to a truce around Kassala after the army accepted a ceasefire. "
        "An aide said the truce had gone into force at noon."
    )
    mentions = extract(text, THURSDAY)
    assert mentions[-1].kind == "truce"
    assert passage_prediction(mentions)["status"] == "in_effect"


# --- issue 12, third round: whose place, which level --------------------------------------


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # a later clause about another, older story: not the pause's place
        ("Egypt said it had brokered the ceasefire, a shift in policy since the onset of the war in Sirte.", None),
        ("The truce is holding, part of a wider conflict sparked by the war in Sirte.", None),
        ("A truce between Libya's government and the rebels lapsed, raising fears of fresh fighting in the central province of Fezzan.", "Libya"),
        # a nationality before a person or a side's stance names who acts
        ("Mozambican President Ali Mansour declared a seven-day ceasefire with the insurgents on Thursday.", None),
        ("It was not clear whether the order depended on a Libyan agreement to halt the ceasefire violations.", None),
        # a dateline in capitals that the sentence splitter left in place
        ("Ras Ajdir post, LIBYA, 27 Dec. - (ANA) - Libya and Tunisia agreed an immediate ceasefire on Saturday.", None),
        # the owner of a party: a fallback place, and no place of its own against a town
        ("In the name of the people of Libya, we again urge the rebels to answer the nation's call for a lasting ceasefire.", "Libya"),
        ("The administration of the breakaway region of Fezzan has announced an unconditional ceasefire, to put an end to clashes in the city of Sirte.", "Sirte"),
        # the owner of one side's forces, with the other side named too: the two sides, not the place
        ("On Monday the armed forces of Armenia, violating the humanitarian ceasefire, shelled units of the Azerbaijani Army.", None),
        ("He said no truce had been signed and that Libya's military operations would continue.", None),
    ],
)
def test_whose_place_it_is(text, place):
    assert extract(text, THURSDAY)[-1].location == place


def test_a_neighbouring_sentence_lends_its_place_only_where_it_names_fighting_or_flight():
    assert extract("Hostages were held in Sirte for months. The two sides agreed a ceasefire on Friday.", THURSDAY)[-1].location is None
    text = "Officials began evacuating civilians from the eastern city of Sirte on Tuesday. Both sides had agreed to open humanitarian corridors."
    assert extract(text, THURSDAY)[-1].location == "Sirte"


def test_the_level_of_the_pause_itself():
    # a pause on the border of the two states the sentence names: that border
    m = one("Envoys of Libya and Tunisia, meeting under Qatari mediation, have agreed an immediate ceasefire on the border.")
    assert (m.location, m.country) == ("Libya\u2013Tunisia border", "Libya")
    # an unnamed crossing named in the next sentence: the crossing, not the region the aid goes to
    text = (
        "Aid has resumed in Gaza after Israel reopened a key border crossing. "
        "The first convoy of trucks carrying food has arrived in the territory through the Kerem Shalom crossing."
    )
    assert [m.location for m in extract(text, THURSDAY)] == ["Kerem Shalom", "Kerem Shalom"]
    # "the east of the country": that part of the country the sentence names
    text = "The government of Libya and the rebels agreed to a lasting ceasefire to stop the fighting in the east of the country."
    assert one(text).location == "eastern Libya"
    # the alliance of a region: the country as the fallback place
    assert one("The Brotherhood Alliance of northern Libya announced on Friday that it would extend its ceasefire.").location == "Libya"
    # a region of the country is no actor, even before a verb
    assert one("Officials and the rebels in eastern Libya have agreed to a ceasefire, as the group met in Tunis.").location == "Libya"


def test_a_length_given_in_the_next_sentence_by_reference():
    text = "A humanitarian pause took effect in Sirte at 6 a.m. on Friday. Army officers said it would last three days."
    m = extract(text, THURSDAY)[0]
    assert m.duration_hours == 72 and m.ends_at == m.starts_at + timedelta(hours=72)
    text = 'A moratorium on strikes in Libya was agreed on Monday. According to the ministry, "the temporary halt remains effective for 30 days."'
    assert extract(text, THURSDAY)[0].duration_hours == 720
    text = "Militia announces truce in Sirte. The commander said his fighters will halt for one week their offensive against the army."
    assert extract(text, THURSDAY)[0].duration_hours == 168
    # a sentence in between that speaks of the pause without naming it keeps the story going
    text = (
        "A humanitarian pause went into effect in Sirte on Thursday. The army said the pause would hold until"
        " at least 1400 GMT and might be prolonged. The militia said it would last three days."
    )
    assert extract(text, THURSDAY)[0].duration_hours == 72
    # an elapsed time is no length, nor a length of something else
    text = "A truce took effect in Sirte on Monday. It had lasted for two weeks before, residents said."
    assert extract(text, THURSDAY)[0].duration_hours is None
    # "another hour", "another three days": the extension's length
    assert one("The army said the humanitarian corridor in Sirte was extended and would be safe for another hour.").duration_hours == 1
    assert one("The truce in Sirte was extended for another three days.").duration_hours == 72
    assert one("Warplanes held off from striking Sirte, opening the way for a six-hour break in the fighting on Thursday.").duration_hours == 6


def test_an_optional_space_in_the_data_matches_none():
    # "air ?strikes" in the data: "airstrikes" too, and the stem index does not take "strikes" for a word's start
    assert one("Israel agreed to a pause in airstrikes on Sirte on Friday.").location == "Sirte"
    from tracker.extract.literals import needs

    assert "strikes" not in needs(re.compile(r"(?:attacks|strikes|air\s*strikes)", re.IGNORECASE)).initial


def test_the_world_gazetteer_knows_subdivisions_of_a_country_named_or_called_so():
    assert (one("A ceasefire took effect in Kebbi state on Friday, officials said.").location) == "Kebbi"
    assert one("The army of Nigeria agreed a truce in Kebbi on Friday.").location == "Kebbi"
    # a breach's place, named behind an attack after the pause, is not the pause's
    text = "Nigeria accused the rebels of violating the truce with airstrikes in Kebbi state on Friday."
    assert one(text).location is None


def test_a_mediators_name_before_its_role_and_the_headline_above_the_lead():
    assert one("A Qatar-mediated ceasefire took effect on Monday.").location is None
    text = "Fighting rages in Sirte as talks drag on\nThe two sides agreed to a ceasefire on Friday, the envoy said."
    assert extract(text, THURSDAY)[-1].location == "Sirte"


def test_a_pause_held_to_mark_a_war_day_is_news():
    m = one("The president declared a unilateral 48-hour ceasefire in Libya to mark the anniversary of victory in World War II.")
    assert (m.duration_hours, m.location) == (48, "Libya")
    assert extract("Soldiers held an informal truce on Christmas Day during World War I.", THURSDAY) == []


def test_a_state_named_as_a_party_is_not_the_place_where_named_again():
    text = "A four-day truce between Libya and the rebels took hold, setting the ground for the release of 150 prisoners in Libya."
    assert one(text).location is None
    # the owner of a party after "between" stays a place
    assert one("A truce between Libya's army and the rebels took hold on Friday.").location == "Libya"


def test_a_small_town_counts_in_a_country_the_article_names():
    lead = "A ceasefire took hold in Umm Ruwaba on Monday, residents said."
    assert one(lead).location is None  # under 100,000 people and no country named: not taken
    text = "Fighting between Sudan's army and the rebels went on for weeks.\n\n" + lead
    assert extract(text, THURSDAY)[-1].location == "Umm Ruwaba"

# --- issue 12, status: the pause's own predicate, who agreed (sentences written for the project) ---


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # the pause's own predicate carries its auxiliary inside the cue; a start in another clause is not the pause's
        ("When the talks in Sirte opened, everyone knew the truce was about to be signed.", "agreed"),
        # a plan that calls for the pause: the plan's status
        ("The plan asks both sides to agree on a ceasefire zone around the dam in Sirte.", "proposed"),
        ("The Egyptian proposal calls for a six-week truce in Sirte.", "proposed"),
        # "accepted" alone is one side's answer to an offer; both sides accepting is an agreement
        ("Elders in Sirte have accepted a ceasefire request from the mediators.", "proposed"),
        ("The militia said the ceasefire in Sirte was accepted after a meeting of its commanders.", "proposed"),
        ("Both sides accepted a ceasefire in Sirte on Monday.", "agreed"),
        # a plan named in the noun phrase, with a hope for its future: still a plan
        ("Aid groups are hopeful that a proposed truce in Sirte will hold.", "proposed"),
        ("A proposed truce in Sirte was signed on Monday.", "agreed"),
        # violated: said to be alive, or an attack since it began
        ('The envoy insisted that the ceasefire in Sirte "is not dead" after a week of shelling.', "violated"),
        ("Rockets were fired at Sirte for the first time since the truce took effect on Monday.", "violated"),
        ("Militias shelled Sirte hours after the ceasefire was announced.", "agreed"),  # before its start: no breach
        # collapsed: a return to fighting; a clock time's colon is no clause break
        ("The truce in Sirte ended at 7am (05:00 GMT), marked by the army's return to combat operations.", "collapsed"),
        # fighting that came after a pause that ran its course: ended
        ("After a 48-hour ceasefire that mostly held, fighting has resumed in Sirte.", "ended"),
        ("Clashes resume in Sirte following truce", "ended"),
        ("Fighting resumed in Sirte after the truce collapsed.", "collapsed"),
        # in effect: a headline's "holds", a pause into its second week, a predicate after an aside in dashes
        ("Ceasefire holds in Sirte", "in_effect"),
        ("The truce in Sirte entered its second week on Saturday.", "in_effect"),
        ("The ceasefire in Sirte \u2014 brokered by Qatar \u2014 took effect at dawn.", "in_effect"),
        ("Libya said it would reopen the Ras Ajdir crossing for aid.", "agreed"),
        # violated: strain, a corridor shelled
        ("Sirte ceasefire under strain as militias trade fire", "violated"),
        ("The sides agreed to a humanitarian corridor from Sirte, but it was shelled.", "violated"),
        # ended and collapsed by their own verbs
        ("The army said it was ending the humanitarian pause in Sirte.", "ended"),
        ("The army resumed military operations in Sirte after the truce expired.", "ended"),
        ("Marking the end of the truce, the army resumed military operations in Sirte.", "collapsed"),
        # more ways news says a pause stands, fails, or runs out
        ("Russia says it is open to a ceasefire in Sirte.", "proposed"),
        ("The ceasefire in Sirte is in its second phase.", "in_effect"),
        ("The truce in Sirte has brought months of calm.", "in_effect"),
        ("The Sirte ceasefire remains fragile.", "in_effect"),
        ("The truce in Sirte has failed to halt the violence.", "violated"),
        ("The truce in Sirte ran out on Sunday.", "ended"),
        ("The militia refused to renew the truce in Sirte, which expired on Sunday.", "ended"),
        # headlines in the present tense: a start is news unless a time follows
        ("Ceasefire begins in Sirte", "in_effect"),
        ("Ceasefire enters into force in Sirte", "in_effect"),
        ("Sirte ceasefire takes hold", "in_effect"),
        ("Ceasefire brings calm to Sirte", "in_effect"),
        ("Sirte truce to begin Friday", "agreed"),
        ("Sirte truce begins at midnight", "agreed"),
        ("Sirte truce comes into effect in two hours", "agreed"),
        # what a deal provides for, aims at or expects is no report of it
        ("The two sides agreed a ceasefire in Goma that includes a mechanism to monitor violations.", "agreed"),
        ("The ceasefire in Goma took effect on Monday, and both sides vowed to prevent violations.", "in_effect"),
        ("The truce in Goma, which took effect on Monday, is expected to be extended.", "in_effect"),
        ("The ceasefire in Goma would collapse if the prisoners were not released, officials warned.", "proposed"),
        # failing to hold, not respected, on the brink
        ("The ceasefire in Goma did not hold.", "collapsed"),
        ("The ceasefire announced on Monday by the army has not been respected by the militia.", "violated"),
        ("The ceasefire in Goma is on the brink of collapse, diplomats warned.", "violated"),
        # an offer on a condition is a proposal; a cue inside the condition is no report
        ("The militia said it was ready for a ceasefire in Goma if the army agreed.", "proposed"),
        ("The militia said it would agree to a ceasefire in Goma if the army withdrew.", "proposed"),
        # past an aside in commas, the main predicate rules
        ("The two-month truce in Goma, renewed twice since April, expired on Sunday.", "ended"),
        ("The Easter truce in Goma ended at midnight with renewed shelling.", "collapsed"),
        # a present tense in a when-clause that holds the pause, however long its subject: a start still to come
        (
            "The fighting in Sirte is meant to stop on Saturday when a cessation of hostilities sought by the regional bloc enters into force.",
            "agreed",
        ),
    ],
)
def test_status_from_the_pause_predicate(text, status):
    assert one(text).status == status


def test_both_sides_agreed_stands_when_a_third_party_disowns_it():
    text = "The mediator said the sides agreed to an immediate ceasefire in Sirte. The militia said it had nothing to do with the agreement."
    assert [m.status for m in extract(text, THURSDAY)][0] == "agreed"
    one_side = "The militia said it had agreed to a ceasefire in Sirte. The army said it had nothing to do with the agreement."
    assert extract(one_side, THURSDAY)[0].status == "proposed"


def test_the_pause_as_it_in_the_next_sentence():
    text = "The ceasefire in Sirte took effect on Wednesday. The army has since accused the militia of violating it."
    assert [m.status for m in extract(text, THURSDAY)] == ["in_effect", "violated"]
    assert extract(text, THURSDAY)[1].location == "Sirte"
    call = "The truce in Sirte expired on Sunday. The UN urged the parties to renew it."
    assert [m.status for m in extract(call, THURSDAY)] == ["ended"]


# --- detection: pauses without the usual noun, other senses, retrospectives (issue 12) ---


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a vaccination pause in a war zone is a humanitarian pause (a vaccine's own pause is not)
        ("The health ministry said polio vaccination pauses would take place in central Gaza from Sunday.", "humanitarian_pause"),
        ("A vaccination pause in the fighting will allow teams to reach 640,000 children in Gaza, the WHO said.", "humanitarian_pause"),
        # a verb of stopping over the fighting, the firing, hostile acts or strikes on a target
        # ... with a stated humanitarian aim, a humanitarian pause (the label rule for halts in fighting)
        ("The Israeli military said it would suspend fighting in three areas of Gaza for polio vaccinations.", "humanitarian_pause"),
        ("The army said its forces in Sirte would hold fire for 72 hours from Friday so that civilians could leave the town.", "humanitarian_pause"),
        ("India and Pakistan agreed to stop all firing and military action on land, air and sea from 5 p.m.", "ceasefire"),
        ("The two Koreas agreed to cease all hostile acts along the border from November 1.", "ceasefire"),
        ("Israeli forces paused strikes on Beirut's southern suburbs for a few hours on Friday.", "ceasefire"),
        # a longer weak reading ("corridor would be open") over a strong one keeps the strong one's weight
        ("Russia said an evacuation corridor would be open from 9 a.m. until 4 p.m. for civilians leaving Mariupol.", "aid_corridor"),
        ("Israel and Hezbollah agreed to end hostilities in Lebanon from 4 a.m. on Wednesday.", "ceasefire"),
        ("The army ordered troops to hold their fire in Rakhine state for two weeks.", "ceasefire"),
        ("The Pentagon said Israel had agreed to pause its ground operation in Rafah for 48 hours.", "humanitarian_pause"),
        ("The Kremlin said Russian forces would stop attacking Ukrainian energy infrastructure for 30 days.", "ceasefire"),
        ("Aid convoys were allowed into Deir ez-Zor after a deal with the militants.", "aid_access"),
        # a current event about an old pause
        ("The 2022 ceasefire between Israel and Hezbollah came under strain on Monday as strikes resumed.", "ceasefire"),
        ("Russia and Ukraine agreed on Tuesday to revive the 2019 grain deal and a maritime ceasefire.", "ceasefire"),
        ("The truce agreed in 2019 is still holding in Idlib, monitors said on Thursday.", "truce"),
    ],
)
def test_pause_forms_detected(text, kind):
    assert one(text).kind == kind


@pytest.mark.parametrize(
    "text",
    [
        # retrospectives: a year well before the publication in the trigger's clause, past tense
        "The ceasefire between Iran and Iraq in 1988 ended eight years of war.",
        "Back in 2008, a truce between Russia and Georgia was brokered by France.",
        "Over the years, dozens of ceasefires have been agreed and broken in eastern Congo.",
        # opinion on a hypothetical pause
        "Critics argue that a ceasefire would only let Hamas regroup.",
        # other senses: celebrities, sport, refugee resettlement, markets
        "Taylor and Kim appear to have reached a truce, sources close to the singers said.",
        "Team captains agreed to a truce after the brawl in the second half.",
        "Church groups run humanitarian corridors that bring refugees from Lebanon to Italy.",
        "Shares in defence companies fell on hopes of a ceasefire in Ukraine.",
        "Fifty Syrian refugees arrived at Rome's airport on Thursday through a humanitarian corridor run by Catholic charities.",
        "The archbishop urged the government to expand humanitarian corridors for asylum seekers.",
        "Kim Kardashian and Kanye West have reached a truce over custody of their children.",
        # more retrospectives: "last year", "years ago", "in June this year", an old year before the pause
        "The war resumed after a two-month truce collapsed in March last year.",
        "Two years ago, the rebels declared a truce in Goma.",
        "In June this year, the president announced an unconditional ceasefire with the Taliban.",
        "The Minsk agreements of 2014 and 2015 established a ceasefire that was repeatedly violated.",
        "The ceasefire was signed on 27 July 1953 at Panmunjom.",
        "The truce lasted until 2017, when fighting resumed.",
        "The war ended in a ceasefire brokered by the Soviet Union in May 1994.",
        # a generic plural subject
        "Ceasefire agreements have a poor record in South Sudan, where at least a dozen have collapsed.",
        # a paragraph that dismisses a pause: the one named in it with no status of its own is talk
        "Diplomats in Kyiv spoke of a truce between Russia and Ukraine. There is no truce in sight, one of them said.",
        # a gerund that is a noun ("halted bombing in Aleppo") or aimed at people is no verb of a pause
        "The president told reporters to stop attacking him over the war in Gaza.",
    ],
)
def test_not_pause_events(text):
    assert extract(text, THURSDAY) == []


def test_a_stopping_verb_is_the_pause_not_its_end():
    # the verb that makes the pause carries no "ended" status; in the past tense the pause happened
    # (announced for later by the side that halts: a unilateral declaration, agreed by the label rules)
    assert one("The Israeli military said it would suspend fighting in three areas of Gaza.").status == "agreed"
    assert one("Israeli forces paused strikes on Beirut's southern suburbs for a few hours on Wednesday.").status == "in_effect"
    assert one("The army had not halted attacks on Kharkiv by Monday.").status == "proposed"


def test_a_year_in_the_clause_is_history_only_when_told_as_past():
    # the publication's own year is news; an old year with a present predicate about the pause too
    assert one("The truce agreed in 2024 is holding in Idlib, monitors said.").kind == "truce"
    assert extract("The truce agreed in 2019 collapsed within weeks in Idlib.", THURSDAY) == []


def test_a_dismissing_paragraph_keeps_a_pause_with_its_own_status():
    text = "Israel and Hamas agreed a truce in Gaza on Monday. There is no truce in sight for Lebanon, one diplomat said."
    assert [m.status for m in extract(text, THURSDAY)] == ["agreed"]


@pytest.mark.parametrize(
    "text",
    [
        # opinion and generic talk: a pause as an idea, not an event
        "A ceasefire now would only reward the militias, the senator wrote.",
        "A ceasefire alone will not end the suffering in Yemen, the columnist argued.",
        "In my view, a ceasefire in Sudan is the only way forward.",
        "History shows that truces with the rebels rarely last.",
        "A ceasefire that leaves the junta in power is no ceasefire at all.",
        "There can be no ceasefire while hostages remain in Gaza, the minister said.",
        "Calls for a truce in Ukraine have become a familiar refrain among European politicians.",
        "A 24-hour humanitarian ceasefire, for example, may allow aid agencies to deliver food.",
        "Diplomats are discussing the possibility of a ceasefire in Sudan.",
        "Hopes for a truce in Gaza faded on Monday.",
        "Negotiators in Cairo are working on a ceasefire proposal.",
        # other senses: games, celebrities, resettlement corridors, markets, pauses of other things
        "In the game, factions can sign a ceasefire that lasts 10 turns.",
        "The two late-night hosts declared a ceasefire in their long-running feud.",
        "The YouTubers announced a truce in a joint video on Sunday.",
        "A new humanitarian corridor will allow 500 Syrian refugees to settle in Belgium over two years.",
        "Refugees from the camps in Lebanon are flown to Rome under the humanitarian corridors agreement.",
        "Oil fell 3% as traders bet on a truce between Israel and Iran.",
        "The mining company announced a temporary halt to operations after the accident.",
        "A humanitarian pause in the deportation of migrants was demanded by the charity.",
        # retrospectives: a month a season before the publication, a year before the pause with no date given
        "A truce agreed in March collapsed within weeks.",
        "The two sides agreed a ceasefire in Doha in January, but it never took hold.",
        "The M23 seized the town despite a ceasefire agreed in Luanda last summer.",
        "The last time a ceasefire held in Gaza was in early 2025.",
        "Decades ago the two nations fought a border war that ended with a truce.",
        # definitions, explainers and opinion in other shapes
        "Ceasefire: an agreement between warring parties to stop fighting.",
        "Truce, in international law, is a suspension of hostilities by agreement of the parties.",
        "Humanitarian pauses are defined by the UN as temporary cessations of hostilities for purely humanitarian purposes.",
        "Under international humanitarian law, parties may agree to a ceasefire to collect the wounded.",
        "Ceasefires may be declared as part of a formal treaty, or as part of an informal understanding.",
        "Most ceasefires collapse within the first month, a study found.",
        "What happens during a humanitarian pause? Aid trucks move in and civilians can leave.",
        "Here is what we know about how a ceasefire in Gaza might work.",
        "A humanitarian pause is not enough; we need a permanent ceasefire, she wrote.",
        "Those calling for a ceasefire should remember who started this war.",
        "The last thing Ukraine needs is a ceasefire on Russia's terms.",
        # a rejection of any pause; a count of violations is statistics
        "The prime minister has said the war will go on, ruling out a permanent ceasefire.",
        "Monitors have recorded more than 3,000 ceasefire violations since the war began.",
        # a pause as the time reference of a count; talks named by the pause word; a definition by comparison
        "Since 18 March, when the army broke the last ceasefire, at least 1,200 people have been killed in Sirte.",
        "Ceasefire talks between the two delegations began at around 9:40 am on Saturday at the border post.",
        "Truce talks in Jeddah collapsed on Monday.",
        "Talks between both camps in Muscat wrapped up their first day without a breakthrough on a truce.",
        "The envoy said a ceasefire is more permanent than a cessation of hostilities.",
    ],
)
def test_talk_other_senses_and_retrospectives_give_nothing(text):
    assert extract(text, datetime(2025, 6, 10, 12, tzinfo=timezone.utc)) == []


def test_a_paragraph_set_in_an_old_year_is_history():
    published = datetime(2010, 9, 2, 12, tzinfo=timezone.utc)
    scene = "In the summer of 2003, the two militias held opposite banks of the river. Once a truce was agreed between them, the ferry ran again. The truce would end at dawn."
    assert extract(scene, published) == []
    # an old year set before news of today is no scene
    news = "In 2004, the two forces fought for the town. On Monday, the army and the militia agreed a truce in Sirte."
    assert [m.status for m in extract(news, published)] == ["agreed"]


def test_an_old_year_before_the_pause_is_history_without_a_publication_date():
    assert extract("Israel and Hamas fought an 11-day war in May 2021 that ended with an Egyptian-brokered ceasefire.") == []


@pytest.mark.parametrize(
    "text, status",
    [
        # a month long before the publication, with news of the pause now, or one still to come
        ("The truce agreed in March is still holding in Yemen, the UN envoy said.", "in_effect"),
        ("The ceasefire agreed in January was violated on Sunday when Israeli jets struck Gaza.", "violated"),
        ("A ceasefire that began on January 19 remains in force in Gaza.", "in_effect"),
        ("The truce in Yemen, which began in April, was extended on Thursday for two months.", "extended"),
        ("Israel and Hamas agreed on Wednesday a ceasefire that will take effect in Gaza on January 19.", "agreed"),
        ("Russia and Ukraine agreed a truce starting on December 8.", "agreed"),  # a later month: one to come
        # words of talk or other senses in a sentence that reports a pause
        ("Key regional players called for a ceasefire in Sudan.", "called_for"),
        ("A ceasefire in Gaza will not take effect until Sunday morning, Qatar said.", "agreed"),
        ("The children were flown to Italy for treatment during the humanitarian pause in Gaza.", "in_effect"),
        ("The attack was a violation of the ceasefire in Gaza and a crime under international law, the ministry said.", "violated"),
        # a plan or draft that calls for a pause proposes it
        ("A first draft of the text called for an initial pause of four consecutive days in Rafah.", "proposed"),
        # a since-clause of the pause's start is news of it; of its breach, a count's time reference
        ("Since Sunday, when the truce began, 50 hostages have been freed in Gaza.", "in_effect"),
    ],
)
def test_news_of_a_pause_beside_those_words_is_kept(text, status):
    assert one(text, datetime(2025, 6, 10, 12, tzinfo=timezone.utc)).status == status


@pytest.mark.parametrize(
    "text",
    [
        "Putin declared a three-day truce in Ukraine for the Victory Day celebrations marking the end of World War Two.",
        "Kyiv proposed a 30-day ceasefire in Ukraine to coincide with the 80th anniversary of the end of the Second World War.",
        "The rebels in Goma announced a Christmas truce, recalling the spirit of 1914, to begin at midnight.",
    ],
)
def test_a_world_war_in_the_sentence_does_not_hide_a_pause_told_as_news(text):
    assert len(extract(text, THURSDAY)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Historians recalled the Christmas truce of 1914 at a ceremony in Flanders.",
        "The armistice that ended World War One was signed in a railway carriage at Compiegne.",
        "Veterans will hold a ceremony to mark the anniversary of the Korean War Armistice and Armistice Day on Wednesday.",
    ],
)
def test_a_world_war_retrospective_stays_history(text):
    assert extract(text, THURSDAY) == []


def test_not_enough_is_opinion_only_about_the_pause_itself():
    assert extract("A truce alone is not enough to end the war in Sudan, analysts say.", THURSDAY) == []
    assert [m.status for m in extract("Aid alone is not enough, the UN said, as the truce in Gaza took effect on Sunday.", THURSDAY)] == ["in_effect"]


def test_a_peace_community_telling_a_ceasefire_is_no_refugee_corridor():
    m = extract("The two sides meeting in Rome agreed to a ceasefire in Mozambique, the Sant'Egidio community said.")
    assert [x.kind for x in m] == ["ceasefire"]
    assert extract("Sant'Egidio flew 50 refugees to Rome through its humanitarian corridor.") == []


def test_south_sudan_is_not_sudan():
    m = extract("South Sudan's government and the holdout groups agreed to a ceasefire.")[0]
    assert (m.location, [a.name for a in m.actors]) == ("South Sudan", ["South Sudan"])


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        # the pause's own ending as the news
        ("The suspension of the ceasefire with the rebels in Nariño took effect at noon on Friday, the ministry said.", "ceasefire", "ended"),
        # a crossing named with where it leads, then its opening ahead
        ("Officials said the Kerem Shalom crossing into southern Gaza would reopen for fuel trucks on Sunday.", "aid_access", "agreed"),
        # the fighting's end told through all military action, with its place between
        ("The ministers said all military action along the front line in Hodeidah will cease at midnight.", "ceasefire", "agreed"),
    ],
)
def test_more_ways_news_tells_a_pause(text, kind, status):
    m = extract(text, THURSDAY)[0]
    assert (m.kind, m.status) == (kind, status)


def test_the_time_a_suspension_of_the_pause_takes_effect_is_its_end():
    m = extract("The suspension of the ceasefire with the rebels in Nariño took effect at noon on Friday, the ministry said.", THURSDAY)[0]
    assert m.starts_at is None and m.ends_at is not None


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        # a pause begun by a possessive subject, with flights set to resume as its consequence
        ("Sudan's rival generals began a week-long truce at dawn on Monday, mediators said, and flights to Port Sudan are expected to resume.", "truce", "in_effect"),
        ("The two militias agreed a truce on Tuesday and the resumption of flights from the capital is planned.", "truce", "agreed"),
        # the fighting's end told as guns falling silent
        ("The guns along the frontier fell silent at dawn on Friday after the two armies reached an understanding.", "ceasefire", "in_effect"),
        ("Artillery guns went quiet across the valley from 6 a.m. on Wednesday.", "ceasefire", "in_effect"),
        ("Guns have fallen silent in the hills after a deal between the army and the rebels.", "ceasefire", "in_effect"),
        ("Guns will fall silent at noon, the ministry said.", "ceasefire", "agreed"),
        # halting attacks: ordered, or for a stated time
        ("The commanders ordered their units to halt attacks for two days over the holiday.", "ceasefire", "agreed"),
        ("The militia said it would pause attacks until Sunday to allow talks.", "ceasefire", "agreed"),
        ("The rebels said they would suspend attacks on ships in the strait.", "ceasefire", "agreed"),
        # a crossing with its destination and its own relative clause
        ("The border crossing into the northern enclave that reopened for aid trucks on Monday was closed again on Thursday.", "aid_access", "ended"),
        ("A crossing which reopened for relief convoys last week after a long closure has been shut since Friday.", "aid_access", "ended"),
        # permission for aid to pass
        ("The government extended permission for UN aid trucks to use the northern crossing for another six weeks.", "aid_access", "extended"),
        ("Authorities granted permission for humanitarian convoys to enter the besieged city on Friday.", "aid_access", "agreed"),
    ],
)
def test_pauses_told_without_the_usual_nouns(text, kind, status):
    m = extract(text, THURSDAY)
    assert [(x.kind, x.status) for x in m] == [(kind, status)]


@pytest.mark.parametrize(
    "text",
    [
        "The airline halted flights after the truce talks collapsed.",
        "His guns went silent after the album flopped.",
        "At 11 a.m. on 11 November 1918 the guns fell silent across Europe.",
        "The guns have not fallen silent despite the deal.",
        "The developer said it would halt attacks in the game for a holiday event.",
        "Police said they would halt cyber attacks on the ministry's servers for two days.",
        "The coach told his players to stop attacks for ten minutes.",
        "The border crossing that closed last year was popular with tourists.",
        "The city granted permission for food trucks to use the park during the festival.",
    ],
)
def test_other_senses_of_the_new_shapes(text):
    assert extract(text, THURSDAY) == []


def test_flights_to_a_town_are_not_the_pauses_place():
    m = extract("Yemen's warring parties began a truce on Saturday, and flights from Aden are to resume.", THURSDAY)[0]
    assert m.location == "Yemen"
    m = extract("The truce held as evacuation flights from Kabul resumed.", THURSDAY)[0]
    assert m.location == "Kabul"
    m = extract("The carrier said flights to Tel Aviv would resume once the ceasefire takes hold.", THURSDAY)[0]
    assert m.location is None  # "said flights": no aid flight


@pytest.mark.parametrize(
    "text",
    [
        # a first name alone is no church; labour strikes; bus lanes; inspectors; a football match
        "Rail unions will halt strikes in London next week.",
        "The city opened new bus corridors for residents.",
        "Iran denied permission for UN inspectors to enter the Fordow site.",
        "The guns of the home side's strikers fell silent in the second half.",
    ],
)
def test_other_senses_of_this_session_s_new_shapes(text):
    assert extract(text, THURSDAY) == []


def test_a_pause_ahead_that_civilians_may_use_stays_a_mention():
    [m] = extract("Civilians would be able to leave Mariupol during a pause starting at 8 a.m. on Friday.", THURSDAY)
    assert m.status == "agreed"


def test_a_corridor_that_will_open_again_is_agreed_not_proposed():
    # the opening verb is the status cue; the weak "opened a corridor from X" trigger must not swallow it
    m = extract("The army said on Tuesday that it would again open a humanitarian corridor for residents of Khan Younis for four hours.", THURSDAY)[0]
    assert (m.kind, m.status) == ("aid_corridor", "agreed")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The army said a corridor for the exit of civilians from the old town would open at dawn.", "aid_corridor"),
        ("The army said a corridor along the coast road would be open for civilians leaving Rafah on Friday.", "aid_corridor"),
        ("Officers announced that a pause for the evacuation of the suburb would run from 9 a.m.", "humanitarian_pause"),
        ("Government troops will suspend operations against the rebels in the valley for 48 hours.", "humanitarian_pause"),
        ("The ministry agreed to let a convoy of 30 WFP trucks enter the town on Sunday.", "aid_access"),
        ("Fuel ships are to be allowed into the port of Hodeidah from Tuesday, the council said.", "aid_access"),
        ("The mountain road will be opened for a convoy of 40 trucks carrying food on Monday.", "aid_access"),
        ("UNRWA said it had been allowed by the authorities to distribute food parcels in Yarmouk.", "aid_access"),
        ("The main road into the besieged city reopened to civilian traffic and aid trucks on Thursday.", "aid_access"),
    ],
)
def test_more_ways_news_tells_access_and_corridors(text, kind):
    assert [m.kind for m in extract(text, THURSDAY)][:1] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "Fan groups of the two clubs declared a truce ahead of Sunday's derby, which kicks off at 20:00.",
        "Delegations met in Cairo at 11:00 on Sunday for exploratory talks. No pause in fighting has been announced.",
        "The delegation landed on Wednesday and said it was ready for compromises but did not mention a ceasefire.",
    ],
)
def test_supporters_truces_and_pauses_not_announced_give_nothing(text):
    assert extract(text, THURSDAY) == []


def test_a_headline_run_into_its_lead_is_a_sentence_of_its_own():
    from tracker.extract.sentences import split
    from tracker.extract.vocab import english

    text = "Truce in Kassala to begin Sunday - The army and the rebels have agreed to a three-day truce in and around Kassala, beginning at 6 a.m. on Sunday."
    parts = split(text, english())
    assert [p.text for p in parts] == ["Truce in Kassala to begin Sunday -", text.split(" - ", 1)[1]]
    assert parts[0].headline and not parts[1].headline
    # a subhead after a colon stays with its headline; a speaker's colon is no headline
    assert len(split("Ceasefire in Kassala launched: Violations continue as talks move on.", english())) == 1
    assert len(split("The UN envoy for Sudan said: A truce in Kassala must begin at once and hold for the whole of the rainy season.", english())) == 1


def test_the_lead_of_a_run_in_headline_takes_the_headline_s_place_and_its_own_clock():
    m = extract("Gaza pause to start Friday morning, mediators say - The four-day humanitarian pause between Israel and Hamas will take effect at 7 a.m. on Friday, the mediators said.", THURSDAY)[0]
    assert m.location == "Gaza" and m.start_precision == "minute"


@pytest.mark.parametrize(
    "text",
    [
        # the review's counter-examples to this round's rules: none is a pause
        "A new bus corridor along Main Street opened to residents on Monday.",
        "The transport authority opened a new corridor for buses to leave the depot faster.",
        "The coastal highway was reopened to trucks carrying food exports on Monday after the storm.",
        "Mexican police paused operations against cartel suspects in the city at 6 p.m. on Tuesday.",
        "Airline Announces Suspension of Operations at Manila Airport From 6 p.m. Friday",
    ],
)
def test_this_round_s_rules_keep_to_pauses(text):
    assert extract(text, THURSDAY) == []


def test_the_review_s_counter_examples_on_times_and_status():
    m = extract("Prices in Gaza fell from 12.50 to 10.20 shekels on Monday after the truce began.", THURSDAY)[0]
    assert m.start_precision != "minute"  # no "from 12.50" clock
    ms = extract("The speech did not mention a ceasefire, but a truce took effect at 6 p.m. on Tuesday in Gaza.", THURSDAY)
    assert any(m.starts_at for m in ms)  # the denial is its clause's, not the sentence's
    assert extract("Aid groups want Israel to keep the Kerem Shalom crossing open for aid trucks until Sunday.", THURSDAY)[0].status != "in_effect"
    m = extract("The ceasefire between Israel and Hamas - mediators said on Wednesday after a long night of talks - takes effect at 7 a.m. on Friday.", THURSDAY)[0]
    assert m.status == "agreed"  # a paired dash aside is no headline
    m = extract("A daily pause in fighting in Gaza from 10 a.m. to 2 p.m. was agreed at a two-day summit in Doha.", THURSDAY)[0]
    assert m.ends_at - m.starts_at < timedelta(days=1)  # the summit's two days are not the windows'
