"""The arguments block of an authoring file: who did what to whom, one line per event.

After the text, a line `=== arguments` opens the block; it lists every EVENT span of the document
once, in text order, as its paragraph number (1 = the first non-empty line of the text), its trigger
as written, then its participants by their surface:

    === arguments
    1 استقال | SOURCE مصطفى عبد الجليل
    1 القمع
    3 اتهم | SOURCE إبراهيم الدباشي | TARGET القذافي
    5 رفضت | SOURCE روسيا + الصين | TARGET الدباشي

An event with no participant in the text is its number and trigger alone. Coordinated participants
are joined by ` + `. A name refers to the tagged ACTOR or ROLE span with exactly that surface that rule
2 of the schema picks (in the event's sentence, nearest the trigger; else the nearest before it), so
the annotator names the participant and the compiler finds the mention. `name@123` points at the span
starting at character 123 instead, for the rare link rule 2 would not choose. Lines starting with `#`
are comments. A file without the block has not been annotated for arguments (no `args` key).
"""

from __future__ import annotations

import regex

from .arguments import ROLES, Arg, Sentences, choose_mention

BLOCK_HEADER = "=== arguments"
_LINE_RE = regex.compile(r"^(\d+)\s+([^|]+?)\s*(?:\|(.*))?$")
_AT_RE = regex.compile(r"^(.*?)\s*@(\d+)$")


def paragraphs_of(text: str) -> list[int]:
    """The 1-based paragraph number (non-empty line) of each character of `text`, as a lookup list."""
    out, n = [], 0
    for line in text.split("\n"):
        if line.strip():
            n += 1
        out.extend([max(n, 1)] * (len(line) + 1))
    return out


def parse_block(
    lines: list[tuple[int, str]], text: str, spans: list[dict]
) -> tuple[list[dict], list[tuple[int, int, str]]]:
    """Compile the block's (file line number, line) pairs against the compiled text and spans.
    Returns (args as canonical dicts, errors as (line, col, message))."""
    errors: list[tuple[int, int, str]] = []
    events = sorted((s for s in spans if s["label"] == "EVENT"), key=lambda s: (s["start"], s["end"]))
    by_surface = _mentions(text, spans)
    para = paragraphs_of(text)
    sentences = Sentences(text)
    args: set[Arg] = set()
    entries = [(n, ln) for n, ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    for k, (n, line) in enumerate(entries):
        m = _LINE_RE.match(line.strip())
        if not m:
            errors.append(
                (n, 1, "an arguments line is 'PARAGRAPH TRIGGER | SOURCE name + name | TARGET name'")
            )
            continue
        if k >= len(events):
            errors.append((n, 1, f"more lines than events: the text has {len(events)} EVENT spans"))
            break
        ev = events[k]
        ev_text, ev_para = text[ev["start"] : ev["end"]], para[ev["start"]]
        if int(m.group(1)) != ev_para or m.group(2) != ev_text:
            errors.append(
                (
                    n,
                    1,
                    f"line says {m.group(1)} {m.group(2)!r} but event {k + 1} of the text is "
                    f"{ev_para} {ev_text!r}: list every event once, in text order "
                    "(scripts/args_template.py writes the list)",
                )
            )
            break
        col = line.index("|") + 2 if m.group(3) is not None else len(line)
        for part in (m.group(3) or "").split("|"):
            if not part.strip():
                continue
            if part.strip() == "?":
                errors.append(
                    (
                        n,
                        col,
                        f"{ev_text!r} is not annotated yet: replace '?' by its participants, "
                        "or delete '| ?' if the text names none",
                    )
                )
                continue
            role, _, names = part.strip().partition(" ")
            if role not in ROLES or not names.strip():
                errors.append((n, col, f"{part.strip()!r}: write 'SOURCE name' or 'TARGET name + name'"))
                continue
            for name in names.split(" + "):
                span, problem = _resolve(name.strip(), (ev["start"], ev["end"]), by_surface, sentences)
                if problem:
                    errors.append((n, col, f"{role} of {ev_text!r}: {problem}"))
                elif Arg((ev["start"], ev["end"]), _other(role), span) in args:
                    errors.append(
                        (
                            n,
                            col,
                            f"{name.strip()!r} is SOURCE and TARGET of {ev_text!r}: "
                            "a span takes one role per event",
                        )
                    )
                else:
                    args.add(Arg((ev["start"], ev["end"]), role, span))
            col += len(part) + 1
    if not errors and len(entries) < len(events):
        missing = events[len(entries)]
        errors.append(
            (
                entries[-1][0] if entries else (lines[0][0] - 1 if lines else 1),
                1,
                f"{len(events) - len(entries)} events have no line, from "
                f"{para[missing['start']]} {text[missing['start'] : missing['end']]!r}: list every event once",
            )
        )
    return [a.to_dict() for a in sorted(args)], errors


def _other(role: str) -> str:
    return "TARGET" if role == "SOURCE" else "SOURCE"


def _mentions(text: str, spans: list[dict]) -> dict[str, list[tuple[int, int]]]:
    """Offsets of the ACTOR and ROLE spans (the possible arguments), by their surface."""
    by_surface: dict[str, list[tuple[int, int]]] = {}
    for s in spans:
        if s["label"] in ("ACTOR", "ROLE"):
            by_surface.setdefault(text[s["start"] : s["end"]], []).append((s["start"], s["end"]))
    return by_surface


def _resolve(name: str, event: tuple[int, int], by_surface, sentences: Sentences):
    at = _AT_RE.match(name)
    if at:
        surface, start = at.group(1), int(at.group(2))
        found = [c for c in by_surface.get(surface, []) if c[0] == start]
        return (found[0], None) if found else (None, f"no ACTOR or ROLE span {surface!r} starts at {start}")
    candidates = by_surface.get(name)
    if not candidates:
        return None, f"no ACTOR or ROLE span reads {name!r} (copy the span's words exactly)"
    chosen = choose_mention(event, candidates, sentences)
    if chosen is None:
        return (
            None,
            f"{name!r} is tagged only after this event's sentence; rule 2 never links a later sentence",
        )
    return chosen, None


def format_block(text: str, spans: list[dict], args: list[dict] | None) -> str:
    """The block for a record (inverse of `parse_block`): names, or name@start where rule 2 would
    choose another mention. With `args=None`, a template: every event ends in `| ?`, an error until
    an annotator replaces it."""
    by_event: dict[tuple[int, int], dict[str, list[tuple[int, int]]]] = {}
    for a in args or []:
        by_event.setdefault(tuple(a["event"]), {}).setdefault(a["role"], []).append(tuple(a["arg"]))
    by_surface = _mentions(text, spans)
    para, sentences = paragraphs_of(text), Sentences(text)
    out = [BLOCK_HEADER]
    for ev in sorted((s for s in spans if s["label"] == "EVENT"), key=lambda s: (s["start"], s["end"])):
        key = (ev["start"], ev["end"])
        line = f"{para[ev['start']]} {text[ev['start'] : ev['end']]}"
        for role in ROLES:
            names = []
            for arg in sorted(by_event.get(key, {}).get(role, [])):
                surface = text[arg[0] : arg[1]]
                chosen = choose_mention(key, by_surface.get(surface, []), sentences)
                names.append(surface if chosen == arg else f"{surface}@{arg[0]}")
            if names:
                line += f" | {role} " + " + ".join(names)
        out.append(line + (" | ?" if args is None else ""))
    return "\n".join(out)
