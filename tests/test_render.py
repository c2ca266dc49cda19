"""siyasa.render: every output format says exactly what the Doc holds, and the HTML page is safe."""

import json

from siyasa.inference import Doc, TaggedSpan
from siyasa.markup import parse_document
from siyasa.render import to_conll, to_events, to_html, to_jsonl, to_text

TEXT = "قال الرئيس الأمريكي دونالد ترامب إن <script>alert(1)</script> روسيا رفضت."


def _doc() -> Doc:
    spans = []
    for surface, label, subtype in (
        ("الرئيس الأمريكي", "ROLE", None),
        ("دونالد ترامب", "ACTOR", "PER"),
        ("روسيا", "ACTOR", "GPE"),
        ("رفضت", "EVENT", "REJECT"),
    ):
        start = TEXT.index(surface)
        spans.append(TaggedSpan(start, start + len(surface), surface, label, subtype, 0.9))
    return Doc(TEXT, spans, id="d1", args=[], meta={"date": "2020-01-01"})


def test_conll_gives_each_word_its_iob2_tag():
    rows = [line.split("\t") for line in to_conll([_doc()]).splitlines() if line]
    tags = dict(rows)
    assert tags["الرئيس"] == "B-ROLE" and tags["الأمريكي"] == "I-ROLE"
    assert tags["دونالد"] == "B-ACTOR.PER" and tags["ترامب"] == "I-ACTOR.PER" and tags["قال"] == "O"


def test_text_markup_reads_back_to_the_same_spans():
    body = to_text([_doc()]).rstrip("\n")
    record, errors = parse_document(
        f"id: d1\ntopic: t\ndate: 2020-01-01\ngenre: wire\ncountry: X\n---\n{body}\n"
    )
    assert not errors and record["text"] == TEXT
    assert [(s["start"], s["end"], s["label"]) for s in record["spans"]] == [
        (s.start, s.end, s.label) for s in _doc().spans
    ]


def test_html_escapes_the_text_and_keeps_it_right_to_left():
    page = to_html([_doc()])
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'dir="rtl"' in page and page.count("<mark") == 4


def test_jsonl_and_events_are_one_json_object_per_line():
    (record,) = [json.loads(line) for line in to_jsonl([_doc()]).splitlines()]
    assert record["id"] == "d1" and len(record["spans"]) == 4 and record["args"] == []
    (event,) = [json.loads(line) for line in to_events([_doc()]).splitlines()]
    assert event["trigger"] == "رفضت" and event["quad_class"] and event["date"] == "2020-01-01"
