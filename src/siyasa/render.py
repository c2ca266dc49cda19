"""Output formats of `siyasa predict`: JSONL records, CoNLL, inline markup text, and an HTML page."""

from __future__ import annotations

import html
import json

from .doc import Doc
from .features import repair_iob2
from .markup import markup_body
from .words import tokenize

COLOURS = {"ACTOR": "#cfe3ff", "ROLE": "#ffe1b0", "EVENT": "#cdeecf"}
BORDERS = {"ACTOR": "#3b7dd8", "ROLE": "#d98a00", "EVENT": "#2f9a3a"}


# Characters that some line readers (str.splitlines, editors) take for line breaks: escaped in JSONL
# so that one record is always exactly one line, whoever reads it.
# (json.dumps already escapes the control characters below U+0020.)
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_line(obj: dict) -> str:
    """One JSON object on one line (str.replace, many times faster than str.translate on long lines)."""
    line = json.dumps(obj, ensure_ascii=False)
    for char, escaped in _LINE_BREAKS.items():
        if char in line:
            line = line.replace(char, escaped)
    return line + "\n"


def to_jsonl(docs: list[Doc]) -> str:
    return "".join(_json_line(d.to_dict()) for d in docs)


def to_events(docs: list[Doc]) -> str:
    """One event record per line (siyasa.events.event_rows): the flat table analysts load."""
    from .events import event_rows

    return "".join(_json_line(r) for r in event_rows(docs))


def word_tags(doc: Doc) -> list[tuple[str, str]]:
    """(word, IOB2 tag) for every word of the document, from its spans."""
    import bisect

    words = tokenize(doc.text)
    starts = [w.start for w in words]
    tags = ["O"] * len(words)
    for s in doc.spans:  # words of a span found by binary search: linear in words plus spans
        name = f"{s.label}.{s.subtype}" if s.subtype else s.label
        i = bisect.bisect_left(starts, s.start)
        first = True
        while i < len(words) and words[i].end <= s.end:
            tags[i] = ("B-" if first else "I-") + name
            first = False
            i += 1
    return list(zip([w.text for w in words], repair_iob2(tags), strict=True))


def to_conll(docs: list[Doc]) -> str:
    """Word and tag per line, a blank line between documents."""
    return "\n".join("".join(f"{w}\t{t}\n" for w, t in word_tags(d)) for d in docs)


def to_text(docs: list[Doc]) -> str:
    """The authoring markup: [ACTOR/PER name] ... one document per line (newlines kept inside)."""
    return "".join(markup_body(d.text, d.spans) + "\n" for d in docs)


def to_html(docs: list[Doc], title: str = "siyasa") -> str:
    """A self-contained right-to-left page: a colour per type, a legend, subtype and score on hover."""
    legend = "".join(f'<span class="chip {t}">{t}</span>' for t in COLOURS)
    styles = "\n".join(
        f"mark.{t} {{ background: {c}; border-bottom: 2px solid {BORDERS[t]}; }} .chip.{t} {{ background: {c}; border: 1px solid {BORDERS[t]}; }}"
        for t, c in COLOURS.items()
    )
    body = "\n".join(
        f"<article><h2>{html.escape(d.id or f'#{i + 1}')}</h2><p>{_marked(d)}</p>{_events(d)}</article>"
        for i, d in enumerate(docs)
    )
    return f"""<!doctype html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: "Noto Naskh Arabic", "Amiri", "Noto Sans Arabic", "Segoe UI", Tahoma, sans-serif; font-size: 19px;
       line-height: 2.3; max-width: 56em; margin: 1.5em auto; padding: 0 1em; color: #1d1d1f; background: #fff; }}
h1 {{ font-size: 1.3em; margin: 0 0 .3em; }} h2 {{ font-size: .8em; color: #777; font-family: monospace; margin: 1.2em 0 0; }}
mark {{ padding: .12em .3em; border-radius: .35em; cursor: help; }}
mark sub {{ font-size: .55em; font-family: monospace; direction: ltr; unicode-bidi: isolate; margin-inline-start: .25em; opacity: .75; }}
.legend {{ position: sticky; top: 0; background: #fff; padding: .4em 0; border-bottom: 1px solid #eee; font-size: .8em; }}
table.events {{ border-collapse: collapse; font-size: .8em; line-height: 1.6; margin: .3em 0 1em; }}
table.events td, table.events th {{ padding: .15em .6em; border-bottom: 1px solid #eee; text-align: right; }}
table.events th {{ color: #777; font-weight: normal; }} .arrow {{ color: #999; }}
.chip {{ display: inline-block; padding: 0 .6em; margin-inline-end: .5em; border-radius: .35em; font-family: monospace; }}
{styles}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<div class="legend">{legend} <span style="color:#777">hover a span for its subtype and score</span></div>
{body}
</body>
</html>
"""


def _events(doc: Doc) -> str:
    """Who did what to whom, one row per event that has a participant: SOURCE ← EVENT ← TARGET, read
    right to left like the text."""
    from .events import doc_events

    def party(p) -> str:
        s = doc.spans[p.span]
        title = f" ({html.escape(doc.spans[p.title].text)})" if p.title is not None else ""
        return f'<mark class="{s.label}">{html.escape(s.text)}</mark>{title}'

    rows = []
    for ev in doc_events(doc):
        if not ev.sources and not ev.targets:
            continue
        t = doc.spans[ev.trigger]
        kind = html.escape(ev.type or "EVENT") + (f" · {html.escape(ev.quad)}" if ev.quad else "")
        rows.append(
            f"<tr><td>{'، '.join(map(party, ev.sources)) or '—'}</td><td class=arrow>←</td>"
            f'<td><mark class="EVENT">{html.escape(t.text)}</mark> <sub>{kind}</sub></td><td class=arrow>←</td>'
            f"<td>{'، '.join(map(party, ev.targets)) or '—'}</td></tr>"
        )
    if not rows:
        return ""
    head = "<tr><th>SOURCE (مَن)</th><th></th><th>EVENT (ماذا)</th><th></th><th>TARGET (بمَن)</th></tr>"
    return f'<table class="events">{head}{"".join(rows)}</table>'


def _marked(doc: Doc) -> str:
    out, pos = [], 0
    for s in sorted(doc.spans, key=lambda s: s.start):
        if s.start < pos:  # nested spans (gold records) are shown through their outer span
            continue
        out.append(html.escape(doc.text[pos : s.start]))
        tag = f"{s.label}.{s.subtype}" if s.subtype else s.label
        hover = f"{tag} · {s.score:.2f}" if getattr(s, "score", None) is not None else tag
        out.append(
            f'<mark class="{s.label}" title="{html.escape(hover)}">{html.escape(doc.text[s.start : s.end])}'
            f"<sub>{html.escape(s.subtype or s.label)}</sub></mark>"
        )
        pos = s.end
    out.append(html.escape(doc.text[pos:]))
    return "".join(out).replace("\n", "<br>\n")


FORMATS = {"jsonl": to_jsonl, "events": to_events, "conll": to_conll, "text": to_text, "html": to_html}
