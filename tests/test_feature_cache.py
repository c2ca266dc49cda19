from siyasa import features_cache
from siyasa.backbone import train_wordpiece
from siyasa.config import load_config
from siyasa.data import read_records, to_examples
from siyasa.schema import label_names


def test_second_run_reuses_tokenized_windows(tmp_path, monkeypatch):
    cfg = load_config("configs/smoke.yaml", [f"data.cache_dir={tmp_path}"])
    records = to_examples(read_records("data/processed/dev.jsonl")[:3])
    tok = train_wordpiece([ex.tokens for ex in records], cfg.backbone, 64)
    labels = label_names("coarse")
    first_ds, first_windows = features_cache.windows_dataset(cfg, tok, records, labels)
    assert len(list(tmp_path.iterdir())) == 1

    def must_not_tokenize(*args, **kwargs):
        raise AssertionError("tokenized again although the cache holds these windows")

    monkeypatch.setattr(features_cache, "encode", must_not_tokenize)
    again_ds, again_windows = features_cache.windows_dataset(cfg, tok, records, labels)
    assert again_ds["input_ids"] == first_ds["input_ids"] and again_windows == first_windows
    # changing the data changes the key: a different document set is tokenized afresh
    monkeypatch.undo()
    features_cache.windows_dataset(cfg, tok, records[:2], labels)
    assert len(list(tmp_path.iterdir())) == 2
