"""siyasa tag (siyasa.batch, siyasa.sources): a collection streams into sharded tables; bad records become
error rows; a rerun resumes; the Ray engine writes what the local engine writes."""

import json

import pytest

from siyasa.batch import tag_collection
from siyasa.cli import main
from siyasa.errors import UserError

pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture
def collection(tmp_path):
    """8 good documents in JSONL, Parquet (field `body`) and .txt files, and 5 bad records."""
    src = tmp_path / "in"
    (src / "txt" / "a").mkdir(parents=True)
    with open("data/processed/dev.jsonl", encoding="utf-8") as f:
        records = [json.loads(line) for line in f][:6]
    lines = [
        json.dumps({"id": r["id"], "body": r["text"], "meta": r["meta"]}, ensure_ascii=False)
        for r in records[:4]
    ]
    lines += [
        '{"id": "int", "body": 5}',
        "not json",
        '{"id": "blank", "body": "  "}',
        "",
        '{"id": "surrogate", "body": "\\ud800x"}',
        '{"id": "nobody"}',
    ]
    (src / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import pyarrow as pa

    pq.write_table(
        pa.table({"id": [r["id"] for r in records[4:]], "body": [r["text"] for r in records[4:]]}),
        src / "more.parquet",
        row_group_size=1,
    )
    (src / "txt" / "a" / "one.txt").write_text("رفضت روسيا القرار الأمريكي.", encoding="utf-8")
    (src / "txt" / "two.txt").write_text("التقى الرئيس الفرنسي إيمانويل ماكرون نظيره.", encoding="utf-8")
    return src


def _table(out, name):
    return pq.read_table(out / name).to_pylist()


def test_a_collection_becomes_documents_events_and_error_rows(smoke_export, collection, tmp_path):
    out = tmp_path / "out"
    s = tag_collection(smoke_export, [collection], out, text_field="body", shard_size=3, progress=False)
    assert (s.documents, s.errors, s.shards) == (8, 5, 5)
    docs, errors, events = _table(out, "documents"), _table(out, "errors"), _table(out, "events")
    assert len(docs) == 8 and len(events) == s.events
    assert {d["id"] for d in docs} >= {"txt/a/one.txt", "txt/two.txt"}  # relative to the folder given
    for d in docs:
        for sp in d["spans"]:
            assert d["text"][sp["start"] : sp["end"]] == sp["text"]
    reasons = {e["line"]: e["reason"] for e in errors if e["source"].endswith("news.jsonl")}
    assert reasons[5] == "text is int, not a string" and reasons[6].startswith("not JSON")
    assert reasons[7] == "text is empty" and "lone surrogate U+D800" in reasons[9]
    assert reasons[10] == "no 'body' field; set --text-field" and len(reasons) == 5
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["complete"] and manifest["counts"]["documents"] == 8 and manifest["model"]["sha256"]
    assert {e["id"] for e in events} <= {d["id"] for d in docs}


def test_a_rerun_resumes_and_redoes_only_the_lost_shard(smoke_export, collection, tmp_path):
    out = tmp_path / "out"
    tag_collection(smoke_export, [collection], out, text_field="body", shard_size=3, progress=False)
    before = _table(out, "documents")
    again = tag_collection(smoke_export, [collection], out, text_field="body", shard_size=3, progress=False)
    assert again.skipped == again.shards == 5 and again.documents == 8
    manifest = json.loads((out / "_manifest.json").read_text())  # a crash during shard 1
    del manifest["shards"]["1"]
    (out / "_manifest.json").write_text(json.dumps(manifest))
    (out / "documents" / "part-00001.parquet").unlink()
    resumed = tag_collection(smoke_export, [collection], out, text_field="body", shard_size=3, progress=False)
    assert resumed.skipped == 4 and resumed.documents == 8
    assert _table(out, "documents") == before


def test_other_options_on_the_same_output_are_refused_unless_overwrite(smoke_export, collection, tmp_path):
    out = tmp_path / "out"
    tag_collection(smoke_export, [collection], out, text_field="body", shard_size=3, progress=False)
    with pytest.raises(UserError, match="other options"):
        tag_collection(smoke_export, [collection], out, text_field="body", shard_size=4, progress=False)
    s = tag_collection(
        smoke_export, [collection], out, text_field="body", shard_size=4, overwrite=True, progress=False
    )
    assert s.skipped == 0 and len(list((out / "documents").iterdir())) == 4
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    with pytest.raises(UserError, match="not empty"):
        tag_collection(smoke_export, [collection], tmp_path / "other", text_field="body", progress=False)


def test_jsonl_output_holds_the_same_rows_as_parquet(smoke_export, collection, tmp_path):
    tag_collection(smoke_export, [collection], tmp_path / "pq", text_field="body", progress=False)
    tag_collection(
        smoke_export, [collection], tmp_path / "js", fmt="jsonl", text_field="body", progress=False
    )
    for table in ("documents", "events", "errors"):
        rows = [
            json.loads(line)
            for line in (tmp_path / "js" / table / "part-00000.jsonl").read_text().splitlines()
        ]
        assert len(rows) == len(_table(tmp_path / "pq", table))
        assert [r["id"] for r in rows] == [r["id"] for r in _table(tmp_path / "pq", table)]


def test_the_cli_tags_and_reports(smoke_export, collection, tmp_path, capsys):
    def tag(source, out) -> int:
        return main(
            ["tag", "--model", str(smoke_export), "--input", str(source), "--output", str(out), "--quiet"]
        )

    assert tag(collection / "txt", tmp_path / "o") == 0
    assert "2 documents" in capsys.readouterr().out
    assert tag(tmp_path / "missing", tmp_path / "o2") == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.slow
def test_the_ray_engine_writes_what_the_local_engine_writes(smoke_export, collection, tmp_path):
    ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'siyasa[ray]')")
    try:
        _ray_writes_what_local_writes(smoke_export, collection, tmp_path, actors=2, threads=1)
    finally:
        ray.shutdown()


