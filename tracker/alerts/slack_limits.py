"""Slack's message limits as data, and `split_message()`: one Block Kit payload of any
size -> one or more payloads, each within every limit, losing no content.

Pure: no I/O. Does not send and does not rate-limit: the Slack channel splits what it is
given with this and sends the parts in order, one a second (channels/slack.py), and the
outbox spaces its alerts likewise; the digest renderer splits long digests ahead, one
outbox row per part. Does not render (the templates do). `violations()` lists what is over a limit, for tests and
for checking a payload a user's template produced.

Limits are Slack's published Block Kit limits. Slack says "characters"; lengths here
are counted in UTF-16 code units (an emoji counts 2), which is never less than the
count of code points, so a payload that passes here passes there.

What `split_message` does, in order:

1. Each block is made to fit on its own. A section text over MAX_SECTION_TEXT becomes
   several sections, cut at a blank line, else at a line end, else at a space outside a
   `<link|label>`, else (a single word longer than the limit) inside the word but never
   inside an `&amp;` entity. A quote line ("> ...") cut inside keeps its "> " marker.
   Fields are split likewise (MAX_FIELD_TEXT) and packed MAX_FIELDS to a section; a
   context's elements MAX_CONTEXT_ELEMENTS to a context. A header over MAX_HEADER
   becomes a plain-text section (its whole text kept). A split block's `block_id`
   gets a "-2", "-3"... suffix on its continuations so ids stay unique.
2. Blocks are packed in order into messages of at most MAX_BLOCKS blocks and
   MAX_MESSAGE_CHARS characters of block text. A header or
   divider is never left as the last block of a message: it moves to the next one,
   with the content it introduces.
3. When there is more than one message, each carries a small context block: "(part 1 of
   n, continued below)" at the end of the first, "(continued, part i of n)" at the top
   of the others, and the same fallback `text` with " (part i of n)" appended.

The top-level `text` of a payload with blocks is only the notification fallback: it is
shortened (at a word, with "…") to fit MAX_TEXT. A payload with no blocks is its text:
that text is split across messages instead, never shortened. Other top-level keys
(username, icon_emoji, thread_ts, ...) are copied to every part. Whitespace-only
pieces are dropped (Slack rejects an empty section); nothing else is.
"""

from __future__ import annotations

import copy
import re

#: Blocks per message.
MAX_BLOCKS = 50
#: Characters in a section's text (and any other text object: context elements).
MAX_SECTION_TEXT = 3000
#: Characters in each of a section's fields. Slack documents 2,000 here, not 3,000.
MAX_FIELD_TEXT = 2000
#: Fields per section.
MAX_FIELDS = 10
#: Characters in a header block's plain text.
MAX_HEADER = 150
#: Elements per context block.
MAX_CONTEXT_ELEMENTS = 10
#: Characters in a context element's text.
MAX_CONTEXT_TEXT = MAX_SECTION_TEXT
#: Characters in the top-level "text" (Slack truncates beyond it).
MAX_TEXT = 40000
#: Characters in a block_id.
MAX_BLOCK_ID = 255
#: Characters of text in all of a message's blocks together. Not a published Slack limit
#: but our own budget: Slack documents no total for blocks, yet answers
#: `msg_blocks_too_long` near 12,000-13,000 characters. A part Slack still refuses as too
#: long is split again with a smaller budget (channels/slack.py).
MAX_MESSAGE_CHARS = 12000
#: The smallest budget a refused part is split down to before the alert fails for good.
MIN_MESSAGE_CHARS = 1500

_ENTITY_TAIL = re.compile(r"&[a-zA-Z#0-9]{0,6}$")


