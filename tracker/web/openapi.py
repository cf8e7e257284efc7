"""The OpenAPI 3.1 schema of the JSON API, as data (served at /openapi.json). Starlette
does not derive one from code; tests/test_web.py checks every route is here and that
the responses carry exactly the properties listed."""

from __future__ import annotations

from ..types import KINDS, PAUSE_STATUSES

_ts = {"type": ["string", "null"], "format": "date-time"}
_str = {"type": ["string", "null"]}
_num = {"type": ["number", "null"]}

PAUSE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "location": _str,
        "country": _str,
        "status": {"type": "string", "enum": list(PAUSE_STATUSES)},
        "status_since": _ts,
        "duration_hours": _num,
        "extended_hours": _num,
        "start_text": _str,
        "starts_at": _ts,
        "ends_at": _ts,
        "start_precision": {"type": ["string", "null"], "enum": ["minute", "day", "range", "before", None], "description": "how sure starts_at is: minute, day (no hour), range (not confirmed), before (it began then or earlier: its first report in effect)"},
        "end_precision": {"type": ["string", "null"], "enum": ["minute", "day", "range", "before", None]},
        "zone": {**_str, "description": "IANA zone of the pause's place"},
        "starts_local": {**_str, "description": "starts_at in the place's zone, with its offset"},
        "ends_local": _str,
        "seconds_left": {**_num, "description": "to the start when it has not started, else to the end; null when unknown"},
        "actors": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "stance": {"type": "string"}}}},
        "sources": {"type": "integer", "description": "independent sources"},
        "source_names": {"type": "array", "items": {"type": "string"}},
        "first_seen": _ts,
        "last_seen": _ts,
    },
}

CHANGE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "pause": {"type": "integer"},
        "at": _ts,
        "event": {"type": "string"},
        "summary": {"type": "string"},
        "old_status": _str,
        "new_status": _str,
        "quote": _str,
        "source": _str,
        "link": _str,
    },
}

FEED = {
    "type": "object",
    "properties": {
        "url": {"type": "string"},
        "fetch_url": {"type": "string"},
        "name": {"type": "string"},
        "origin": {"type": "string"},
        "enabled": {"type": "boolean"},
        "health": {"type": "string"},
        "every_seconds": {"type": "integer"},
        "last_status": _str,
        "last_error": _str,
        "last_polled_at": _ts,
        "last_success_at": _ts,
        "last_article_at": _ts,
        "next_poll_at": _ts,
        "consecutive_failures": {"type": "integer"},
        "articles": {"type": "integer"},
    },
}

DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Pause"},
        {
            "type": "object",
            "properties": {
                "evidence": {"type": "array", "items": {"type": "object", "properties": {
                    "published": _ts, "source": {"type": "string"}, "link": _str, "article_title": {"type": "string"},
                    "why": {"type": "string"}, "mention": {"type": "object"}}}},
                "changes": {"type": "array", "items": {"type": "object"}},
            },
        },
    ]
}

_filters = [
    {"name": "place", "in": "query", "schema": {"type": "string"}, "description": "a place, region or country; a country takes the places in it"},
    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(PAUSE_STATUSES)}},
    {"name": "all", "in": "query", "schema": {"type": "boolean"}, "description": "include ended, collapsed and expired pauses"},
]
_400 = {"description": "a query parameter is not valid (the error names it)", "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}}}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "pause-tracker", "version": "1", "description": "Read-only: pauses, their changes and the feeds. With [serve] tokens set, send Authorization: Bearer TOKEN."},
    "components": {
        "schemas": {"Pause": PAUSE, "PauseDetail": DETAIL, "Change": CHANGE, "Feed": FEED},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "security": [{"bearer": []}, {}],
    "paths": {
        "/api/pauses": {"get": {
            "summary": "Pauses, soonest deadline first (as `tracker pauses --json`)", "parameters": _filters,
            "responses": {"200": {"description": "pauses", **_json({"type": "array", "items": {"$ref": "#/components/schemas/Pause"}})}, "400": _400},
        }},
        "/api/pauses/{pause_id}": {"get": {
            "summary": "One pause with its evidence and changes (as `tracker show --json`)",
            "parameters": [{"name": "pause_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "the pause", **_json({"$ref": "#/components/schemas/PauseDetail"})}, "404": {"description": "no such pause"}},
        }},
        "/api/changes": {"get": {
            "summary": "Changes saved after `since`, oldest first",
            "parameters": [{"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}],
            "responses": {"200": {"description": "changes", **_json({"type": "array", "items": {"$ref": "#/components/schemas/Change"}})}, "400": _400},
        }},
        "/api/feeds": {"get": {
            "summary": "Feeds and their health (as `tracker feeds --json`)",
            "parameters": [{"name": "all", "in": "query", "schema": {"type": "boolean"}, "description": "include disabled feeds"}],
            "responses": {"200": {"description": "feeds", **_json({"type": "array", "items": {"$ref": "#/components/schemas/Feed"}})}},
        }},
    },
}
