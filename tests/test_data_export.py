import json

from siyasa.data import export_splits, load_splits


def test_conll_export_reads_back_to_the_same_words_and_tags(tmp_path):
    export_splits(tmp_path, "data/processed", "conll")
    ds = load_splits()
    for split in ("train", "dev", "test"):
        blocks = (tmp_path / f"{split}.conll").read_text(encoding="utf-8").split("\n\n")
        docs = [[line.split("\t") for line in b.splitlines()] for b in blocks if b.strip()]
        assert [[w for w, _ in d] for d in docs] == ds[split]["tokens"]
        names = ds[split].features["tags"].feature.names
        assert [[t for _, t in d] for d in docs] == [[names[i] for i in tags] for tags in ds[split]["tags"]]


def test_hf_json_export_has_tokens_ner_tags_and_labels(tmp_path):
    export_splits(tmp_path, "data/processed", "hf-json", scheme="fine")
    labels = json.loads((tmp_path / "labels.json").read_text())
    assert labels[0] == "O" and "B-EVENT.CONSULT" in labels
    rows = [json.loads(line) for line in (tmp_path / "dev.json").read_text(encoding="utf-8").splitlines()]
    assert rows and all(len(r["tokens"]) == len(r["ner_tags"]) for r in rows)
    assert max(t for r in rows for t in r["ner_tags"]) < len(labels)
