"""`siyasa predict` (siyasa.predict): what goes in comes out, once, with its id and meta, in the format
asked; bad requests fail before the model is loaded."""

import json

import pytest

from siyasa.errors import UserError
from siyasa.predict import predict, read_inputs


def test_jsonl_inputs_keep_their_ids_and_meta_and_unnamed_ones_are_numbered(smoke_export, tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        json.dumps(
            {"id": "a", "text": "رفضت روسيا القرار.", "meta": {"date": "2024-05-01"}}, ensure_ascii=False
        )
        + "\n\n"
        + json.dumps({"text": "التقى الرئيس الفرنسي نظيره الجزائري."}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    docs = predict(str(smoke_export), str(src), output=str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [d.id for d in docs] == ["a", "doc-2"]
    assert rows[0]["meta"] == {"date": "2024-05-01"} and rows[1]["text"].startswith("التقى")
    for r in rows:
        for s in r["spans"]:
            assert r["text"][s["start"] : s["end"]] == s["text"]


def test_plain_text_is_one_document_per_line_or_one_with_whole(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("السطر الأول\n\nالسطر الثاني\n", encoding="utf-8")
    assert [t for _, t, _ in read_inputs(str(src))] == ["السطر الأول", "السطر الثاني"]
    assert [t for _, t, _ in read_inputs(str(src), whole=True)] == ["السطر الأول\n\nالسطر الثاني\n"]


def test_events_format_writes_one_record_per_event_with_the_documents_date(smoke_export, tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "events.jsonl"
    text = "رفضت روسيا القرار. وأدان الأمين العام الهجوم، ودعا إلى وقف إطلاق النار."
    src.write_text(json.dumps({"id": "x", "text": text, "meta": {"date": "2024-05-01"}}) + "\n")
    [doc] = predict(str(smoke_export), str(src), fmt="events", output=str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(doc.events) == sum(s.label == "EVENT" for s in doc.spans)
    assert {(r["id"], r["date"]) for r in rows} <= {("x", "2024-05-01")}


@pytest.mark.parametrize(
    "kwargs, message",
    [({"fmt": "xml"}, "unknown format 'xml'"), ({"batch_size": 0}, "at least 1")],
)
def test_a_bad_request_fails_before_any_model_is_loaded(tmp_path, kwargs, message):
    src = tmp_path / "in.txt"
    src.write_text("نص\n", encoding="utf-8")
    with pytest.raises(UserError, match=message):
        predict(str(tmp_path / "no-model-here"), str(src), **kwargs)
