"""Make the local engine's OCR recogniser: RapidOCR's float model with its convolutions in 8 bits.

Usage (a checkout with ``.venv``; takes about 20 s; needs no display)::

    .venv/bin/python packaging/quantize_ocr.py            # writes resources/ocr/REC_MODEL
    .venv/bin/python packaging/quantize_ocr.py --check    # rebuilds in a temp dir, compares

Why: recognition is nearly all of an OCR step's time, and two thirds of the recogniser's time
is its convolutions. With them in 8-bit integers (per output channel for the weights, static
ranges for the activations) a line is read in 0.68× the time, and on the bench's screens of
known text the character error rate is no worse (see ``docs/local-engine.md``). The rest of the
network (attention, the 18,710-class output layer, softmax) stays in float: quantizing it as
well gained nothing and read worse. The output layer's bias is folded into its weights (the
features get a constant 1 appended): its separate addition over every step × 18,710 classes
took 7 % of a line's time.

How:

1. the source is the float recogniser in RapidOCR's wheel (`ocr_models.REC_SOURCE`, pinned by
   the ``rapidocr`` version in ``pyproject.toml``), converted to opset 13 (per-channel
   quantization needs it), its output layer's bias folded into the weights (`fold_head_bias`);
2. the activation ranges come from the recogniser's real inputs: everything the engine reads
   (`ScreenText` with the float model: its lines, and the enlarged labels of single-glyph
   buttons) on the screenshots in ``packaging/ocr-calibration/`` — the bench's screens (the
   target app, three windows of source code and docs, two dialogs) and two real calculators
   (galculator, xcalc): without the calculators' lone glyphs among them, ``-`` and ``=``
   on a key were misread (``tests/realapps/test_calculators.py``);
3. onnxruntime's static quantizer writes QDQ nodes around each convolution (onnxruntime fuses
   them into integer kernels when it loads the model); the result records what it was made
   from in its metadata (``console_app.precision``, ``console_app.source_sha256``).

The result is committed (``resources/ocr/``), so a checkout, the wheel and the installer all
carry the same model and nothing is built at install time. ``onnx`` (needed only here) is
installed into ``build/quantize-tools`` on first use.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CALIBRATION = HERE / "ocr-calibration"
TOOLS = ROOT / "build" / "quantize-tools"
ONNX = "onnx==1.23.2"
sys.path.insert(0, str(ROOT))

from console_app.engine import ocr_models  # noqa: E402
from console_app.engine.images import Screenshot  # noqa: E402
from console_app.engine.ocr import OcrReader  # noqa: E402
from console_app.engine.screen_text import ScreenText  # noqa: E402

OUTPUT = ROOT / "resources" / "ocr" / ocr_models.REC_MODEL


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        if not (TOOLS / "onnx").exists():
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "-q", "--target", str(TOOLS), ONNX],
                check=True,
            )
        sys.path.insert(0, str(TOOLS))
        import onnx
    return onnx


class Recording(ocr_models.Models):
    """The float models, keeping every recogniser input they are given."""

    inputs: list[Any]

    def recognize(self, crop: Any, pad_to: int | None = None) -> ocr_models.Recognised:
        if crop.shape[0] >= 1 and crop.shape[1] >= 1:
            self.inputs.append(ocr_models.rec_input(crop, pad_to)[0])
        return super().recognize(crop, pad_to)


def fold_head_bias(onnx: Any, model: Any) -> None:
    """``MatMul(x, W) + b`` of the output layer → ``MatMul(Pad(x, 1.0), [W; b])``."""
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    nodes = list(graph.node)
    weights = {init.name: init for init in graph.initializer}
    softmax = next(n for n in reversed(nodes) if n.op_type == "Softmax")
    produced = {out: n for n in nodes for out in n.output}
    node = produced[softmax.input[0]]
    while node.op_type == "Identity":
        node = produced[node.input[0]]
    add = node
    bias_name = next(name for name in add.input if name in weights)
    matmul = produced[next(name for name in add.input if name not in weights)]
    if add.op_type != "Add" or matmul.op_type != "MatMul" or matmul.input[1] not in weights:
        raise SystemExit("the recogniser's output layer is not MatMul + Add: update fold_head_bias")
    w = numpy_helper.to_array(weights[matmul.input[1]])
    b = numpy_helper.to_array(weights[bias_name])
    folded = np.concatenate([w, b[np.newaxis, :]], axis=0).astype(np.float16)
    graph.initializer.extend(
        [
            numpy_helper.from_array(folded, "console_app.head_weights_fp16"),
            numpy_helper.from_array(np.array([0, 0, 0, 0, 0, 1], np.int64), "console_app.pads"),
            numpy_helper.from_array(np.array(1.0, np.float32), "console_app.one"),
        ]
    )
    pad = helper.make_node(
        "Pad",
        [matmul.input[0], "console_app.pads", "console_app.one"],
        ["console_app.features_1"],
        mode="constant",
    )
    cast = helper.make_node(
        "Cast",
        ["console_app.head_weights_fp16"],
        ["console_app.head_weights"],
        to=onnx.TensorProto.FLOAT,
    )
    head = helper.make_node(
        "MatMul", ["console_app.features_1", "console_app.head_weights"], [add.output[0]]
    )
    position = nodes.index(matmul)
    graph.node.remove(matmul)
    graph.node.remove(add)
    graph.node.insert(position, head)
    graph.node.insert(position, cast)
    graph.node.insert(position, pad)
    graph.initializer.remove(weights[matmul.input[1]])
    graph.initializer.remove(weights[bias_name])
    onnx.checker.check_model(model)


def calibration_inputs(source: Path) -> list[Any]:
    import cv2

    models = Recording(recogniser=source)
    models.inputs = []
    reader = OcrReader(reuse=False, workers=1, models=models)
    screen_text = ScreenText(reader)
    screens = sorted(CALIBRATION.glob("*.jpg"))
    if not screens:
        raise SystemExit(f"no calibration screenshots in {CALIBRATION}")
    for screen in screens:
        pixels = cv2.imread(str(screen))
        height, width = pixels.shape[:2]
        screen_text.read(Screenshot(width=width, height=height, digest=screen.name, pixels=pixels))
    reader.close()
    print(f"calibration: {len(models.inputs)} lines from {len(screens)} screenshots")
    return models.inputs


def quantize(output: Path) -> None:
    onnx = import_onnx()
    from onnx import version_converter
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    source = ocr_models.model_dir() / ocr_models.REC_SOURCE
    inputs = calibration_inputs(source)

    class Inputs(CalibrationDataReader):
        def __init__(self) -> None:
            self._items = iter(inputs)

        def get_next(self) -> dict[str, Any] | None:
            item = next(self._items, None)
            return None if item is None else {"x": item}

    with tempfile.TemporaryDirectory() as work:
        opset13 = Path(work) / "rec-opset13.onnx"
        quantized = Path(work) / "rec-int8.onnx"
        model = version_converter.convert_version(onnx.load(str(source)), 13)
        fold_head_bias(onnx, model)
        onnx.save(model, str(opset13))
        quantize_static(
            str(opset13),
            str(quantized),
            Inputs(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["Conv"],
            calibrate_method=CalibrationMethod.MinMax,
        )
        model = onnx.load(str(quantized))
    for key, value in (
        ("console_app.precision", f"int8 convolutions (QDQ, per channel; {len(inputs)} lines)"),
        ("console_app.source", ocr_models.REC_SOURCE),
        ("console_app.source_sha256", sha256(source)),
    ):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    output.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(output))
    print(f"wrote {output} ({output.stat().st_size / 2**20:.1f} MiB, sha256 {sha256(output)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="rebuild and compare, write nothing")
    args = parser.parse_args()
    if not args.check:
        quantize(OUTPUT)
        return
    with tempfile.TemporaryDirectory() as work:
        rebuilt = Path(work) / OUTPUT.name
        quantize(rebuilt)
        same = rebuilt.read_bytes() == OUTPUT.read_bytes()
    print("identical to the committed model" if same else "DIFFERS from the committed model")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
