"""The learned argument linker (siyasa.linker): beats the rule baseline, travels with the model, runs
without torch, links in linear time."""

import json
import subprocess
import sys

import pytest

from siyasa.arguments import score_args
from siyasa.data import read_records, to_examples
from siyasa.inference import Tagger
from siyasa.linker import Linker, train_linker
from siyasa.linkfeatures import document_pairs
from siyasa.linking import rule_links
from siyasa.modeldir import LINKER_FILE, LINKER_WEIGHTS_FILE


def _scores(docs, linker) -> dict:
    rows = [
        (
            [a.to_dict() for a in ex.args],
            [a.to_dict() for a in linker(ex.text, ex.spans)],
            {(s.start, s.end): s.subtype for s in ex.spans if s.label == "EVENT"},
        )
        for ex in docs
    ]
    return score_args(rows)["classification"]


@pytest.mark.slow
def test_learned_linker_beats_the_rule_baseline_on_dev():
    train, dev = (to_examples(read_records(f"data/processed/{s}.jsonl")) for s in ("train", "dev"))
    linker = train_linker(train, dev, epochs=3)
    learned, rule = _scores(dev, linker), _scores(dev, rule_links)
    assert learned["f1"] >= rule["f1"] + 0.05, (learned, rule)
    assert linker.info["best_dev_f1"] == pytest.approx(learned["f1"], abs=1e-4)


def test_candidates_never_overlap_their_event_and_reach_earlier_sentences():
    text = "التقى الرئيس. ثم رفض [x] العرض."
    spans = [
        {"start": 0, "end": 5, "label": "EVENT", "subtype": "CONSULT"},
        {"start": 6, "end": 12, "label": "ROLE", "subtype": None},
        {"start": 17, "end": 20, "label": "EVENT", "subtype": "REJECT"},
    ]
    pairs = [((e.start, e.end), (c.start, c.end)) for e, c, _ in document_pairs(text, spans)]
    assert pairs == [((0, 5), (6, 12)), ((17, 20), (6, 12))]  # the second event reaches back a sentence


def test_the_model_directory_carries_the_linker_and_the_tagger_uses_it(smoke_export):
    settings = json.loads((smoke_export / "siyasa.json").read_text())
    manifest = json.loads((smoke_export / "manifest.json").read_text())["files"]
    assert settings["linker"] == "learned" and {LINKER_FILE, LINKER_WEIGHTS_FILE} <= set(manifest)
    tagger = Tagger.load(smoke_export, backend="onnx")
    assert isinstance(tagger.linker, Linker)
    text = read_records("data/processed/dev.jsonl")[0]["text"]
    doc = tagger(text)
    assert doc.args == tagger.linker.link(text, doc.spans)


def test_a_saved_linker_links_the_same_without_torch(smoke_export):
    record = read_records("data/processed/dev.jsonl")[0]
    expected = [a.to_dict() for a in Linker.load(smoke_export).link(record["text"], record["spans"])]
    code = (
        "import json, sys; sys.modules['torch'] = None\n"  # any torch import now fails
        "from siyasa.linker import Linker\n"
        f"r = json.loads(sys.stdin.read())\n"
        f"print(json.dumps([a.to_dict() for a in Linker.load({str(smoke_export)!r}).link(r['text'], r['spans'])]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(record),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(out.stdout) == expected


def test_save_and_load_round_trip(tmp_path):
    train = to_examples(read_records("data/processed/train.jsonl"))[:6]
    linker = train_linker(train, epochs=1, hidden=8)
    linker.save(tmp_path)
    again = Linker.load(tmp_path)
    for ex in train[:2]:
        assert again.link(ex.text, ex.spans) == linker.link(ex.text, ex.spans)


def test_argument_errors_list_missed_spurious_and_wrong_roles_with_context():
    from siyasa.arguments import Arg
    from siyasa.scoring import argument_errors

    ex = to_examples(read_records("data/processed/dev.jsonl"))[0]
    gold = sorted(ex.args)
    keep, drop, flip = gold[0], gold[1], gold[2]
    flipped = Arg(flip.event, "TARGET" if flip.role == "SOURCE" else "SOURCE", flip.arg)
    linked = {(a.event, a.arg) for a in gold}
    actor = next(s for s in ex.spans if s.label == "ACTOR" and (keep.event, (s.start, s.end)) not in linked)
    extra = Arg(keep.event, "SOURCE", (actor.start, actor.end))
    errors = argument_errors([ex], lambda text, spans: [keep, flipped, extra, *gold[3:]])
    kinds = {(e["kind"], tuple(e["event_offsets"]), tuple(e["arg_offsets"])) for e in errors}
    assert kinds == {
        ("missed", drop.event, drop.arg),
        ("wrong role", flip.event, flip.arg),
        ("spurious", extra.event, extra.arg),
    }
    for e in errors:
        assert (
            ex.text[slice(*e["arg_offsets"])] == e["arg"] and "【" + e["event"] + "】" in e["event_context"]
        )
