"""The annotation schema (shared/spec/annotation-schema.md) as code: types, subtypes, spans, IOB2.

Spans are character offsets into a text. The classifier learns a flat IOB2 sequence over the words of
`siyasa.words.tokenize`; nested spans (ACTOR inside ROLE) are flattened with the outer span winning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ACTOR_SUBTYPES = ("PER", "ORG", "GPE", "ARMED", "GROUP")
EVENT_SUBTYPES = (
    # verbal cooperation
    "AGREE",
    "CONSULT",
    "SUPPORT",
    "CONCEDE",
    # material cooperation
    "COOPERATE",
    "AID",
    "RETREAT",
    # verbal conflict
    "REQUEST",
    "ACCUSE",
    "REJECT",
    "THREATEN",
    # material conflict
    "PROTEST",
    "SANCTION",
    "MOBILIZE",
    "COERCE",
    "ASSAULT",
    # institutional procedure, and the rest
    "PROCESS",
    "OTHER",
)
TYPES = ("ACTOR", "ROLE", "EVENT")
# PLOVER's quad classes (annotation-schema.md); PROCESS and OTHER sit outside them.
QUAD_CLASS = {
    **dict.fromkeys(("AGREE", "CONSULT", "SUPPORT", "CONCEDE"), "verbal cooperation"),
    **dict.fromkeys(("COOPERATE", "AID", "RETREAT"), "material cooperation"),
    **dict.fromkeys(("REQUEST", "ACCUSE", "REJECT", "THREATEN"), "verbal conflict"),
    **dict.fromkeys(("PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"), "material conflict"),
}
SUBTYPES: dict[str, tuple[str, ...]] = {"ACTOR": ACTOR_SUBTYPES, "ROLE": (), "EVENT": EVENT_SUBTYPES}

Scheme = Literal["coarse", "fine"]


@dataclass(frozen=True, order=True)
class Span:
    """A labelled character span. `subtype` is None for ROLE and required otherwise."""

    start: int
    end: int
    label: str
    subtype: str | None = None

    @property
    def tag(self) -> str:
        """The fine-grained tag name: ACTOR.PER, EVENT.CONSULT, ROLE."""
        return f"{self.label}.{self.subtype}" if self.subtype else self.label

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "label": self.label, "subtype": self.subtype}

    @classmethod
    def from_dict(cls, d: dict) -> Span:
        return cls(int(d["start"]), int(d["end"]), str(d["label"]), d.get("subtype"))


def check_label(label: str, subtype: str | None) -> str | None:
    """Return an error message if (label, subtype) is not allowed by the schema, else None."""
    if label not in TYPES:
        return f"unknown type {label!r}; expected one of {', '.join(TYPES)}"
    allowed = SUBTYPES[label]
    if not allowed:
        if subtype not in (None, ""):
            return f"{label} takes no subtype, got {subtype!r}"
        return None
    if subtype is None or subtype == "":
        return f"{label} needs a subtype: one of {', '.join(allowed)}"
    if subtype not in allowed:
        return f"unknown {label} subtype {subtype!r}; expected one of {', '.join(allowed)}"
    return None


def label_names(scheme: Scheme = "coarse") -> list[str]:
    """The IOB2 label list, in a fixed order: O first, then B-/I- per type (or TYPE.SUBTYPE)."""
    if scheme == "coarse":
        tags = list(TYPES)
    elif scheme == "fine":
        tags = [f"{t}.{s}" if s else t for t in TYPES for s in (SUBTYPES[t] or (None,))]
    else:
        raise ValueError(f"unknown label scheme {scheme!r}; expected 'coarse' or 'fine'")
    return ["O"] + [f"{p}-{t}" for t in tags for p in ("B", "I")]


def outer_spans(spans: list[Span]) -> list[Span]:
    """Drop spans nested inside another span (the flat sequence keeps the outer one)."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    out: list[Span] = []
    for s in ordered:
        if out and s.start < out[-1].end:  # nested (crossing spans are rejected by the validator)
            continue
        out.append(s)
    return out


def spans_to_tags(
    word_offsets: list[tuple[int, int]], spans: list[Span], scheme: Scheme = "coarse"
) -> list[str]:
    """IOB2 tags for words given as (start, end) offsets. Spans must lie on word boundaries."""
    tags = ["O"] * len(word_offsets)
    starts = {s: i for i, (s, _) in enumerate(word_offsets)}
    for span in outer_spans(spans):
        name = span.label if scheme == "coarse" else span.tag
        i = starts.get(span.start)
        if i is None:
            raise ValueError(f"span {span} does not start on a word boundary")
        tags[i] = f"B-{name}"
        i += 1
        while i < len(word_offsets) and word_offsets[i][1] <= span.end:
            tags[i] = f"I-{name}"
            i += 1
    return tags


def tags_to_spans(word_offsets: list[tuple[int, int]], tags: list[str]) -> list[Span]:
    """Decode IOB2 tags over words into character spans (strict: an I- without a B- starts nothing)."""
    spans: list[Span] = []
    cur: tuple[int, int, str] | None = None  # (start, end, tag)
    for (ws, we), tag in zip(word_offsets, tags, strict=True):
        if cur is not None and tag == f"I-{cur[2]}":
            cur = (cur[0], we, cur[2])
            continue
        if cur is not None:
            spans.append(_span_from_tag(cur))
            cur = None
        if tag.startswith("B-"):
            cur = (ws, we, tag[2:])
    if cur is not None:
        spans.append(_span_from_tag(cur))
    return spans


def _span_from_tag(cur: tuple[int, int, str]) -> Span:
    start, end, tag = cur
    label, _, subtype = tag.partition(".")
    return Span(start, end, label, subtype or None)
