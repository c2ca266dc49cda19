"""What the Tagger returns: a Doc with its spans (exact offsets, scores), its argument links, the
ROLE holders (`link_roles`) and its event records (siyasa.events). No model code: renderers, the REST
service and tests build and read Docs without loading a model."""

from __future__ import annotations

from dataclasses import dataclass, field

from .arguments import Arg
from .events import Event, doc_events


@dataclass
class TaggedSpan:
    """One predicted span; `score` is the mean probability of its words' labels (a plain float)."""

    start: int
    end: int
    text: str
    label: str
    subtype: str | None
    score: float

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "subtype": self.subtype,
            "score": self.score,
        }


@dataclass
class Link:
    """A ROLE and the ACTOR that holds it (indices into Doc.spans) and the rule that linked them."""

    role: int
    actor: int
    rule: str

    def to_dict(self) -> dict:
        return {"role": self.role, "actor": self.actor, "rule": self.rule}


@dataclass
class Doc:
    text: str
    spans: list[TaggedSpan] = field(default_factory=list)
    id: str | None = None
    args: list[Arg] | None = None  # SOURCE/TARGET links of the EVENT spans (siyasa.linking)
    meta: dict = field(default_factory=dict)

    @property
    def links(self) -> list[Link]:
        return link_roles(self.text, self.spans)

    @property
    def events(self) -> list[Event]:
        """Who did what to whom: one record per EVENT span, with its sources and targets."""
        return doc_events(self)

    def to_dict(self) -> dict:
        """A record of the canonical corpus format (spans also carry `text` and `score`), with `args`,
        so a prediction can be corrected and trained on."""
        record = {"id": self.id, "text": self.text, "spans": [s.to_dict() for s in self.spans]}
        if self.args is not None:
            record["args"] = [a.to_dict() for a in self.args]
        record["meta"] = self.meta
        return record


def link_roles(text: str, spans: list) -> list[Link]:
    """Which ROLE belongs to which ACTOR, by rule, in order of preference:

    1. `nested`: an ACTOR inside the ROLE (gold records: الأمين العام [للأمم المتحدة]) -- the office's
       institution, linked only when no holder is found by rules 2-4;
    2. `title-name`: the ROLE directly followed by an ACTOR, only spaces between (الرئيس الأمريكي دونالد ترامب);
    3. `apposition`: an ACTOR, a comma (، or ,), then the ROLE (دونالد ترامب، الرئيس الأمريكي);
    4. `name-title`: an ACTOR directly followed by the ROLE, only spaces between.
    Each ROLE gets at most one ACTOR. `spans` are TaggedSpan or schema.Span objects. ACTORs never
    overlap one another (the schema nests ACTOR only inside ROLE), so each rule is a binary search:
    linear-logarithmic time however many spans a hostile text yields."""
    import bisect

    actors = sorted(
        (j for j, s in enumerate(spans) if s.label == "ACTOR"), key=lambda j: (spans[j].start, -spans[j].end)
    )
    starts = [spans[j].start for j in actors]
    ends = [spans[j].end for j in actors]
    links: list[Link] = []
    for i in sorted(range(len(spans)), key=lambda i: (spans[i].start, -spans[i].end)):
        role = spans[i]
        if role.label != "ROLE":
            continue
        a = bisect.bisect_left(starts, role.end)  # first ACTOR after the ROLE
        b = bisect.bisect_right(ends, role.start) - 1  # last ACTOR before it
        gap_after = text[role.end : starts[a]] if a < len(actors) else None
        gap_before = text[ends[b] : role.start] if b >= 0 else None
        if gap_after is not None and not gap_after.strip():
            links.append(Link(i, actors[a], "title-name"))
        elif gap_before is not None and gap_before.strip() in ("،", ","):
            links.append(Link(i, actors[b], "apposition"))
        elif gap_before is not None and not gap_before.strip():
            links.append(Link(i, actors[b], "name-title"))
        else:
            k = bisect.bisect_left(starts, role.start)  # first ACTOR inside the ROLE, if any
            if k < len(actors) and ends[k] <= role.end and actors[k] != i:
                links.append(Link(i, actors[k], "nested"))
    return links
