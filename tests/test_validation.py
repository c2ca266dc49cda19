"""The corpus tools catch every malformed record with file, line and id, and never crash on one."""

import json

import pytest

from siyasa.cli import main

GOOD = {
    "id": "a",
    "text": "رفضت روسيا القرار",
    "spans": [{"start": 5, "end": 10, "label": "ACTOR", "subtype": "GPE"}],
    "meta": {"topic": "t"},
}


def _with(**changes):
    rec = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if key == "span":
            rec["spans"][0].update(value)
        elif value is ...:
            del rec[key]
        else:
            rec[key] = value
    return json.dumps(rec) + "\n"  # ASCII escapes: a lone surrogate travels as "\\ud800", as in real JSON


CASES = {
    "float offset": (_with(span={"end": 10.9}), "end must be an integer character offset, got 10.9"),
    "string offset": (_with(span={"start": "5"}), "start must be an integer character offset, got '5'"),
    "bool offset": (_with(span={"start": True}), "start must be an integer"),
    "dict id": (_with(id={"x": 1}), "id must be a string, got dict"),
    "no spans key": (_with(spans=...), 'no "spans" key'),
    "spans not a list": (_with(spans=5), '"spans" must be a list'),
    "span not an object": (_with(spans=[3]), "span 0 must be an object"),
    "span without label": (_with(spans=[{"start": 5, "end": 10}]), "span 0 lacks label"),
    "list label": (_with(span={"label": ["ACTOR"]}), "label must be a string"),
    "text not a string": (_with(text=["x"]), "text must be a string, got list"),
    "lone surrogate": (_with(text="رفضت \ud800 القرار", spans=[]), "lone surrogate U+D800"),
}


@pytest.mark.parametrize("case", CASES)
def test_validate_reports_malformed_records_with_file_line_and_id(case, tmp_path, capsys):
    line, message = CASES[case]
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(GOOD, ensure_ascii=False) + "\n" + line, encoding="utf-8")
    assert main(["data", "validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}:2: [" in err and message in err, err


def test_not_utf8_and_empty_files_are_errors_not_tracebacks(tmp_path, capsys):
    latin = tmp_path / "latin1.jsonl"
    latin.write_bytes(
        json.dumps(GOOD, ensure_ascii=False).encode() + b"\n" + '{"text": "caf\xe9"}\n'.encode("latin-1")
    )
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["data", "validate", str(latin), str(empty)]) == 2
    err = capsys.readouterr().err
    assert f"{latin}:2: not UTF-8" in err and f"{empty}: no records" in err


def test_evaluate_refuses_what_validate_refuses(smoke_run, tmp_path, capsys):
    for line in (_with(spans=5), _with(spans=...), ""):
        f = tmp_path / "bad.jsonl"
        f.write_text(line, encoding="utf-8")
        assert main(["evaluate", "--model", str(smoke_run[0].run_dir), "--data", str(f)]) == 2
        assert "error:" in capsys.readouterr().err
