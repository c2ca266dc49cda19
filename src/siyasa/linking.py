"""Who did what to whom: link each EVENT span to the ACTOR and ROLE spans that take part in it.

`rule_links(text, spans)` is the rule baseline of issue 10: no model, only the order of the spans, the
sentence boundaries of the contract and a few Arabic function words. It is what the CRF model links
with, and the floor a learned linker has to beat. Decisions, in the guidelines' terms (section 6.2):

- candidates are ACTOR and ROLE spans that are not inside a ROLE (a nested institution is rarely the
  participant) and do not overlap the event; a ROLE directly followed by a name, or a name then a
  comma and its ROLE, stands for that name (rule 2: "the name, not the title");
- only the event's own sentence is searched, and an argument is never searched past another EVENT
  (the next trigger starts another clause); with no SOURCE in the sentence, a verbal trigger takes
  the last candidate before it in the document (a dropped subject);
- a verb (no article, no preposition prefix) takes the first candidate right after it as SOURCE
  (verb-subject order) unless a candidate precedes it in its clause (subject-verb order), and the next
  candidate as TARGET;
- an event noun takes a directly following candidate (its possessor) as TARGET for events done to
  someone (ASSAULT, COERCE, SANCTION...), as SOURCE otherwise, and the clause's subject before it as
  SOURCE; a candidate after مع، على، ضد، إلى، بين is TARGET.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from .arguments import Arg, Sentences

# Event types whose noun's possessor usually undergoes the event (اعتقال المعارض، مقتل الجنود).
UNDERGONE = {"ASSAULT", "COERCE", "SANCTION", "ACCUSE", "THREATEN", "SUPPORT", "REJECT", "AID", "CONCEDE"}
TARGET_WORDS = {"مع", "على", "ضد", "إلى", "الى", "بين", "لدى", "عن", "من"}
_NOUN_RE = regex.compile(r"^(?:و|ف)?(?:ب|ل|ك)?(?:ال|لل)")  # article, or a preposition + article


@dataclass(frozen=True)
class LinkSpan:
    """A span as the linkers see it, from a dict or any object with start, end, label and subtype."""

    start: int
    end: int
    label: str
    subtype: str | None


def as_spans(spans) -> list[LinkSpan]:
    out = []
    for s in spans:
        if isinstance(s, dict):
            out.append(LinkSpan(s["start"], s["end"], s["label"], s.get("subtype")))
        else:
            out.append(LinkSpan(s.start, s.end, s.label, s.subtype))
    return out


def _participants(text: str, spans: list[LinkSpan]) -> list[LinkSpan]:
    """Top-level ACTOR/ROLE spans, a titled name standing for its title: `الرئيس X` and `X، الرئيس`
    become one participant, X. One pass over the spans by start (an enclosing ROLE sorts first), so the
    time is linear in the spans, not quadratic (issue 8.1)."""
    top: list[LinkSpan] = []
    role_end = -1  # the furthest end of the ROLE spans seen so far: a span ending within it is nested
    for s in sorted(spans, key=lambda s: (s.start, -s.end, s.label != "ROLE")):
        if s.label in ("ACTOR", "ROLE") and s.end > role_end:
            top.append(s)
        if s.label == "ROLE":
            role_end = max(role_end, s.end)
    out: list[LinkSpan] = []
    for s in top:
        prev = out[-1] if out else None
        if prev and prev.label == "ROLE" and s.label == "ACTOR" and not text[prev.end : s.start].strip():
            out[-1] = s  # title then name: the name
        elif (
            prev
            and prev.label == "ACTOR"
            and s.label == "ROLE"
            and text[prev.end : s.start].strip() in ("،", ",")
        ):
            continue  # name, title: the name already stands for both
        else:
            out.append(s)
    return out


PREPOSITIONS = {"على", "إلى", "الى", "بعد", "قبل", "عن", "من", "في", "مع", "ضد", "منذ", "خلال", "إثر", "عقب"}


def is_verb(text: str, e: LinkSpan, prev: LinkSpan | None) -> bool:
    """A trigger read as a verb: no article, no ة or plural ات ending (verbs never end so), not the
    object of a support verb or a preposition (فرضت عقوبات، بعد اعتقال)."""
    words = text[e.start : e.end].split()
    first = words[0] if words else ""
    if _NOUN_RE.match(first) or first.startswith(("لـ", "بـ")) or first.endswith(("ة", "ات")):
        return False
    if prev is not None and prev.end <= e.start and not text[prev.end : e.start].strip():
        return False  # directly after another trigger: the support verb's noun
    return word_before(text, e.start).lstrip("و") not in PREPOSITIONS


def word_before(text: str, start: int, window: int = 12) -> str:
    """The last word in the `window` characters before `start` ("" when none)."""
    words = text[max(0, start - window) : start].split()
    return words[-1] if words else ""


class _Following:
    """parts[first:] that end before `limit`, indexed from 0 (None past the last): the candidates after a
    trigger, up to the next trigger or the sentence end, without building the list."""

    def __init__(self, parts: list[LinkSpan], first: int, limit: int):
        self.parts, self.first, self.limit = parts, first, limit

    def __getitem__(self, k: int) -> LinkSpan | None:
        j = self.first + k
        return self.parts[j] if j < len(self.parts) and self.parts[j].end <= self.limit else None


def rule_links(text: str, spans) -> list[Arg]:
    """SOURCE and TARGET links for every EVENT span, by rule (module docstring).

    Participants and events are each disjoint and sorted, so every lookup is a binary search and the
    scan for a TARGET after a preposition stops at the next event: the time grows as n log n in the
    number of spans, whatever the input (issue 8.1)."""
    spans = as_spans(spans)
    sentences = Sentences(text)
    parts = _participants(text, spans)
    starts, ends = [p.start for p in parts], [p.end for p in parts]
    events = sorted((s for s in spans if s.label == "EVENT"), key=lambda s: s.start)
    out: list[Arg] = []
    for i, e in enumerate(events):
        lo, hi = sentences.bounds[sentences.index(e.start)]
        prev = events[i - 1] if i else None
        nxt = events[i + 1] if i + 1 < len(events) else None
        prev_ev = prev.end if prev is not None and prev.end <= e.start and prev.start >= lo else lo
        next_ev = nxt.start if nxt is not None and nxt.start >= e.end and nxt.end <= hi else hi
        n_before = bisect.bisect_right(ends, e.start)  # parts[:n_before] end at or before the trigger
        first_after = bisect.bisect_left(starts, e.end)  # parts[first_after:] start at or after its end
        last = parts[n_before - 1] if n_before and parts[n_before - 1].start >= lo else None
        clause_last = last if last is not None and last.start >= prev_ev else None
        after = _Following(parts, first_after, next_ev)

        source = target = None
        if is_verb(text, e, prev):
            if clause_last is not None:
                source, target = clause_last, after[0]
            elif after[0] is not None:
                source, target = after[0], after[1]
            elif last is not None:
                source = last
            else:
                n_earlier = bisect.bisect_right(ends, lo)
                source = parts[n_earlier - 1] if n_earlier else None
        else:
            first = after[0]
            if first is not None and not text[e.end : first.start].strip():
                if e.subtype in UNDERGONE:
                    target = first
                else:
                    source, target = first, after[1]
            if source is None and clause_last is not None:
                source = clause_last
            if target is None:
                k = 0
                while (p := after[k]) is not None:
                    if p is not source and word_before(text, p.start).lstrip("و") in TARGET_WORDS:
                        target = p
                        break
                    k += 1
        for role, p in (("SOURCE", source), ("TARGET", target)):
            if p is not None and not (role == "TARGET" and p == source):
                out.append(Arg((e.start, e.end), role, (p.start, p.end)))
    return out
