"""Exports as ScalpelCompress.QuantExport writes them:

- hf: `model.safetensors` with every tensor fp16 (the quantized linears dequantized), config.json, side files;
- awq: AutoAWQ GEMM folder — each decoder linear as `qweight [K, N/8]`, `qzeros [K/g, N/8]` (int32, 8 codes per
  word in the order 0 2 4 6 1 3 5 7), `scales [K/g, N]` fp16; the rest fp16; `quantization_config`;
- gguf: llama.cpp GGUF v3 through the `gguf` package's writer: `llama.*` hyperparameters, linears rounded by
  ggml's reference quantizers (Q4_0 symmetric / Q4_1 / Q8_0, groups of 32) from the method's weights (for RTN
  from the source weights), q/k rows permuted the llama.cpp way, norms F32, embeddings and head F16.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import torch
from safetensors.torch import save_file

from .quant import LINEARS, QuantResult

SIDE_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
              "preprocessor_config.json", "chat_template.json", "tokenizer.model"]
AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]


class ExportError(Exception):
    pass


def _state(loaded) -> dict[str, torch.Tensor]:
    """Tensors under the names transformers saves (tied heads written once)."""
    sd = loaded.model.state_dict()
    if getattr(loaded.model.config, "tie_word_embeddings", False) or \
            getattr(getattr(loaded.model.config, "text_config", None), "tie_word_embeddings", False):
        sd.pop("lm_head.weight", None)
    return sd


def _config(loaded, layers: int) -> dict:
    cfg = json.loads(json.dumps(loaded.config))
    target = cfg["text_config"] if cfg.get("model_type") == "llava" and "text_config" in cfg else cfg
    target["num_hidden_layers"] = layers
    return cfg


def _write_config(cfg: dict, out: str) -> str:
    path = os.path.join(out, "config.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path


def _side_files(src: str, out: str) -> list[str]:
    copied = []
    for name in SIDE_FILES:
        p = os.path.join(src, name)
        if os.path.exists(p):
            shutil.copyfile(p, os.path.join(out, name))
            copied.append(os.path.join(out, name))
    return copied


def write_hf(loaded, out: str, dtype: torch.dtype = torch.float16) -> list[str]:
    os.makedirs(out, exist_ok=True)
    tensors = {k: v.detach().to(dtype).contiguous().cpu() for k, v in _state(loaded).items()}
    path = os.path.join(out, "model.safetensors")
    save_file(tensors, path + ".tmp", metadata={"format": "pt"})
    os.replace(path + ".tmp", path)
    cfg = _config(loaded, len(loaded.layers))
    cfg["torch_dtype"] = "float32" if dtype == torch.float32 else "float16"
    cfg.pop("quantization_config", None)
    return [path, _write_config(cfg, out)] + _side_files(loaded.folder, out)


def pack(values: torch.Tensor) -> torch.Tensor:
    """[rows, cols] codes < 16 → [rows, cols/8] int32, as AWQPacking.pack."""
    rows, cols = values.shape
    if cols % 8:
        raise ExportError(f"AWQ packing needs a multiple of 8 columns, got {cols}")
    v = values.to(torch.int64).reshape(rows, cols // 8, 8)
    word = torch.zeros(rows, cols // 8, dtype=torch.int64)
    for i, o in enumerate(AWQ_ORDER):
        word |= v[:, :, o] << (4 * i)
    word = torch.where(word >= 1 << 31, word - (1 << 32), word)
    return word.to(torch.int32)


def _layer_prefix(sd: dict[str, torch.Tensor]) -> str:
    for k in sd:
        if k.endswith("layers.0.self_attn.q_proj.weight") and "vision" not in k:
            return k[: -len("0.self_attn.q_proj.weight")]
    raise ExportError("no decoder blocks found in the model's tensors")


def write_awq(loaded, q: QuantResult, out: str) -> list[str]:
    if q.scheme.bits != 4:
        raise ExportError(f"export format awq holds 4-bit codes only (AutoAWQ GEMM); got {q.scheme.bits} bits")
    os.makedirs(out, exist_ok=True)
    sd = _state(loaded)
    prefix = _layer_prefix(sd)
    tensors = {}
    linear_names = {f"{prefix}{i}.{m}.weight": (i, m) for i in range(len(q.linears)) for m in LINEARS}
    for name, v in sd.items():
        if name in linear_names:
            i, m = linear_names[name]
            lin = q.linears[i][m]
            n, k = lin.codes.shape
            if n % 8:
                raise ExportError(f"{name} has {n} outputs; AWQ GEMM packs 8 outputs per word")
            base = name[: -len(".weight")]
            tensors[base + ".qweight"] = pack(lin.codes.T.contiguous())
            tensors[base + ".qzeros"] = pack(lin.zeros.T.contiguous())
            tensors[base + ".scales"] = lin.scales.T.contiguous().to(torch.float16)
            continue
        tensors[name] = v.detach().to(torch.float16).contiguous().cpu()
    path = os.path.join(out, "model.safetensors")
    save_file(tensors, path + ".tmp", metadata={"format": "pt"})
    os.replace(path + ".tmp", path)
    cfg = _config(loaded, len(loaded.layers))
    cfg["torch_dtype"] = "float16"
    skip = ["vision_tower", "multi_modal_projector"] if cfg.get("model_type") == "llava" else None
    cfg["quantization_config"] = {"quant_method": "awq", "bits": 4, "group_size": q.scheme.group_size or -1,
                                  "zero_point": True, "version": "gemm", "modules_to_not_convert": skip}
    return [path, _write_config(cfg, out)] + _side_files(loaded.folder, out)


def _permute(w: np.ndarray, heads: int) -> np.ndarray:
    rows, cols = w.shape
    return w.reshape(heads, 2, rows // heads // 2, cols).swapaxes(1, 2).reshape(rows, cols)


def write_gguf(loaded, q: QuantResult, path: str, source_linears: list[dict[str, torch.Tensor]] | None = None) -> int:
    import gguf

    s = q.scheme
    if s.bits == 8:
        qtype, ftype = gguf.GGMLQuantizationType.Q8_0, 7
    elif s.bits == 4 and s.symmetric:
        qtype, ftype = gguf.GGMLQuantizationType.Q4_0, 2
    elif s.bits == 4:
        qtype, ftype = gguf.GGMLQuantizationType.Q4_1, 3
    else:
        raise ExportError(f"export format gguf holds 4-bit (Q4_0/Q4_1) or 8-bit (Q8_0) weights; got {s.bits} bits")
    from .model import text_config
    c = text_config(loaded.config)
    h = c["hidden_size"]
    heads, kv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    head_dim = c.get("head_dim") or h // heads
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    w = gguf.GGUFWriter(path + ".tmp", "llama")
    w.add_vocab_size(c["vocab_size"])
    w.add_context_length(c.get("max_position_embeddings", 2048))
    w.add_embedding_length(h)
    w.add_block_count(len(q.linears))
    w.add_feed_forward_length(c["intermediate_size"])
    w.add_rope_dimension_count(head_dim)
    w.add_head_count(heads)
    w.add_head_count_kv(kv)
    w.add_layer_norm_rms_eps(float(c.get("rms_norm_eps", 1e-6)))
    rope = c.get("rope_parameters") or {}
    w.add_rope_freq_base(float(c.get("rope_theta", rope.get("rope_theta", 10000.0))))
    w.add_uint32("general.alignment", 32)
    w.add_file_type(ftype)
    w.add_quantization_version(2)
    dec = loaded.decoder
    f16 = lambda t: t.detach().float().cpu().numpy().astype(np.float16)  # noqa: E731
    f32 = lambda t: t.detach().float().cpu().numpy().astype(np.float32)  # noqa: E731
    w.add_tensor("token_embd.weight", f16(dec.embed_tokens.weight))
    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down"}
    for i, layer in enumerate(dec.layers):
        w.add_tensor(f"blk.{i}.attn_norm.weight", f32(layer.input_layernorm.weight))
        for m in LINEARS:
            values = (source_linears[i][m] if source_linears is not None else q.linears[i][m].dequantized()).float().numpy()
            if m == "self_attn.q_proj":
                values = _permute(values, heads)
            elif m == "self_attn.k_proj":
                values = _permute(values, kv)
            data = gguf.quants.quantize(np.ascontiguousarray(values, dtype=np.float32), qtype)
            w.add_tensor(f"blk.{i}.{names[m]}.weight", data, raw_dtype=qtype)
            if m == "self_attn.o_proj":
                w.add_tensor(f"blk.{i}.ffn_norm.weight", f32(layer.post_attention_layernorm.weight))
    w.add_tensor("output_norm.weight", f32(dec.norm.weight))
    if not getattr(loaded.model.config.get_text_config(), "tie_word_embeddings", False):
        w.add_tensor("output.weight", f16(loaded.head.weight))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(path + ".tmp", path)
    return os.path.getsize(path)
