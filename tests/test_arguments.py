"""Event arguments: the authoring block, its compiler and the canonical rules (siyasa.arguments)."""

from __future__ import annotations

import pytest

from siyasa.arguments import sentence_bounds
from siyasa.markup import parse_document, to_markup
from siyasa.validation import check_record

HEAD = "id: t-2020-01-01-01\ntopic: t\ndate: 2020-01-01\ngenre: wire\ncountry: X\n---\n"
BODY = (
    "[EVENT/REQUEST طالبت] [ACTOR/GPE واشنطن] [ACTOR/GPE موسكو] [EVENT/RETREAT بسحب] قواتها. "
    "[EVENT/REJECT ورفضت] [ACTOR/GPE موسكو] الطلب.\n"
    "[EVENT/CONSULT والتقى] [ROLE وزير الخارجية] [ACTOR/PER لافروف] مع [ACTOR/PER بلينكن]."
)


def compile_(block: str):
    return parse_document(HEAD + BODY + "\n\n=== arguments\n" + block, "<string>")


def triples(record):
    t = record["text"]
    return [(t[slice(*a["event"])], a["role"], t[slice(*a["arg"])], a["arg"][0]) for a in record["args"]]


def test_block_compiles_to_args_with_rule_2_mentions():
    record, errors = compile_(
        "1 طالبت | SOURCE واشنطن | TARGET موسكو\n1 بسحب | SOURCE موسكو\n1 ورفضت | SOURCE موسكو\n"
        "2 والتقى | SOURCE لافروف | TARGET بلينكن\n"
    )
    assert errors == []
    text = record["text"]
    first, second = text.index("موسكو"), text.index("موسكو", text.index("ورفضت"))
    assert sorted(triples(record)) == sorted(
        [
            ("طالبت", "SOURCE", "واشنطن", text.index("واشنطن")),
            ("طالبت", "TARGET", "موسكو", first),
            ("بسحب", "SOURCE", "موسكو", first),  # its own sentence: the first mention
            ("ورفضت", "SOURCE", "موسكو", second),  # the nearest in its sentence, not the first
            ("والتقى", "SOURCE", "لافروف", text.index("لافروف")),
            ("والتقى", "TARGET", "بلينكن", text.index("بلينكن")),
        ]
    )


def test_a_dropped_subject_links_the_nearest_mention_before():
    body = "[EVENT/REJECT رفضت] [ACTOR/GPE روسيا] الخطة. [EVENT/THREATEN وهددت] بالرد."
    record, errors = parse_document(
        HEAD + body + "\n=== arguments\n1 رفضت | SOURCE روسيا\n1 وهددت | SOURCE روسيا\n", "<string>"
    )
    assert errors == []
    assert len({a["arg"][0] for a in record["args"]}) == 1


def test_round_trip_keeps_args_and_the_block():
    record, errors = compile_(
        "1 طالبت | SOURCE واشنطن | TARGET موسكو\n1 بسحب | SOURCE موسكو\n1 ورفضت\n2 والتقى | SOURCE لافروف\n"
    )
    assert errors == []
    again, errors = parse_document(to_markup(record), "<string>")
    assert errors == [] and again == record


def test_a_document_without_block_has_no_args_key_and_an_empty_block_is_annotated():
    record, _ = parse_document(HEAD + BODY, "<string>")
    assert "args" not in record
    record, errors = compile_("1 طالبت\n1 بسحب\n1 ورفضت\n2 والتقى\n")
    assert errors == [] and record["args"] == []


