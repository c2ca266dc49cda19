"""Export a run as a self-describing model directory: exports/<name>-<version>/.

    model.safetensors, config.json (id2label), tokenizer files   -- loadable by transformers
    siyasa.json    labels, preprocessing, windows, backbone, data hashes, metrics
    README.md      a Hugging Face model card (YAML metadata with model-index)
    model.onnx, model.int8.onnx   fp32 and statically quantised int8, calibrated on training windows
    manifest.json  sha256 of every file, verified by Tagger.load

Everything is written into a temporary directory that is renamed into place at the end, so an
interrupted export never leaves a half-written model where a loader would look.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from . import __version__
from .backends import HIDDEN_OUTPUT
from .card import model_card
from .errors import UserError
from .fileio import check_output_dir
from .modeldir import (
    LINKER_FILE,
    LINKER_WEIGHTS_FILE,
    MANIFEST_FILE,
    SETTINGS_FILE,
    model_dir,
    remove_stale_exports,
    verify_manifest,
    write_manifest,
)
from .runrecord import read_run_record, run_dir_of

MODEL_FILES = (
    "model.safetensors",
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "special_tokens_map.json",
    LINKER_FILE,
    LINKER_WEIGHTS_FILE,
)
OPSET = 17


def export(
    run: str | Path,
    out_root: str | Path = "exports",
    name: str | None = None,
    version: str | None = None,
    onnx: bool = True,
    force: bool = False,
    calibration: str | Path | None = None,
) -> Path:
    """Export a run (or model directory) to <out_root>/<name>-<version>/ and return that path.

    `calibration` is a canonical JSONL file whose texts fix the int8 activation ranges; by default the
    training split recorded in the run's run.json."""
    check_output_dir(out_root)
    src = model_dir(run)
    run_dir = run_dir_of(src)
    record = read_run_record(run_dir) if run_dir else None
    calibration_texts = _calibration_texts(calibration, record) if onnx else []
    name = name or f"siyasa-{record.config if record else 'model'}"
    version = version or __version__
    final = Path(out_root) / f"{name}-{version}"
    if final.exists() and not force:
        raise UserError(f"{final} exists; pass --force to replace it, or choose another --version")
    if (src / MANIFEST_FILE).exists():  # never re-export a model that was altered after it was saved
        verify_manifest(src)
    if not (src / "model.safetensors").exists():
        raise UserError(f"{src}: model.safetensors missing (only safetensors weights are exported)")

    remove_stale_exports(Path(out_root))  # folders of exports killed half-way
    tmp = Path(out_root) / f".{name}-{version}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for f in MODEL_FILES:
            if (src / f).exists():
                shutil.copy2(src / f, tmp / f)
        settings = json.loads((src / SETTINGS_FILE).read_text()) if (src / SETTINGS_FILE).exists() else {}
        settings.update(
            {
                "name": name,
                "version": version,
                "siyasa_version": __version__,
                "labels": json.loads((src / "config.json").read_text())["id2label"],
                "data": record.data if record else {},
                "metrics": record.metrics if record else {},
                "git": record.git if record else {},
                "backbone": record.backbone if record else settings.get("backbone", {}),
            }
        )
        if onnx:  # how each ONNX file is quantised (the Tagger runs a "dynamic" file one window per call)
            settings["quantization"] = {"model.onnx": None, "model.int8.onnx": "static"}
        (tmp / SETTINGS_FILE).write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n")
        (tmp / "README.md").write_text(model_card(name, version, settings), encoding="utf-8")
        if onnx:
            export_onnx(tmp, tmp / "model.onnx")
            quantize(tmp / "model.onnx", tmp / "model.int8.onnx", calibration_windows(tmp, calibration_texts))
        write_manifest(tmp)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _calibration_texts(calibration: str | Path | None, record) -> list[str]:
    """The texts of the calibration file: the given one, else the run's recorded training split."""
    from .data import read_records

    if calibration is None:
        recorded = (record.data.get("train") or {}).get("path") if record else None
        if not recorded or not Path(recorded).is_file():
            where = (
                f"the run records {recorded!r}, which is not a file"
                if recorded
                else "no training split is recorded"
            )
            raise UserError(
                f"int8 calibration needs texts and {where}: pass --calibration <canonical JSONL> "
                "(for example data/processed/train.jsonl), or --no-onnx"
            )
        calibration = recorded
    texts = [r["text"] for r in read_records(calibration)]
    if not texts:
        raise UserError(f"{calibration}: no records to calibrate the int8 model on")
    return texts


