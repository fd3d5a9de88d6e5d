"""Block pruning of a Hugging Face folder, as ScalpelCompress.BlockPruner: the kept decoder blocks renumbered in
order with their stored dtype and values, every other tensor unchanged, `num_hidden_layers` (under
`text_config` for LLaVA) set and any config list with one entry per layer cut; other plain files copied; shards
of at most 4 GiB with an index when bigger. Written under a temporary name beside the target, then renamed."""

from __future__ import annotations

import json
import os
import re
import shutil

from safetensors import safe_open
from safetensors.torch import save_file

from .model import read_config

SHARD_BYTES = 4 << 30


class PruneError(Exception):
    pass


def weight_files(folder: str) -> list[str]:
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            return sorted({os.path.join(folder, v) for v in json.load(f)["weight_map"].values()})
    single = os.path.join(folder, "model.safetensors")
    if os.path.exists(single):
        return [single]
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".safetensors"))
    if not files:
        raise PruneError(f"{folder}: no .safetensors weights")
    return files


def decoder_layer_prefix(names: list[str]) -> str:
    prefixes = set()
    for n in names:
        m = re.match(r"^(.*?layers\.)\d+\.", n)
        if m and "vision" not in m.group(1):
            prefixes.add(m.group(1))
    if len(prefixes) != 1:
        raise PruneError(f"cannot find the decoder blocks among the tensor names (prefixes: {sorted(prefixes) or 'none'})")
    return prefixes.pop()


def pruned_config(config: dict, drop: list[int], layers: int) -> dict:
    def edit(d: dict) -> None:
        d["num_hidden_layers"] = layers - len(drop)
        for k, v in list(d.items()):
            if isinstance(v, list) and len(v) == layers:
                d[k] = [x for i, x in enumerate(v) if i not in drop]
    out = json.loads(json.dumps(config))
    if out.get("model_type") == "llava":
        text = out.setdefault("text_config", {})
        edit(text)
    else:
        edit(out)
    return out


def prune(folder: str, drop: list[int], out: str) -> dict:
    """Writes `out` without the blocks in `drop`. Returns a summary."""
    config = read_config(folder)
    tc = config.get("text_config", config) if config.get("model_type") == "llava" else config
    layers = tc.get("num_hidden_layers")
    if not isinstance(layers, int):
        raise PruneError(f"{folder}/config.json: no num_hidden_layers")
    if not drop:
        raise PruneError("no block to drop")
    if len(set(drop)) != len(drop):
        raise PruneError(f"a block is listed twice in {drop}")
    bad = [i for i in drop if not (0 <= i < layers)]
    if bad:
        raise PruneError(f"block {bad[0]} is out of range (the model has {layers} blocks: 0…{layers - 1})")
    if len(drop) >= layers:
        raise PruneError(f"dropping {len(drop)} of {layers} blocks leaves none")
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise PruneError(f"{out} exists and is not an empty folder")
    files = weight_files(folder)
    names: list[tuple[str, str]] = []
    for path in files:
        with safe_open(path, framework="pt") as f:
            names.extend((n, path) for n in f.keys())
    prefix = decoder_layer_prefix([n for n, _ in names])
    dropped = set(drop)
    new_index = {}
    k = 0
    for i in range(layers):
        if i not in dropped:
            new_index[i] = k
            k += 1
    plan: list[tuple[str, str, str]] = []  # new name, old name, file
    for name, path in names:
        if name.startswith(prefix):
            rest = name[len(prefix):]
            idx, _, tail = rest.partition(".")
            if idx.isdigit():
                if int(idx) in dropped:
                    continue
                plan.append((f"{prefix}{new_index[int(idx)]}.{tail}", name, path))
                continue
        plan.append((name, name, path))
    parent = os.path.dirname(os.path.abspath(out)) or "."
    temp = os.path.join(parent, f".{os.path.basename(os.path.abspath(out))}.tmp-{os.getpid()}")
    shutil.rmtree(temp, ignore_errors=True)
    os.makedirs(temp)
    try:
        handles = {p: safe_open(p, framework="pt") for p in files}
        shards: list[list[tuple[str, str, str]]] = [[]]
        size = 0
        sizes = {}
        for item in plan:
            t = handles[item[2]].get_slice(item[1])
            shape = t.get_shape()
            nbytes = _dtype_bytes(t.get_dtype())
            for s in shape:
                nbytes *= s
            sizes[item[0]] = nbytes
            if size > 0 and size + nbytes > SHARD_BYTES:
                shards.append([])
                size = 0
            shards[-1].append(item)
            size += nbytes
        weight_map = {}
        total = 0
        for j, shard in enumerate(shards):
            fname = "model.safetensors" if len(shards) == 1 else f"model-{j + 1:05d}-of-{len(shards):05d}.safetensors"
            tensors = {new: handles[p].get_tensor(old).contiguous() for new, old, p in shard}
            save_file(tensors, os.path.join(temp, fname), metadata={"format": "pt"})
            for new, _, _ in shard:
                weight_map[new] = fname
                total += sizes[new]
        if len(shards) > 1:
            with open(os.path.join(temp, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
                json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
        with open(os.path.join(temp, "config.json"), "w", encoding="utf-8") as f:
            json.dump(pruned_config(config, sorted(dropped), layers), f, indent=2, sort_keys=True)
            f.write("\n")
        for name in os.listdir(folder):
            src = os.path.join(folder, name)
            if (name == "config.json" or name.endswith(".safetensors") or name == "model.safetensors.index.json"
                    or name.startswith(".") or not os.path.isfile(src)):
                continue
            shutil.copyfile(src, os.path.join(temp, name))
        if os.path.isdir(out):
            os.rmdir(out)
        os.rename(temp, out)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return {"original_layers": layers, "kept_layers": layers - len(drop), "dropped": sorted(dropped),
            "tensors_written": len(plan), "bytes_written": total, "shards": len(shards)}


def _dtype_bytes(dtype: str) -> int:
    return {"F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
            "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}.get(dtype, 4)


def folder_bytes(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