def length(text: str) -> int:
    """Length as Slack may count it: UTF-16 code units (never less than len())."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- text


def _fitting_prefix(text: str, limit: int) -> int:
    """The largest n with length(text[:n]) <= limit."""
    n = min(len(text), limit)
    over = length(text[:n]) - limit
    while over > 0:
        n -= 1
        over -= 2 if ord(text[n]) > 0xFFFF else 1
    return n


def _last_space_outside_links(window: str) -> int:
    """Index of the last space or tab not inside a `<...>` link, else -1."""
    best, in_link = -1, False
    for i, ch in enumerate(window):
        if ch == "<":
            in_link = True
        elif ch == ">":
            in_link = False
        elif ch in " \t" and not in_link and i > 0:
            best = i
    return best


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` (UTF-16 units), at the best boundaries.

    Blank line, else line end, else space outside a link, else hard (not inside an
    entity). The separator at a cut is dropped; nothing else is. Whitespace-only
    pieces are dropped.
    """
    if limit < 20:
        raise ValueError("limit too small to split text sensibly")
    pieces: list[str] = []
    rest = text
    while length(rest) > limit:
        n = _fitting_prefix(rest, limit)
        prefix_again = ""
        paragraph = rest.rfind("\n\n", 0, n + 1)
        line = rest.rfind("\n", 0, n + 1)
        if paragraph > n // 2:
            head, rest = rest[:paragraph], rest[paragraph + 2 :]
        elif line > 0:
            head, rest = rest[:line], rest[line + 1 :]
        else:
            space = _last_space_outside_links(rest[:n])
            if space > 0 and rest[:space].strip() not in ("", ">"):
                head, rest = rest[:space], rest[space + 1 :]
            else:
                cut = n
                entity = _ENTITY_TAIL.search(rest[:cut])
                if entity and entity.start() > 0:
                    cut = entity.start()
                head, rest = rest[:cut], rest[cut:]
            # A quote line cut in the middle stays a quote on the next piece.
            line_start = head.rfind("\n") + 1
            if head.startswith("> ", line_start) and not rest.startswith(">"):
                prefix_again = "> "
        if head.strip():
            pieces.append(head)
        rest = prefix_again + rest
    if rest.strip():
        pieces.append(rest)
    return pieces


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` itself if it fits, else cut at a word boundary with an ellipsis."""
    if length(text) <= limit:
        return text
    n = _fitting_prefix(text, limit - length(ellipsis))
    head = text[:n]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space > n // 2:
        head = head[:space]
    else:
        entity = _ENTITY_TAIL.search(head)
        if entity and entity.start() > 0:
            head = head[: entity.start()]
    return head.rstrip() + ellipsis


# --------------------------------------------------------------------------- blocks


def _suffixed(block_id: str | None, k: int) -> str | None:
    if block_id is None or k == 1:
        return block_id
    suffix = f"-{k}"
    return block_id[: MAX_BLOCK_ID - len(suffix)] + suffix


def _with_id(block: dict, block_id: str | None) -> dict:
    if block_id is not None:
        block["block_id"] = block_id
    return block


def _split_text_object(obj: dict, limit: int) -> list[dict]:
    """A text object ({"type", "text", ...}) -> copies each within `limit`."""
    text = obj.get("text", "")
    if not isinstance(text, str) or length(text) <= limit:
        return [obj]
    return [{**obj, "text": piece} for piece in split_text(text, limit)]


def _fit_section(block: dict) -> list[dict]:
    text = block.get("text")
    fields = block.get("fields") or []
    text_fits = not isinstance(text, dict) or length(str(text.get("text", ""))) <= MAX_SECTION_TEXT
    fields_fit = len(fields) <= MAX_FIELDS and all(
        not isinstance(f, dict) or length(str(f.get("text", ""))) <= MAX_FIELD_TEXT for f in fields
    )
    if text_fits and fields_fit:
        return [block]
    base = {k: v for k, v in block.items() if k not in ("text", "fields", "accessory", "block_id")}
    block_id = block.get("block_id")
    out: list[dict] = []
    if isinstance(text, dict):
        for i, piece in enumerate(_split_text_object(text, MAX_SECTION_TEXT)):
            section = {**base, "text": piece}
            if i == 0 and "accessory" in block:
                section["accessory"] = block["accessory"]
            out.append(section)
    pieces = [p for f in fields for p in (_split_text_object(f, MAX_FIELD_TEXT) if isinstance(f, dict) else [f])]
    for start in range(0, len(pieces), MAX_FIELDS):
        out.append({**base, "fields": pieces[start : start + MAX_FIELDS]})
    if out and "accessory" in block and not isinstance(text, dict):
        out[0]["accessory"] = block["accessory"]
    return [_with_id(b, _suffixed(block_id, k)) for k, b in enumerate(out, 1)]


def _fit_header(block: dict) -> list[dict]:
    text = block.get("text") or {}
    if length(str(text.get("text", ""))) <= MAX_HEADER:
        return [block]
    # A header cannot be longer; keep every word as a plain-text section instead.
    section = {"type": "section", "text": {"type": "plain_text", "text": text.get("text", "")}}
    if "emoji" in text:
        section["text"]["emoji"] = text["emoji"]
    if "block_id" in block:
        section["block_id"] = block["block_id"]
    return _fit_section(section)


def _fit_context(block: dict) -> list[dict]:
    elements = block.get("elements") or []
    fits = len(elements) <= MAX_CONTEXT_ELEMENTS and all(
        not isinstance(e, dict) or length(str(e.get("text", ""))) <= MAX_CONTEXT_TEXT for e in elements
    )
    if fits:
        return [block]
    pieces = [
        p
        for e in elements
        for p in (_split_text_object(e, MAX_CONTEXT_TEXT) if isinstance(e, dict) and "text" in e else [e])
    ]
    base = {k: v for k, v in block.items() if k not in ("elements", "block_id")}
    out = [{**base, "elements": pieces[s : s + MAX_CONTEXT_ELEMENTS]} for s in range(0, len(pieces), MAX_CONTEXT_ELEMENTS)]
    return [_with_id(b, _suffixed(block.get("block_id"), k)) for k, b in enumerate(out, 1)]


def fit_block(block: dict) -> list[dict]:
    """One block -> one or more blocks, each within its type's limits. Other types pass."""
    kind = block.get("type")
    if kind == "section":
        return _fit_section(block)
    if kind == "header":
        return _fit_header(block)
    if kind == "context":
        return _fit_context(block)
    return [block]


# --------------------------------------------------------------------------- messages


def block_chars(obj: object) -> int:
    """Characters of text in a block (every "text" string in it), as `length` counts."""
    if isinstance(obj, dict):
        return sum(length(v) if k == "text" and isinstance(v, str) else block_chars(v) for k, v in obj.items())
    if isinstance(obj, list):
        return sum(block_chars(v) for v in obj)
    return 0


#: Room kept in each message for the part marker.
_MARKER_ROOM = 64


def _pack(blocks: list[dict], capacity: int, chars_budget: int = MAX_MESSAGE_CHARS) -> list[list[dict]]:
    """Blocks in order into lists of at most `capacity` blocks and `chars_budget`
    characters; no list ends with a header or divider while more follows (it moves on)."""
    budget = chars_budget - _MARKER_ROOM
    chunks: list[list[dict]] = []
    current: list[dict] = []
    chars = 0
    for block in blocks:
        size = block_chars(block)
        if current and (len(current) == capacity or chars + size > budget):
            carry: list[dict] = []
            while len(current) > 1 and current[-1].get("type") in ("header", "divider"):
                carry.insert(0, current.pop())
            chunks.append(current)
            current, chars = carry, sum(block_chars(b) for b in carry)
        current.append(block)
        chars += size
    if current:
        chunks.append(current)
    return chunks


def _marker(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _fallback(text: str, suffix: str) -> str:
    text = shorten(text, MAX_TEXT - length(suffix))
    return f"{text}{suffix}" if text else suffix.strip()


def split_message(payload: dict, budget: int = MAX_MESSAGE_CHARS) -> list[dict]:
    """A Slack payload {"text", "blocks", ...} of any size -> payloads within every limit,
    each with at most `budget` characters of block text.

    Pure; the input is not modified. See the module docstring for where it cuts.
    """
    extra = {k: copy.deepcopy(v) for k, v in payload.items() if k not in ("text", "blocks")}
    text = str(payload.get("text") or "")
    blocks = [b for block in payload.get("blocks") or [] for b in fit_block(copy.deepcopy(block))]

    if not blocks:
        if length(text) <= MAX_TEXT:
            return [{**extra, "text": text}]
        room = MAX_TEXT - length("\n(continued, part 9999 of 9999)")
        chunks = split_text(text, room)
        n = len(chunks)
        return [
            {**copy.deepcopy(extra), "text": chunk + (f"\n(part 1 of {n}, continued below)" if i == 1 else f"\n(continued, part {i} of {n})")}
            for i, chunk in enumerate(chunks, 1)
        ]

    chunks = _pack(blocks, MAX_BLOCKS, budget)
    if len(chunks) == 1:
        return [{**extra, "text": shorten(text, MAX_TEXT), "blocks": chunks[0]}]
    chunks = _pack(blocks, MAX_BLOCKS - 1, budget)
    n = len(chunks)
    parts = []
    for i, chunk in enumerate(chunks, 1):
        if i == 1:
            chunk = chunk + [_marker(f"(part 1 of {n}, continued below)")]
        else:
            chunk = [_marker(f"(continued, part {i} of {n})")] + chunk
        parts.append({**copy.deepcopy(extra), "text": _fallback(text, f" (part {i} of {n})"), "blocks": chunk})
    return parts


# --------------------------------------------------------------------------- checking


def violations(payload: dict) -> list[str]:
    """Every way `payload` breaks a limit above (empty when it is within all of them)."""
    problems: list[str] = []
    text = payload.get("text")
    if isinstance(text, str) and length(text) > MAX_TEXT:
        problems.append(f"text: {length(text)} > {MAX_TEXT} characters")
    blocks = payload.get("blocks") or []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"blocks: {len(blocks)} > {MAX_BLOCKS}")
    if block_chars(blocks) > MAX_MESSAGE_CHARS:
        problems.append(f"blocks: {block_chars(blocks)} characters of text > {MAX_MESSAGE_CHARS}")
    if not blocks and not (isinstance(text, str) and text.strip()):
        problems.append("message: neither text nor blocks")
    seen_ids: set[str] = set()
    for i, b in enumerate(blocks):
        where = f"blocks[{i}] ({b.get('type')})"
        block_id = b.get("block_id")
        if block_id is not None:
            if len(block_id) > MAX_BLOCK_ID:
                problems.append(f"{where}: block_id longer than {MAX_BLOCK_ID}")
            if block_id in seen_ids:
                problems.append(f"{where}: duplicate block_id {block_id!r}")
            seen_ids.add(block_id)
        if b.get("type") == "header":
            t = str((b.get("text") or {}).get("text", ""))
            if length(t) > MAX_HEADER:
                problems.append(f"{where}: header text {length(t)} > {MAX_HEADER}")
            if not t.strip():
                problems.append(f"{where}: empty header")
        elif b.get("type") == "section":
            t = b.get("text")
            fields = b.get("fields") or []
            if t is None and not fields:
                problems.append(f"{where}: neither text nor fields")
            if isinstance(t, dict):
                s = str(t.get("text", ""))
                if length(s) > MAX_SECTION_TEXT:
                    problems.append(f"{where}: text {length(s)} > {MAX_SECTION_TEXT}")
                if not s.strip():
                    problems.append(f"{where}: empty text")
            if len(fields) > MAX_FIELDS:
                problems.append(f"{where}: {len(fields)} fields > {MAX_FIELDS}")
            for j, f in enumerate(fields):
                s = str(f.get("text", "")) if isinstance(f, dict) else ""
                if length(s) > MAX_FIELD_TEXT:
                    problems.append(f"{where}: fields[{j}] {length(s)} > {MAX_FIELD_TEXT}")
        elif b.get("type") == "context":
            elements = b.get("elements") or []
            if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
                problems.append(f"{where}: {len(elements)} elements, need 1..{MAX_CONTEXT_ELEMENTS}")
            for j, e in enumerate(elements):
                s = str(e.get("text", "")) if isinstance(e, dict) else ""
                if length(s) > MAX_CONTEXT_TEXT:
                    problems.append(f"{where}: elements[{j}] {length(s)} > {MAX_CONTEXT_TEXT}")
    return problems


__all__ = [
    "MAX_BLOCKS",
    "MAX_BLOCK_ID",
    "MAX_CONTEXT_ELEMENTS",
    "MAX_CONTEXT_TEXT",
    "MAX_FIELDS",
    "MAX_FIELD_TEXT",
    "MAX_HEADER",
    "MAX_MESSAGE_CHARS",
    "MAX_SECTION_TEXT",
    "MAX_TEXT",
    "block_chars",
    "fit_block",
    "length",
    "shorten",
    "split_message",
    "split_text",
    "violations",
]