def export_onnx(model_directory: Path, out: Path) -> None:
    """torch.onnx.export (TorchScript path, dynamic batch and sequence axes, opset 17). Two outputs:
    `logits`, and `hidden`, the encoder's last hidden state, which the learned linker reads."""
    import torch
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(
        model_directory, use_safetensors=True, attn_implementation="eager"
    ).eval()

    class WithHidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            o = self.m(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            return o.logits, o.hidden_states[-1]

    ids = torch.ones(2, 16, dtype=torch.long)
    mask = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    with torch.inference_mode():
        torch.onnx.export(
            WithHidden(model),
            (ids, mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits", HIDDEN_OUTPUT],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": axes, HIDDEN_OUTPUT: axes},
            opset_version=OPSET,
            dynamo=False,
        )


CALIBRATION_WINDOWS = 128  # windows of the training split that fix the int8 activation ranges


def calibration_windows(model_directory: Path, texts: list[str], n: int = CALIBRATION_WINDOWS) -> list[dict]:
    """`n` windows spread evenly over `texts`, cut exactly as the Tagger cuts them (same tokenizer,
    normaliser and window settings), as onnxruntime feeds: one unpadded window per feed."""
    import numpy as np

    from .backends import WordPieceTokenizer
    from .features import encode
    from .modeldir import read_settings
    from .words import tokenize

    settings = read_settings(model_directory)
    tokenizer = WordPieceTokenizer(model_directory / "tokenizer.json")
    words = [[w.text for w in tokenize(t)] for t in texts]
    windows = encode(
        tokenizer,
        words,
        int(settings.get("max_length", 256)),
        int(settings.get("stride", 64)),
        preprocess=bool(settings.get("preprocess", True)),
    )
    if not windows:
        raise UserError("no calibration windows: the calibration texts are empty")
    step = max(1, len(windows) // n)
    feeds = []
    for w in windows[::step][:n]:
        ids = np.asarray([w.input_ids], dtype=np.int64)
        feeds.append({"input_ids": ids, "attention_mask": np.ones_like(ids)})
    return feeds


def quantize(fp32: Path, int8: Path, calibration: list[dict]) -> None:
    """onnxruntime's transformer optimizer (fused attention, embedding and skip LayerNorm, bias-GELU),
    then static int8 quantisation: weights per output channel, activations with ranges fixed once from
    the calibration windows (MinMax). Fixed ranges make a window's answer independent of the other
    windows in its batch; dynamic quantisation, which measures ranges per batch, does not
    (docs/benchmarks.md compares the two)."""
    import tempfile

    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.tools.symbolic_shape_infer import SymbolicShapeInference
    from onnxruntime.transformers import optimizer

    class Reader(CalibrationDataReader):
        def __init__(self, feeds: list[dict]):
            self.feeds = iter(feeds)

        def get_next(self):
            return next(self.feeds, None)

    config = json.loads((fp32.parent / "config.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        fused = Path(tmp) / "fused.onnx"
        model = optimizer.optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=config["num_attention_heads"],
            hidden_size=config["hidden_size"],
        ).model
        # The quantiser needs every activation's type; onnx's own shape inference does not know the fused
        # contrib ops (Attention, SkipLayerNormalization) and would leave those activations in float.
        onnx.save(SymbolicShapeInference.infer_shapes(model, auto_merge=True), str(fused))
        quantize_static(
            str(fused),
            str(int8),
            Reader(calibration),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"CalibTensorRangeSymmetric": False, "MatMulConstBOnly": True},
        )
