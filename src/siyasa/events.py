"""Event records from a tagged document: this SOURCE did this EVENT to that TARGET, in this sentence.

`doc_events(doc)` turns a Doc's spans and argument links (`Doc.args`, from the linker) into `Event`s;
`event_rows(docs)` flattens them into the table `siyasa predict --format events` writes, one row per
event, for pandas, DuckDB or a warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .arguments import Sentences
from .schema import QUAD_CLASS


@dataclass
class Participant:
    """An argument of an event: the span's index in Doc.spans and, for an ACTOR whose ROLE is linked
    to it (الرئيس الأمريكي دونالد ترامب), the ROLE's index."""

    span: int
    title: int | None = None


@dataclass
class Event:
    trigger: int  # index of the EVENT span in Doc.spans
    type: str | None  # the EVENT subtype (None for coarse models, which predict EVENT only)
    quad: str | None  # PLOVER quad class of the type, None for PROCESS, OTHER or an unknown type
    sources: list[Participant] = field(default_factory=list)
    targets: list[Participant] = field(default_factory=list)
    score: float = 0.0  # the trigger's score


def doc_events(doc) -> list[Event]:
    """One Event per EVENT span of `doc`, in text order, with its linked SOURCEs and TARGETs."""
    index = {(s.start, s.end): i for i, s in enumerate(doc.spans)}
    titles = {link.actor: link.role for link in doc.links}
    events = {}
    for i, s in enumerate(doc.spans):
        if s.label == "EVENT":
            events[(s.start, s.end)] = Event(i, s.subtype, QUAD_CLASS.get(s.subtype or ""), score=s.score)
    for a in doc.args or []:
        ev, j = events.get(tuple(a.event)), index.get(tuple(a.arg))
        if ev is None or j is None:
            continue
        (ev.sources if a.role == "SOURCE" else ev.targets).append(Participant(j, titles.get(j)))
    return sorted(events.values(), key=lambda e: doc.spans[e.trigger].start)


def _party(doc, p: Participant) -> dict:
    s = doc.spans[p.span]
    return {
        "text": s.text,
        "label": s.label,
        "subtype": s.subtype,
        "start": s.start,
        "end": s.end,
        "title": doc.spans[p.title].text if p.title is not None else None,
    }


# A row's `sentence` is its whole sentence up to this many characters; a longer one (no real sentence is:
# this is text with no sentence ends, such as a scrape's unpunctuated dump) is cut to a window of this size
# around the trigger, and `sentence_offsets` says which characters it holds. Without the cap the table
# grows as events x sentence length: 1.2 GB for a 100 kB text with no full stop.
SENTENCE_CHARS = 1000


def _sentence(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """[lo, hi) clipped to SENTENCE_CHARS around the trigger [start, end)."""
    if hi - lo <= SENTENCE_CHARS:
        return lo, hi
    a = max(lo, min(start - (SENTENCE_CHARS - (end - start)) // 2, hi - SENTENCE_CHARS))
    return a, min(hi, max(a + SENTENCE_CHARS, end))


def event_rows(docs) -> list[dict]:
    """The flat event table: one dict per event of every doc."""
    rows = []
    for doc in docs:
        sentences = Sentences(doc.text)
        for ev in doc_events(doc):
            t = doc.spans[ev.trigger]
            lo, hi = _sentence(doc.text, *sentences.bounds[sentences.index(t.start)], t.start, t.end)
            while lo < hi and doc.text[lo].isspace():  # the sentence without the spaces before it
                lo += 1
            while hi > lo and doc.text[hi - 1].isspace():
                hi -= 1
            rows.append(
                {
                    "id": doc.id,
                    "date": (doc.meta or {}).get("date"),
                    "type": ev.type,
                    "quad_class": ev.quad,
                    "trigger": t.text,
                    "start": t.start,
                    "end": t.end,
                    "sources": [_party(doc, p) for p in ev.sources],
                    "targets": [_party(doc, p) for p in ev.targets],
                    "sentence": doc.text[lo:hi],
                    "sentence_offsets": [lo, hi],
                    "score": ev.score,
                }
            )
    return rows
