import pytest

from conftest import make_doc
from siyasa.markup import parse_document, to_markup

GOOD = (
    "قال [ACTOR/ORG البيت الأبيض]، الجمعة، إن [ROLE الرئيس الأمريكي] [ACTOR/PER دونالد ترامب] "
    "[EVENT/CONSULT تحدث هاتفياً] مع [ACTOR/PER خليفة حفتر].\n"
    "وأكد [ROLE الأمين العام [ACTOR/ORG للأمم المتحدة]] أن \\[القوسين\\] و\\\\ نص حرفي."
)


def parse(body: str, **kw):
    return parse_document(make_doc(body, **kw), "data/raw/libya/libya-2019-04-19-01.txt")


def test_spec_example_compiles_to_spec_offsets():
    rec, errs = parse(GOOD)
    assert errs == []
    assert rec["text"].startswith(
        "قال البيت الأبيض، الجمعة، إن الرئيس الأمريكي دونالد ترامب تحدث هاتفياً مع خليفة حفتر."
    )
    assert rec["spans"][:5] == [
        {"start": 4, "end": 16, "label": "ACTOR", "subtype": "ORG"},
        {"start": 29, "end": 44, "label": "ROLE", "subtype": None},
        {"start": 45, "end": 57, "label": "ACTOR", "subtype": "PER"},
        {"start": 58, "end": 70, "label": "EVENT", "subtype": "CONSULT"},
        {"start": 74, "end": 84, "label": "ACTOR", "subtype": "PER"},
    ]
    assert rec["meta"] == {"topic": "libya", "date": "2019-04-19", "genre": "wire", "country": "Libya"}
    nested = [rec["text"][s["start"] : s["end"]] for s in rec["spans"][5:]]
    assert nested == ["الأمين العام للأمم المتحدة", "للأمم المتحدة"]
    assert "[القوسين] و\\ نص" in rec["text"]


def test_round_trip_reproduces_source_text_and_spans():
    src = make_doc(GOOD)
    rec, _ = parse_document(src, "data/raw/libya/libya-2019-04-19-01.txt")
    assert to_markup(rec) == src
    again, errs = parse_document(to_markup(rec), "data/raw/libya/libya-2019-04-19-01.txt")
    assert errs == [] and again == rec


@pytest.mark.parametrize(
    "body, line, col, fragment",
    [
        ("قال [ACTOR/ORG البيت الأبيض، الجمعة.", 7, 5, "unclosed '[ACTOR/ORG'"),
        ("قال البيت] الأبيض.", 7, 10, "unbalanced ']'"),
        ("قال [ACTOR/XYZ البيت] الأبيض.", 7, 5, "unknown ACTOR subtype 'XYZ'"),
        ("قال [PLACE البيت] الأبيض.", 7, 5, "unknown type 'PLACE'"),
        ("قال [EVENT رفض] الأبيض.", 7, 5, "EVENT needs a subtype"),
        ("قال [ROLE/PER الرئيس] الأبيض.", 7, 5, "ROLE takes no subtype"),
        ("قال و[ACTOR/GPE واشنطن] أمس.", 7, 6, "starts inside a word"),
        ("قال [ACTOR/GPE واشن]طن أمس.", 7, 5, "ends inside a word"),
        ("قال [ACTOR/ORG «حماس»] أمس.", 7, 5, "punctuation"),
        ("قال [ACTOR/ORG حماس [ACTOR/PER هنية]] أمس.", 7, 21, "forbidden nesting"),
        ("قال [EVENT/REJECT رفض [ACTOR/PER هنية]] أمس.", 7, 23, "forbidden nesting"),
        ("[ROLE الرئيس [ROLE الأمريكي]] أمس.", 7, 14, "forbidden nesting"),
        ("قال [ABC", 7, 5, "'[' must open a span"),
    ],
)
def test_errors_name_line_column_and_cause(body, line, col, fragment):
    rec, errs = parse(body)
    assert rec is None
    assert any(e.line == line and e.col == col and fragment in e.message for e in errs), [
        str(e) for e in errs
    ]
    assert all(str(e).startswith("data/raw/libya/libya-2019-04-19-01.txt:") for e in errs)


def test_crossing_spans_are_rejected():
    # Crossing cannot be written with brackets, so it is checked on the record itself.
    from siyasa.validation import check_record

    rec = {
        "id": "x",
        "text": "الأمين العام للأمم المتحدة",
        "meta": {"topic": "t"},
        "spans": [
            {"start": 0, "end": 12, "label": "ROLE", "subtype": None},
            {"start": 7, "end": 18, "label": "ACTOR", "subtype": "ORG"},
        ],
    }
    assert any("crossing spans" in p.message for p in check_record(rec))


def test_empty_text_is_an_error():
    rec, errs = parse("   ")
    assert rec is None and any("empty text" in e.message for e in errs)


def test_header_errors_name_the_fix():
    rec, errs = parse_document("id: a\n---\nنص", "data/raw/libya/b.txt")
    messages = " | ".join(e.message for e in errs)
    assert rec is None
    for needle in ("missing 'topic'", "missing 'date'", "differs from the file name"):
        assert needle in messages
    rec, errs = parse_document("نص بلا رأس", "x.txt")
    assert rec is None and "no header separator" in errs[0].message
