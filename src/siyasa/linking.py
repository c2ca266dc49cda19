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

from dataclasses import dataclass

import regex

from .arguments import Arg, Sentences

# Event types whose noun's possessor usually undergoes the event (اعتقال المعارض، مقتل الجنود).
UNDERGONE = {"ASSAULT", "COERCE", "SANCTION", "ACCUSE", "THREATEN", "SUPPORT", "REJECT", "AID", "CONCEDE"}
TARGET_WORDS = {"مع", "على", "ضد", "إلى", "الى", "بين", "لدى", "عن", "من"}
_NOUN_RE = regex.compile(r"^(?:و|ف)?(?:ب|ل|ك)?(?:ال|لل)")  # article, or a preposition + article


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    label: str
    subtype: str | None


def _as_spans(spans) -> list[_Span]:
    out = []
    for s in spans:
        if isinstance(s, dict):
            out.append(_Span(s["start"], s["end"], s["label"], s.get("subtype")))
        else:
            out.append(_Span(s.start, s.end, s.label, s.subtype))
    return out


def _participants(text: str, spans: list[_Span]) -> list[_Span]:
    """Top-level ACTOR/ROLE spans, a titled name standing for its title: `الرئيس X` and `X، الرئيس`
    become one participant, X."""
    roles = [s for s in spans if s.label == "ROLE"]
    top = [s for s in spans if s.label in ("ACTOR", "ROLE")
           and not any(r.start <= s.start and s.end <= r.end and r != s for r in roles)]  # fmt: skip
    top.sort(key=lambda s: s.start)
    out: list[_Span] = []
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


def _is_verb(text: str, e: _Span, events: list[_Span]) -> bool:
    """A trigger read as a verb: no article, no ة or plural ات ending (verbs never end so), not the
    object of a support verb or a preposition (فرضت عقوبات، بعد اعتقال)."""
    first = text[e.start : e.end].split()[0] if text[e.start : e.end].split() else ""
    if _NOUN_RE.match(first) or first.startswith(("لـ", "بـ")) or first.endswith(("ة", "ات")):
        return False
    if any(x.end <= e.start and not text[x.end : e.start].strip() for x in events):
        return False  # directly after another trigger: the support verb's noun
    return _word_before(text, e.start).lstrip("و") not in PREPOSITIONS


def _word_before(text: str, start: int) -> str:
    words = text[max(0, start - 12) : start].split()
    return words[-1] if words else ""


def rule_links(text: str, spans) -> list[Arg]:
    """SOURCE and TARGET links for every EVENT span, by rule (module docstring)."""
    spans = _as_spans(spans)
    sentences = Sentences(text)
    parts = _participants(text, spans)
    events = sorted((s for s in spans if s.label == "EVENT"), key=lambda s: s.start)
    out: list[Arg] = []
    for e in events:
        here = sentences.index(e.start)
        lo, hi = sentences.bounds[here]
        prev_ev = max((x.end for x in events if x.end <= e.start and x.start >= lo), default=lo)
        next_ev = min((x.start for x in events if x.start >= e.end and x.end <= hi), default=hi)
        ok = [p for p in parts if p.end <= e.start or p.start >= e.end]
        before = [p for p in ok if lo <= p.start and p.end <= e.start]
        clause_before = [p for p in before if p.start >= prev_ev]
        after = [p for p in ok if p.start >= e.end and p.end <= next_ev]
        source = target = None
        if _is_verb(text, e, events):
            if clause_before:
                source = clause_before[-1]
                target = after[0] if after else None
            elif after:
                source = after[0]
                target = after[1] if len(after) > 1 else None
            elif before:
                source = before[-1]
            else:
                earlier = [p for p in ok if p.end <= lo]
                source = earlier[-1] if earlier else None
        else:
            if after and not text[e.end : after[0].start].strip():
                if e.subtype in UNDERGONE:
                    target = after[0]
                else:
                    source = after[0]
                    target = after[1] if len(after) > 1 else None
            if source is None and clause_before:
                source = clause_before[-1]
            if target is None:
                for p in after:
                    if p is not source and _word_before(text, p.start).lstrip("و") in TARGET_WORDS:
                        target = p
                        break
        for role, p in (("SOURCE", source), ("TARGET", target)):
            if p is not None and not (role == "TARGET" and p == source):
                out.append(Arg((e.start, e.end), role, (p.start, p.end)))
    return out
