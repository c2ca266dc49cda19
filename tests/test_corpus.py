"""The corpus tools on the real corpus and on small broken inputs."""

import json
from pathlib import Path

from conftest import make_doc
from siyasa.corpus import build, raw_files
from siyasa.markup import read_document, to_markup
from siyasa.validation import validate_files

SPLITS = ("train", "dev", "test")


def test_every_raw_document_round_trips_through_jsonl():
    files = raw_files("data/raw")
    assert len(files) >= 200
    for path in files:
        rec, errs = read_document(path)
        assert errs == [], errs[:3]
        again, errs = read_document_from_text(to_markup(rec), path)
        assert again == rec, path


def read_document_from_text(text, path):
    from siyasa.markup import parse_document

    return parse_document(text, str(path))


def test_build_is_deterministic_and_matches_the_committed_splits(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert not build("data/raw", a).errors and not build("data/raw", b).errors
    for s in SPLITS:
        assert (a / f"{s}.jsonl").read_bytes() == (b / f"{s}.jsonl").read_bytes()
        assert (a / f"{s}.jsonl").read_bytes() == Path(f"data/processed/{s}.jsonl").read_bytes(), (
            "run `make data`"
        )


def test_splits_are_by_document_and_stratified_by_topic(tmp_path):
    result = build("data/raw", tmp_path)
    ids = [r["id"] for s in SPLITS for r in result.splits[s]]
    assert len(ids) == len(set(ids))
    n = len(ids)
    assert 0.75 * n <= len(result.splits["train"]) <= 0.85 * n
    topics = {r["meta"]["topic"] for r in result.splits["train"]}
    assert {r["meta"]["topic"] for r in result.splits["test"]} <= topics


def test_build_writes_nothing_when_any_file_is_invalid(tmp_path):
    raw = tmp_path / "raw" / "libya"
    raw.mkdir(parents=True)
    (raw / "libya-2019-04-19-01.txt").write_text(make_doc("رفضت [ACTOR/GPE روسيا] القرار."), encoding="utf-8")
    (raw / "libya-2019-04-19-02.txt").write_text(
        make_doc("رفضت [ACTOR/GPE روسيا القرار.", id="libya-2019-04-19-02"), encoding="utf-8"
    )
    (raw / "libya-2019-04-19-03.txt").write_text(make_doc("نص", id="libya-2019-04-19-01"), encoding="utf-8")
    result = build(tmp_path / "raw", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    joined = "\n".join(result.errors)
    assert "libya-2019-04-19-02.txt:7:6: unclosed '[ACTOR/GPE'" in joined
    assert "differs from the file name" in joined


def test_validator_reports_duplicate_ids_across_splits_and_bad_spans(tmp_path):
    good = {
        "id": "a",
        "text": "رفضت روسيا القرار",
        "spans": [{"start": 5, "end": 10, "label": "ACTOR", "subtype": "GPE"}],
        "meta": {"topic": "t"},
    }
    bad = {
        "id": "a",
        "text": "رفضت روسيا القرار",
        "spans": [{"start": 6, "end": 10, "label": "ACTOR", "subtype": "CITY"}],
        "meta": {},
    }
    (tmp_path / "train.jsonl").write_text(json.dumps(good, ensure_ascii=False) + "\n")
    (tmp_path / "test.jsonl").write_text(json.dumps(bad, ensure_ascii=False) + "\n{oops\n")
    errors = validate_files([tmp_path / "train.jsonl", tmp_path / "test.jsonl"])
    text = "\n".join(errors)
    assert f"{tmp_path / 'test.jsonl'}:1: duplicate id 'a'" in text
    assert "unknown ACTOR subtype 'CITY'" in text and "starts inside a word" in text
    assert "meta.topic is required" in text and f"{tmp_path / 'test.jsonl'}:2: invalid JSON" in text


def test_splits_load_as_datasetdict_with_classlabel_tags():
    from siyasa.data import load_splits
    from siyasa.schema import label_names

    ds = load_splits()
    assert set(ds) == set(SPLITS)
    feature = ds["train"].features["tags"].feature
    assert feature.names == label_names("coarse")
    ex = ds["dev"][0]
    assert len(ex["tokens"]) == len(ex["tags"]) == len(ex["word_starts"])
    assert all(
        ex["text"][s:e] == t for s, e, t in zip(ex["word_starts"], ex["word_ends"], ex["tokens"], strict=True)
    )
    fine = load_splits(scheme="fine")
    assert "B-ACTOR.PER" in fine["train"].features["tags"].feature.names


def test_nested_spans_flatten_to_the_outer_span():
    from siyasa.data import record_to_example

    rec, _ = read_document_from_text(
        make_doc("قال [ROLE الأمين العام [ACTOR/ORG للأمم المتحدة]] [ACTOR/PER غوتيريش]"),
        "data/raw/libya/libya-2019-04-19-01.txt",
    )
    assert record_to_example(rec).tags == ["O", "B-ROLE", "I-ROLE", "I-ROLE", "I-ROLE", "B-ACTOR"]


def test_training_fractions_keep_every_topic_and_are_deterministic():
    from siyasa.data import read_records, subsample

    train = read_records("data/processed/train.jsonl")
    eighth = subsample(train, 0.125)
    assert len(eighth) == round(len(train) * 0.125)
    assert {r["meta"]["topic"] for r in eighth} == {r["meta"]["topic"] for r in train}
    assert [r["id"] for r in subsample(train, 0.125)] == [r["id"] for r in eighth]
    assert subsample(train, 1.0) is train


def test_make_help_lists_every_target():
    import subprocess

    out = subprocess.run(["make", "help"], capture_output=True, text=True, check=True).stdout
    for target in (
        "setup",
        "train",
        "evaluate",
        "test",
        "lint",
        "data",
        "validate-data",
        "data-stats",
        "clean",
        "export",
        "package",
        "baseline",
        "agreement",
    ):
        assert f" {target} " in out.replace("\x1b[36m", " ").replace("\x1b[0m", " "), target