def _ray_writes_what_local_writes(model, collection, tmp_path, **ray_options):
    """Tag the collection with the local engine and with Ray (`ray_options`); the tables are equal."""
    options = {"text_field": "body", "shard_size": 3, "progress": False}
    tag_collection(model, [collection], tmp_path / "local", **options)
    s = tag_collection(model, [collection], tmp_path / "ray", engine="ray", **options, **ray_options)
    assert s.documents == 8 and s.shards == 5
    for table in ("documents", "events", "errors"):
        assert _table(tmp_path / "ray", table) == _table(tmp_path / "local", table)


def test_tag_rows_serves_plain_columns_with_the_same_rows(smoke_export, tmp_path):
    from siyasa.batch import tag_rows
    from siyasa.inference import Tagger

    tagger = Tagger.load(smoke_export)
    text = "رفضت روسيا القرار الأمريكي."
    documents, events, errors = tag_rows(tagger, ["a", "b", "c"], [text, "", 7])
    assert [d["id"] for d in documents] == ["a"] and documents[0]["text"] == text
    assert [(e["id"], e["line"], e["reason"]) for e in errors] == [
        ("b", 2, "text is empty"),
        ("c", 3, "text is int, not a string"),
    ]


@pytest.mark.slow
def test_the_ray_engine_on_a_two_node_cluster_writes_what_the_local_engine_writes(
    smoke_export, collection, tmp_path
):
    """`--ray-address` on a cluster: a head and a worker node simulated on this machine (Ray's own
    cluster_utils), each with room for one actor, so the two actors run on different nodes."""
    ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'siyasa[ray]')")
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2})
    try:
        cluster.add_node(num_cpus=2)
        cluster.wait_for_nodes()
        _ray_writes_what_local_writes(
            smoke_export,
            collection,
            tmp_path,
            actors=2,
            threads=2,  # 2 CPUs per actor: one actor per node
            ray_address=cluster.address,
        )
        assert sum(1 for n in ray.nodes() if n["Alive"]) == 2
    finally:
        ray.shutdown()
        cluster.shutdown()