@pytest.mark.parametrize(
    "block, line, fragment",
    [
        ("1 طالبت | ?\n1 بسحب\n1 ورفضت\n2 والتقى\n", 11, "not annotated yet"),
        ("1 طالبت\n1 ورفضت\n", 12, "event 2 of the text is 1 'بسحب'"),
        ("1 طالبت\n1 بسحب\n1 ورفضت\n", 13, "1 events have no line"),
        ("1 طالبت | SOURCE الصين\n1 بسحب\n1 ورفضت\n2 والتقى\n", 11, "no ACTOR or ROLE span reads 'الصين'"),
        ("1 طالبت | SOURCE لافروف\n1 بسحب\n1 ورفضت\n2 والتقى\n", 11, "only after this event's sentence"),
        ("1 طالبت | AGENT واشنطن\n1 بسحب\n1 ورفضت\n2 والتقى\n", 11, "write 'SOURCE name'"),
        ("1 طالبت | SOURCE موسكو | TARGET موسكو\n1 بسحب\n1 ورفضت\n2 والتقى\n", 11, "one role per event"),
    ],
)
def test_block_errors_name_the_line_and_the_fix(block, line, fragment):
    record, errors = compile_(block)
    assert record is None
    assert any(e.line == line and fragment in e.message for e in errors), errors


def _record():
    record, errors = compile_("1 طالبت\n1 بسحب\n1 ورفضت\n2 والتقى\n")
    assert errors == []
    return record


def _span(record, surface, nth=0):
    t, hits = record["text"], [s for s in record["spans"] if record["text"][s["start"] : s["end"]] == surface]
    s = hits[nth]
    return [s["start"], s["end"]], t


@pytest.mark.parametrize(
    "event, role, arg, fragment",
    [
        (("والتقى", 0), "SOURCE", ("لافروف", 0), None),
        (("طالبت", 0), "SOURCE", ("لافروف", 0), "later sentence"),
        (("طالبت", 0), "SOURCE", ("بسحب", 0), "not an ACTOR or ROLE span"),
        (("واشنطن", 0), "SOURCE", ("موسكو", 0), "not an EVENT span"),
        (("طالبت", 0), "AGENT", ("موسكو", 0), "role must be SOURCE or TARGET"),
    ],
)
def test_canonical_args_are_checked(event, role, arg, fragment):
    record = _record()
    ev, _ = _span(record, *event)
    ar, _ = _span(record, *arg)
    record["args"] = [{"event": ev, "role": role, "arg": ar}]
    messages = [p.message for p in check_record(record)]
    if fragment is None:
        assert messages == []
    else:
        assert any(fragment in m for m in messages), messages


@pytest.mark.parametrize(
    "bad", [5, [5], [{"event": [0, 5.0], "role": "SOURCE", "arg": [0, 1]}], [{"role": "SOURCE"}]]
)
def test_malformed_args_are_errors_not_crashes(bad):
    record = _record()
    record["args"] = bad
    assert check_record(record)


def test_an_argument_inside_its_own_event_is_rejected():
    from siyasa.arguments import check_args

    # the schema forbids the nesting itself, so check_record stops at the spans ...
    record = {
        "id": "x",
        "text": "هجوم حماس",
        "meta": {"topic": "t"},
        "spans": [
            {"start": 0, "end": 9, "label": "EVENT", "subtype": "ASSAULT"},
            {"start": 5, "end": 9, "label": "ACTOR", "subtype": "ARMED"},
        ],
        "args": [{"event": [0, 9], "role": "SOURCE", "arg": [5, 9]}],
    }
    messages = [p.message for p in check_record(record)]
    assert any("forbidden nesting" in m for m in messages)
    assert "arguments not checked: fix the spans first" in messages
    # ... and the argument rule, checked on offsets alone, still names the link
    assert [m for _, m in check_args(record)] == ["SOURCE 'حماس' lies inside its own event 'هجوم حماس'"]


def test_sentences_end_at_stops_and_lines_but_not_abbreviations():
    text = "قال د. محمد إن الوفد وصل. وغادر «اليوم.» ثم عاد؟ نعم\nسطر"
    parts = [text[a:b].strip() for a, b in sentence_bounds(text)]
    assert parts == ["قال د. محمد إن الوفد وصل.", "وغادر «اليوم.»", "ثم عاد؟", "نعم", "سطر"]


