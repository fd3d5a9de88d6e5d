#!/usr/bin/env python3
"""Writes malformed model files into a folder, one per case, for scripts/checks/hostile-inputs.sh.

Each case is `<name>` (a file or a folder) plus a line in `cases.tsv`: name, command, expected words
in the error message. Standard library only, so CI needs nothing extra.
"""
import json
import os
import shutil
import struct
import sys

out = sys.argv[1]
fixtures = sys.argv[2]  # Tests/ScalpelModelsTests/Fixtures/models
os.makedirs(out, exist_ok=True)
cases = []


def st_file(name, header, data=b"", raw_len=None):
    blob = json.dumps(header).encode() if isinstance(header, dict) else header
    length = len(blob) if raw_len is None else raw_len
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<Q", length) + blob + data)
    return name


def case(name, command, words):
    cases.append((name, command, words))


good = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
case(st_file("lying-length.safetensors", good, b"\0" * 16, raw_len=1 << 40), "inspect", "header")
case(st_file("not-json.safetensors", b"{this is not json", b""), "inspect", "JSON")
case(st_file("outside.safetensors", {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 1600]}}, b"\0" * 16), "inspect", "w")
case(st_file("overlap.safetensors", {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                     "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}, b"\0" * 24), "inspect", "overlap")
case(st_file("count-mismatch.safetensors", {"w": {"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 16]}}, b"\0" * 16), "inspect", "w")
case(st_file("shape-overflow.safetensors", {"w": {"dtype": "F32", "shape": [1 << 40, 1 << 40], "data_offsets": [0, 16]}}, b"\0" * 16), "inspect", "w")
case(st_file("unknown-dtype.safetensors", {"w": {"dtype": "F17", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 16), "inspect", "F17")
with open(os.path.join(out, "empty.safetensors"), "wb"):
    pass
case("empty.safetensors", "inspect", "empty")
with open(os.path.join(out, "short.safetensors"), "wb") as f:
    f.write(b"\x05\x00")
case("short.safetensors", "inspect", "")


def gguf(name, body):
    with open(os.path.join(out, name), "wb") as f:
        f.write(body)
    return name


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


case(gguf("bad-magic.gguf", b"GGUX" + struct.pack("<IQQ", 3, 0, 0)), "inspect", "magic")
case(gguf("v1.gguf", b"GGUF" + struct.pack("<IQQ", 1, 0, 0)), "inspect", "version")
case(gguf("truncated.gguf", b"GGUF" + struct.pack("<I", 3) + b"\x01"), "inspect", "")
case(gguf("huge-tensor-count.gguf", b"GGUF" + struct.pack("<IQQ", 3, 1 << 60, 0)), "inspect", "tensor")
case(gguf("huge-kv-count.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1 << 60)), "inspect", "")
case(gguf("huge-string.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1 << 62) + b"abc"), "inspect", "")
case(gguf("huge-array.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + gstr("general.arr") + struct.pack("<IIQ", 9, 4, 1 << 61)), "inspect", "")
case(gguf("no-architecture.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 0)), "inspect", "")

# Folders: configs that lie about the weights.
src = os.path.join(fixtures, "llama-fp32")


def folder(name, edit):
    dst = os.path.join(out, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    with open(os.path.join(dst, "config.json")) as f:
        cfg = json.load(f)
    edit(cfg, dst)
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(cfg, f)
    return name


case(folder("more-layers", lambda c, d: c.update(num_hidden_layers=5)), "forward", "layers.2")
case(folder("wrong-width", lambda c, d: c.update(intermediate_size=128)), "forward", "shape")
case(folder("heads-not-dividing", lambda c, d: c.update(num_attention_heads=5, head_dim=None) or c.pop("head_dim")), "inspect", "head")
case(folder("missing-key", lambda c, d: c.pop("hidden_size")), "inspect", "hidden_size")
case(folder("config-not-json", lambda c, d: None), "inspect", "")
with open(os.path.join(out, "config-not-json", "config.json"), "w") as f:
    f.write('{"model_type": "llama", "hidden_size": ')
case(folder("unknown-model-type", lambda c, d: c.update(model_type="gpt_neox")), "inspect", "gpt_neox")
case(folder("truncated-weights", lambda c, d: None), "forward", "")
path = os.path.join(out, "truncated-weights", "model.safetensors")
with open(path, "rb") as f:
    data = f.read()
with open(path, "wb") as f:
    f.write(data[: len(data) // 2])
os.makedirs(os.path.join(out, "no-config"), exist_ok=True)
case("no-config", "inspect", "config.json")
case("does-not-exist", "inspect", "no such")

with open(os.path.join(out, "cases.tsv"), "w") as f:
    for name, command, words in cases:
        f.write(f"{name}\t{command}\t{words}\n")
print(f"{len(cases)} hostile inputs in {out}")
