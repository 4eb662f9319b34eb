"""ONNX's own checker over the models jaxts exports in test/export/onnx.test.ts.

Run: mkdir -p /tmp/onnx && JAXTS_ONNX_DIR=/tmp/onnx npx vitest run test/export/onnx.test.ts &&
     ~/jaxref/bin/python test/golden/check_onnx.py /tmp/onnx
Each model must pass onnx.checker (full check, with shape inference) and load in Python's
onnxruntime; the CI test itself runs them in onnxruntime-node and compares with jaxts.
"""
import glob, os, sys
import onnx
import onnxruntime as ort

paths = sorted(glob.glob(os.path.join(sys.argv[1], "*.onnx")))
assert paths, "no models: run the test with JAXTS_ONNX_DIR first"
for p in paths:
    m = onnx.load(p)
    onnx.checker.check_model(m, full_check=True)
    ort.InferenceSession(p, providers=["CPUExecutionProvider"])
    print("ok", os.path.basename(p), "opset", m.opset_import[0].version, "ir", m.ir_version, len(m.graph.node), "nodes")
print(f"{len(paths)} models pass onnx {onnx.__version__} checker and load in onnxruntime {ort.__version__}")
