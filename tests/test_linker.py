"""The learned argument linker (siyasa.linker): beats the rule baseline, travels with the model, runs
without torch, links in linear time."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from siyasa.arguments import score_args
from siyasa.data import read_records, to_examples
from siyasa.errors import UserError
from siyasa.inference import Tagger
from siyasa.linker import Linker, WordVectors
from siyasa.linkfeatures import document_groups
from siyasa.linking import rule_links
from siyasa.linktrain import train_linker
from siyasa.modeldir import LINKER_FILE, LINKER_WEIGHTS_FILE
from siyasa.words import tokenize


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
    pairs = [
        ((e.start, e.end), (c.start, c.end)) for e, _, cands in document_groups(text, spans) for c, _ in cands
    ]
    assert pairs == [((0, 5), (6, 12)), ((17, 20), (6, 12))]  # the second event reaches back a sentence


def test_the_model_directory_carries_the_linker_and_the_tagger_feeds_it_the_encoder(smoke_export):
    settings = json.loads((smoke_export / "siyasa.json").read_text())
    manifest = json.loads((smoke_export / "manifest.json").read_text())["files"]
    assert settings["linker"] == "learned" and {LINKER_FILE, LINKER_WEIGHTS_FILE} <= set(manifest)
    tagger = Tagger.load(smoke_export, backend="onnx")
    assert isinstance(tagger.linker, Linker) and tagger.linker.uses_vectors
    text = read_records("data/processed/dev.jsonl")[0]["text"]
    doc = tagger(text)
    with pytest.raises(ValueError, match="vectors"):
        tagger.linker.link(text, doc.spans)  # it reads the encoder: never silently without
    words = tokenize(text)
    _, [h] = tagger.predict_word_probs([[w.text for w in words]], hidden=True)
    assert doc.args == tagger.linker.link(text, doc.spans, WordVectors(np.array([w.start for w in words]), h))


def test_onnx_and_torch_give_the_linker_the_same_encoder_vectors(smoke_export):
    words = [[w.text for w in tokenize(read_records("data/processed/dev.jsonl")[0]["text"])]]
    (_, [onnx]), (_, [torch]) = (
        Tagger.load(smoke_export, backend=b, onnx_file="model.onnx").predict_word_probs(words, hidden=True)
        for b in ("onnx", "torch")
    )
    assert onnx.shape == torch.shape == (len(words[0]), onnx.shape[1])
    assert abs(onnx - torch).max() < 1e-3


def test_an_onnx_graph_without_the_hidden_output_is_a_clear_error(smoke_export, tmp_path):
    import onnx

    d = tmp_path / "old"
    shutil.copytree(smoke_export, d)
    (d / "model.int8.onnx").unlink()
    m = onnx.load(str(d / "model.onnx"))
    logits = [o for o in m.graph.output if o.name == "logits"]
    del m.graph.output[:]
    m.graph.output.extend(logits)
    onnx.save(m, str(d / "model.onnx"))
    with pytest.raises(UserError, match="siyasa export"):
        Tagger.load(d, backend="onnx", verify=False)


def test_the_onnx_runtime_links_the_same_without_torch(smoke_export):
    record = read_records("data/processed/dev.jsonl")[0]
    expected = [a.to_dict() for a in Tagger.load(smoke_export, backend="onnx")(record["text"]).args]
    assert expected
    code = (
        "import json, sys; sys.modules['torch'] = None\n"  # any torch import now fails
        "from siyasa.inference import Tagger\n"
        f"r = json.loads(sys.stdin.read())\n"
        f"doc = Tagger.load({str(smoke_export)!r}, backend='onnx')(r['text'])\n"
        "print(json.dumps([a.to_dict() for a in doc.args]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(record),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(out.stdout) == expected


def test_save_and_load_round_trip(tmp_path):
    train = to_examples(read_records("data/processed/train.jsonl"))[:6]
    linker = train_linker(train, epochs=1, hidden=8)
    linker.save(tmp_path)
    again = Linker.load(tmp_path)
    for ex in train[:2]:
        assert again.link(ex.text, ex.spans) == linker.link(ex.text, ex.spans)


def test_a_linker_trained_with_encoder_vectors_saves_them_and_needs_them(tmp_path):
    train = to_examples(read_records("data/processed/train.jsonl"))[:6]
    rng = np.random.default_rng(0)
    vectors = [
        WordVectors(
            np.array([a for a, _ in ex.offsets]), rng.normal(size=(len(ex.tokens), 8)).astype("float32")
        )
        for ex in train
    ]
    linker = train_linker(train, epochs=1, hidden=8, vectors=vectors)
    linker.save(tmp_path)
    again = Linker.load(tmp_path)
    assert again.uses_vectors and again.wd.shape == (24, 8)
    for ex, v in zip(train[:2], vectors[:2], strict=True):
        assert again.link(ex.text, ex.spans, v) == linker.link(ex.text, ex.spans, v)


def test_a_linker_of_another_format_is_a_clear_error(tmp_path):
    train = to_examples(read_records("data/processed/train.jsonl"))[:3]
    train_linker(train, epochs=1, hidden=4).save(tmp_path)
    meta = json.loads((tmp_path / LINKER_FILE).read_text())
    (tmp_path / LINKER_FILE).write_text(json.dumps({**meta, "format": 1}))
    with pytest.raises(ValueError, match="make train"):
        Linker.load(tmp_path)


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
