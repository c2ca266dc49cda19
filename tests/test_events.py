"""Events in every output: Doc.args and Doc.events, `predict --format events`, the HTML table."""

import json

from siyasa.cli import main
from siyasa.events import SENTENCE_CHARS, event_rows
from siyasa.inference import Doc, TaggedSpan
from siyasa.linking import rule_links
from siyasa.render import to_html

TEXT = "قال البيت الأبيض إن الرئيس الأمريكي دونالد ترامب تحدث هاتفياً مع خليفة حفتر."


def _doc() -> Doc:
    marked = [
        ("البيت الأبيض", "ACTOR", "ORG"),
        ("الرئيس الأمريكي", "ROLE", None),
        ("دونالد ترامب", "ACTOR", "PER"),
        ("تحدث هاتفياً", "EVENT", "CONSULT"),
        ("خليفة حفتر", "ACTOR", "PER"),
    ]
    spans = []
    for surface, label, subtype in marked:
        start = TEXT.index(surface)
        spans.append(TaggedSpan(start, start + len(surface), surface, label, subtype, 0.9))
    return Doc(TEXT, spans, id="d1", args=rule_links(TEXT, spans), meta={"date": "2019-04-15"})


def test_doc_events_name_who_did_what_to_whom_with_titles():
    (event,) = _doc().events
    doc = _doc()
    assert doc.spans[event.trigger].text == "تحدث هاتفياً" and event.quad == "verbal cooperation"
    assert [doc.spans[p.span].text for p in event.sources] == ["دونالد ترامب"]
    assert doc.spans[event.sources[0].title].text == "الرئيس الأمريكي"
    assert [doc.spans[p.span].text for p in event.targets] == ["خليفة حفتر"]


def test_to_dict_carries_args_in_the_canonical_format():
    record = _doc().to_dict()
    events = {(a["role"], TEXT[a["arg"][0] : a["arg"][1]]) for a in record["args"]}
    assert events == {("SOURCE", "دونالد ترامب"), ("TARGET", "خليفة حفتر")}
    assert record["meta"] == {"date": "2019-04-15"}


def test_event_rows_are_flat_records_with_date_and_sentence():
    (row,) = event_rows([_doc()])
    assert row["id"] == "d1" and row["date"] == "2019-04-15" and row["type"] == "CONSULT"
    assert row["sources"][0]["title"] == "الرئيس الأمريكي" and row["targets"][0]["text"] == "خليفة حفتر"
    assert row["sentence"] == TEXT and row["sentence_offsets"] == [0, len(TEXT)]


def test_a_sentence_without_end_is_cut_around_its_trigger_and_says_where():
    text = "كلمة " * 5000 + "رفضت روسيا القرار " + "كلمة " * 5000
    start = text.index("رفضت")
    doc = Doc(text, [TaggedSpan(start, start + 4, "رفضت", "EVENT", "REJECT", 0.9)], args=[])
    (row,) = event_rows([doc])
    lo, hi = row["sentence_offsets"]
    assert row["sentence"] == text[lo:hi] and hi - lo <= SENTENCE_CHARS and lo < start < hi


def test_html_shows_a_source_event_target_row():
    page = to_html([_doc()])
    assert '<table class="events">' in page and "دونالد ترامب" in page and "(الرئيس الأمريكي)" in page


def test_predict_writes_one_event_per_line(smoke_export, tmp_path):
    src = tmp_path / "in.jsonl"
    with open("data/processed/test.jsonl", encoding="utf-8") as f:
        src.write_text("".join(f.readlines()[:2]), encoding="utf-8")
    out = tmp_path / "events.jsonl"
    assert (
        main(
            [
                "predict",
                "--model",
                str(smoke_export),
                "--input",
                str(src),
                "--format",
                "events",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    records = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    assert {r["id"] for r in rows} <= {r["id"] for r in records}
    for r in rows:
        text = next(x["text"] for x in records if x["id"] == r["id"])
        assert text[r["start"] : r["end"]] == r["trigger"]
        lo, hi = r["sentence_offsets"]
        assert text[lo:hi] == r["sentence"] and lo <= r["start"] < r["end"] <= hi
        assert r["date"] == next(x["meta"].get("date") for x in records if x["id"] == r["id"])