def test_score_args_counts_classification_and_identification():
    from siyasa.arguments import score_args

    gold = [
        {"event": [0, 5], "role": "SOURCE", "arg": [6, 9]},
        {"event": [0, 5], "role": "TARGET", "arg": [10, 14]},
    ]
    pred = [
        {"event": [0, 5], "role": "TARGET", "arg": [6, 9]},
        {"event": [0, 5], "role": "TARGET", "arg": [10, 14]},
    ]
    r = score_args([(gold, pred, {(0, 5): "ACCUSE"})])
    assert r["classification"]["f1"] == pytest.approx(0.5)
    assert r["identification"]["f1"] == 1.0
    assert r["per_role"]["TARGET"]["precision"] == 0.5 and r["per_role"]["TARGET"]["recall"] == 1.0
    assert r["per_event_type"]["ACCUSE"]["correct"] == 1


def _write_doc(root, block):
    path = root / "t" / "t-2020-01-01-01.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD + BODY + "\n\n=== arguments\n" + block, encoding="utf-8")
    return path


def test_argument_agreement_between_two_passes(tmp_path):
    from siyasa.agreement import args_agreement, args_pairs, disagreements_args

    _write_doc(
        tmp_path / "p1", "1 طالبت | SOURCE واشنطن | TARGET موسكو\n1 بسحب | SOURCE موسكو\n1 ورفضت\n2 والتقى\n"
    )
    _write_doc(tmp_path / "p2", "1 طالبت | SOURCE واشنطن | TARGET موسكو\n1 بسحب\n1 ورفضت\n2 والتقى\n")
    pairs = args_pairs(tmp_path / "p1", tmp_path / "p2")
    r = args_agreement(pairs)
    assert r["documents"] == 1 and r["classification"]["f1"] == pytest.approx(0.8)
    (line,) = disagreements_args(pairs)["t-2020-01-01-01"]
    assert line.startswith("pass1 only: SOURCE 'موسكو' of") and "【بسحب】" in line


def test_exports_carry_arguments_in_word_indices(tmp_path):
    from siyasa.corpus import build
    from siyasa.data import export_splits

    raw = tmp_path / "raw"
    _write_doc(raw, "1 طالبت | SOURCE واشنطن | TARGET موسكو\n1 بسحب\n1 ورفضت\n2 والتقى\n")
    for k in range(1, 21):  # enough plain documents for every split to get some
        plain = raw / f"u{k}" / f"u{k}-2020-01-01-01.txt"
        plain.parent.mkdir()
        head = HEAD.replace("t-2020", f"u{k}-2020").replace("topic: t", f"topic: u{k}")
        plain.write_text(head + BODY, encoding="utf-8")
    assert build(raw, tmp_path / "p").errors == []
    import json

    export_splits(tmp_path / "hf", tmp_path / "p", fmt="hf-json")
    rows = [
        json.loads(x)
        for s in ("train", "dev", "test")
        for x in (tmp_path / "hf" / f"{s}.json").read_text().splitlines()
    ]
    by_id = {r["id"]: r for r in rows}
    assert by_id["u1-2020-01-01-01"]["args"] is None  # not annotated, not "no arguments"
    args = by_id["t-2020-01-01-01"]["args"]
    toks = by_id["t-2020-01-01-01"]["tokens"]
    assert sorted((toks[a["event"][0]], a["role"], toks[a["arg"][0]]) for a in args) == [
        ("طالبت", "SOURCE", "واشنطن"),
        ("طالبت", "TARGET", "موسكو"),
    ]
    export_splits(tmp_path / "conll", tmp_path / "p", fmt="conll")
    tsv = "".join((tmp_path / "conll" / f"{s}.args.tsv").read_text() for s in ("train", "dev", "test"))
    assert "\t0:1\tSOURCE\t1:2\tطالبت\tواشنطن" in tsv and tsv.count("t-2020-01-01-01") == 2


def test_card_and_review_report_arguments():
    from siyasa.argstats import args_stats_markdown, argument_candidates

    record, errors = compile_("1 طالبت | SOURCE واشنطن\n1 بسحب\n1 ورفضت\n2 والتقى | SOURCE وزير الخارجية\n")
    assert errors == []
    section = args_stats_markdown([record, {**record, "id": "other", "args": []}, {"id": "x", "spans": []}])
    assert section.startswith("2 of 3 documents are annotated for arguments: 8 events, 2 arguments")
    (note,) = argument_candidates([record])["t-2020-01-01-01"]
    assert "beside the name 'لافروف' (rule 1)" in note
