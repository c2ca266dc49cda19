"""The runtime API on an exported smoke model: offsets, batching, limits, backends, integrity."""

import json
import subprocess
import sys

import pytest

from siyasa import Tagger
from siyasa.errors import UserError
from siyasa.inference import link_roles
from siyasa.schema import Span

pytestmark = pytest.mark.slow

TEXT = "قال البيت الأبيض، الجمعة، إن الرئيس الأمريكي دونالد ترامب تحدث هاتفياً مع خليفة حفتر."


def dev_texts(n=6):
    with open("data/processed/dev.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f][:n]


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_spans_carry_exact_offsets_and_plain_float_scores(smoke_export, backend):
    tagger = Tagger.load(smoke_export, backend=backend)
    for text in dev_texts() + [TEXT, "  \u200fتَحَدَّثَ الـرئيس «مع» ٢٠١٩ 😀  "]:
        doc = tagger(text)
        assert doc.text == text
        for s in doc.spans:
            assert text[s.start : s.end] == s.text and type(s.score) is float and 0 <= s.score <= 1
        record = doc.to_dict()
        assert set(record) == {"id", "text", "spans", "args", "meta"}
        for a in record["args"]:  # every argument links two of the document's own spans
            assert a["role"] in ("SOURCE", "TARGET")
            assert {tuple(a["event"]), tuple(a["arg"])} <= {(s["start"], s["end"]) for s in record["spans"]}
        json.dumps(record)  # plain types only


def test_pipe_equals_one_by_one(smoke_export):
    tagger = Tagger.load(smoke_export, backend="torch")
    texts = dev_texts() + [TEXT, "رفضت روسيا.", ""]
    batched = tagger.pipe(texts, batch_size=3)
    single = [tagger(t) for t in texts]
    assert sum(len(d.spans) for d in single) > 0
    for b, s in zip(batched, single, strict=True):
        assert [(x.start, x.end, x.label, x.subtype) for x in b.spans] == [
            (x.start, x.end, x.label, x.subtype) for x in s.spans
        ]
        # scores may differ in the last float digits: padding changes the shape of the matrix products
        assert all(abs(x.score - y.score) < 1e-4 for x, y in zip(b.spans, s.spans, strict=True))


def test_empty_and_oversized_input(smoke_export):
    tagger = Tagger.load(smoke_export, backend="torch")
    assert tagger("").spans == [] and tagger(" \n\t ").spans == []
    tagger.max_chars = 100
    with pytest.raises(UserError, match="above the limit of 100"):
        tagger("ا" * 101)


def test_long_document_gets_one_label_per_word(smoke_export):
    tagger = Tagger.load(smoke_export, backend="onnx")
    text = " ".join(dev_texts(3)) * 4
    words = text.split()
    assert len(words) > 2000
    rows = tagger.predict_word_probs([[w.text for w in __import__("siyasa").words.tokenize(text)]])
    assert len(rows[0]) == len(__import__("siyasa").words.tokenize(text))


def test_int8_and_fp32_onnx_agree_with_torch(smoke_export):
    texts = dev_texts()
    ref = [
        [(s.start, s.end, s.label) for s in d.spans]
        for d in Tagger.load(smoke_export, backend="torch").pipe(texts)
    ]
    fp32 = [
        [(s.start, s.end, s.label) for s in d.spans]
        for d in Tagger.load(smoke_export, backend="onnx", onnx_file="model.onnx").pipe(texts)
    ]
    assert fp32 == ref
    int8_tagger = Tagger.load(smoke_export, backend="onnx", onnx_file="model.int8.onnx")
    assert int8_tagger.backend.path == smoke_export / "model.int8.onnx"
    ops = {n.op_type for n in __import__("onnx").load(int8_tagger.backend.path).graph.node}
    assert "QuantizeLinear" in ops  # the file loaded is the quantised one
    assert not int8_tagger.backend.per_window  # static int8: batched like fp32
    int8 = [[(s.start, s.end, s.label) for s in d.spans] for d in int8_tagger.pipe(texts)]
    both = sum(len(set(a) & set(b)) for a, b in zip(int8, ref, strict=True))
    total = sum(len(a) + len(b) for a, b in zip(int8, ref, strict=True))
    print(f"int8 span agreement with torch: {2 * both / total:.4f}")
    assert total and 2 * both / total >= 0.95


def test_onnx_backend_never_imports_torch_or_transformers(smoke_export):
    code = (
        "import sys; from siyasa import Tagger; t = Tagger.load(sys.argv[1], backend='onnx'); t('رفضت روسيا القرار');"
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(smoke_export)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_altered_or_missing_files_are_named(smoke_export, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(smoke_export, copy)
    (copy / "config.json").write_text((copy / "config.json").read_text() + " ")
    (copy / "model.int8.onnx").unlink()
    with pytest.raises(UserError, match=r"missing: model.int8.onnx; altered: config.json"):
        Tagger.load(copy)


def test_export_leaves_no_partial_directory_when_interrupted(smoke_run, tmp_path, monkeypatch):
    from siyasa import export as export_module

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module, "quantize", boom)
    with pytest.raises(KeyboardInterrupt):
        export_module.export(smoke_run[0].run_dir, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_export_holds_card_settings_and_manifest(smoke_export):
    names = {p.name for p in smoke_export.iterdir()}
    assert {
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "siyasa.json",
        "README.md",
        "model.onnx",
        "model.int8.onnx",
        "manifest.json",
    } <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    settings = json.loads((smoke_export / "siyasa.json").read_text())
    assert settings["backbone"]["actual"] == "offline" and settings["data"]["train"]["sha256"]
    card = (smoke_export / "README.md").read_text()
    assert (
        card.startswith("---\nlanguage: ar")
        and "model-index:" in card
        and "pipeline_tag: token-classification" in card
    )


def test_links_join_titles_and_names():
    text = "قال الرئيس الأمريكي دونالد ترامب إن غسان سلامة، المبعوث الأممي، التقى الأمين العام للأمم المتحدة."

    def span(sub, label, subtype=None, nth=0):
        start = text.index(sub)
        return Span(start, start + len(sub), label, subtype)

    spans = sorted(
        [
            span("الرئيس الأمريكي", "ROLE"),
            span("دونالد ترامب", "ACTOR", "PER"),
            span("غسان سلامة", "ACTOR", "PER"),
            span("المبعوث الأممي", "ROLE"),
            span("الأمين العام للأمم المتحدة", "ROLE"),
            span("للأمم المتحدة", "ACTOR", "ORG"),
        ]
    )
    links = {
        (
            text[spans[lk.role].start : spans[lk.role].end],
            text[spans[lk.actor].start : spans[lk.actor].end],
            lk.rule,
        )
        for lk in link_roles(text, spans)
    }
    assert links == {
        ("الرئيس الأمريكي", "دونالد ترامب", "title-name"),
        ("المبعوث الأممي", "غسان سلامة", "apposition"),
        ("الأمين العام للأمم المتحدة", "للأمم المتحدة", "nested"),
    }


def test_model_package_installs_and_tags_offline(smoke_run, tmp_path):
    import os

    from siyasa.package import package

    wheel = package(smoke_run[0].run_dir, tmp_path / "dist", name="smoke")
    assert wheel.name == "siyasa_model_smoke-0.1.0-py3-none-any.whl"
    target = tmp_path / "site"
    pip = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-index",
        "--target",
        str(target),
        str(wheel),
    ]
    assert subprocess.run(pip, capture_output=True, text=True, timeout=300).returncode == 0
    code = "import siyasa_model_smoke as m; d = m.load()('رفضت روسيا القرار'); print(type(d).__name__, len(d.text))"
    env = {**os.environ, "PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "Doc 17", proc.stderr[-2000:]


def test_transformers_pipeline_yields_the_taggers_word_aligned_spans(smoke_export):
    """The export loads in `transformers.pipeline` and agrees with the Tagger (torch) on the test split's
    sentences that fit one window. Spans are compared as word ranges: the pipeline's offsets end before a
    final diacritic that the built-in normaliser removed (عاماً -> عاما), the words are the same."""
    import re

    from transformers import AutoTokenizer, pipeline

    from siyasa.words import tokenize

    tok = AutoTokenizer.from_pretrained(smoke_export)
    texts = []
    with open("data/processed/test.jsonl", encoding="utf-8") as f:
        for line in f:
            texts += [
                s.strip()
                for s in re.split(r"(?<=[.؟!])\s+|\n", json.loads(line)["text"])
                if len(s.split()) >= 4
            ]
    texts = [t for t in texts if len(tok(t)["input_ids"]) <= 64][:120]
    assert len(texts) >= 50

    def word_range(text, start, end):
        idx = [i for i, w in enumerate(tokenize(text)) if w.start < end and start < w.end]
        return (idx[0], idx[-1])

    pipe = pipeline("token-classification", model=str(smoke_export), aggregation_strategy="first", device=-1)
    tagger = Tagger.load(smoke_export, backend="torch")
    # The pipeline takes the argmax per word; the Tagger decodes the most probable *valid* IOB2
    # sequence (siyasa.decoding). They must agree wherever the argmax is valid already.
    from siyasa import inference
    from siyasa.decoding import is_valid_iob2

    real = inference.viterbi_iob2
    inference.viterbi_iob2 = lambda probs, labels: probs.argmax(-1).tolist()
    try:
        argmax_valid = [
            is_valid_iob2([lab for lab, _ in row])
            for row in tagger.predict_word_probs([[w.text for w in tokenize(t)] for t in texts])
        ]
    finally:
        inference.viterbi_iob2 = real
    assert sum(argmax_valid) >= 30
    n_spans = 0
    for text, entities, valid in zip(texts, pipe(texts, batch_size=8), argmax_valid, strict=True):
        if not valid:
            continue
        ours = [(word_range(text, s.start, s.end), s.label) for s in tagger(text).spans]
        theirs = [(word_range(text, int(e["start"]), int(e["end"])), e["entity_group"]) for e in entities]
        assert theirs == ours, text
        n_spans += len(ours)
    assert n_spans > 20


def test_links_on_corpus_documents():
    """The link rule on gold records from the corpus: title-name, apposition with a comma."""
    from siyasa.markup import read_document

    def links_of(path):
        rec, _ = read_document(path)
        spans = sorted((Span.from_dict(d) for d in rec["spans"]), key=lambda s: (s.start, -s.end))
        t = rec["text"]
        return {
            (t[spans[k.role].start : spans[k.role].end], t[spans[k.actor].start : spans[k.actor].end], k.rule)
            for k in link_roles(t, spans)
        }

    assert ("وزير الخارجية الفرنسي", "جان نويل بارو", "title-name") in links_of(
        "data/raw/algeria/algeria-2025-04-16-01.txt"
    )
    assert ("رئيس الحركة الوطنية للحماية والإصلاح", "بول هنري سانداوغو داميبا", "apposition") in links_of(
        "data/raw/african-union/african-union-2022-01-31-01.txt"
    )


@pytest.mark.parametrize(
    "backend, onnx_file", [("torch", None), ("onnx", "model.onnx"), ("onnx", "model.int8.onnx")]
)
def test_every_backend_gives_the_same_answer_however_it_is_batched(smoke_export, backend, onnx_file):
    """Alone, in batches of 1, 3 and 32, with other neighbours and a long multi-window text beside short
    ones: the same spans and scores within 1e-4 (dynamic int8 once moved scores by up to 0.67)."""
    kwargs = {"onnx_file": onnx_file} if onnx_file else {}
    tagger = Tagger.load(smoke_export, backend=backend, **kwargs)
    with open("data/processed/test.jsonl", encoding="utf-8") as f:
        docs = [json.loads(line)["text"] for line in f]
    texts = [s for d in docs[:6] for s in d.split("\n") if s.strip()][:40] + [docs[7]]
    alone = [tagger(t) for t in texts]
    for batch in (1, 3, 32):
        for order in (texts, texts[::-1]):
            got = {d.text: d for d in tagger.pipe(order, batch_size=batch)}
            for ref in alone:
                d = got[ref.text]
                assert [(s.start, s.end, s.label) for s in d.spans] == [
                    (s.start, s.end, s.label) for s in ref.spans
                ]
                assert all(abs(a.score - b.score) < 1e-4 for a, b in zip(d.spans, ref.spans, strict=True))
