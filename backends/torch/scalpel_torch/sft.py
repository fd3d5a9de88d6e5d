"""LoRA (PEFT) or full supervised fine-tuning with accelerate, following ScalpelTrain's loop:
samples in a SplitMix64-seeded order reshuffled each epoch (SFTDataLoader), `grad_accum` micro-batches of
`batch_size` per optimizer step, the step's loss the mean over all its counted targets, global-norm clipping,
AdamW (β 0.9/0.999, ε 1e-8, decoupled decay) and linear warmup then cosine decay to 0 (the step n uses the
rate at n − 1, as WarmupCosineSchedule). The same function runs in the run's process (one process) or in every
process started by `accelerate launch` / `torchrun` (`python -m scalpel_torch.sft_worker SPEC`), where each
process takes its share of every micro-batch and gradients are averaged by DDP (or sharded by FSDP/ZeRO)."""

from __future__ import annotations

import json
import math
import os
import time
from typing import Callable

import torch
import torch.nn.functional as F

from .data import IGNORE, DataError, read_ids

MASK64 = (1 << 64) - 1


def mix(z: int) -> int:
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def key(*parts: int) -> int:
    acc = 0x517CC1B727220A
    for p in parts:
        acc = mix(acc ^ mix(p & MASK64))
    return acc


class SeededRandom:
    """SplitMix64, as ScalpelTrain.SeededRandom."""

    def __init__(self, seed: int):
        self.state = seed & MASK64

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        return mix(self.state)


def epoch_order(count: int, seed: int, epoch: int, shuffle: bool = True) -> list[int]:
    order = list(range(count))
    if not shuffle or count < 2:
        return order
    rng = SeededRandom(key(seed, epoch))
    for i in range(count - 1, 0, -1):
        j = rng.next() % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


class Loader:
    """Batches in a seeded order, epoch after epoch; its position is (epoch, index)."""

    def __init__(self, n: int, batch_size: int, seed: int, epoch: int = 0, index: int = 0):
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.epoch, self.index = epoch, index
        self.order = epoch_order(n, seed, epoch)

    def next(self) -> list[int]:
        if self.index + self.batch_size > len(self.order) and self.index > 0:
            self.epoch += 1
            self.index = 0
            self.order = epoch_order(self.n, self.seed, self.epoch)
        picked = self.order[self.index:self.index + self.batch_size]
        self.index += len(picked)
        return picked


GOLDEN = 0x9E3779B97F4A7C15
LORA_ORDER = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
              "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


def splitmix_floats(state: int, count: int, low, high):
    """`count` draws of SeededRandom.nextFloat(in: low, high) from `state`; returns (values, new state)."""
    import numpy as np
    with np.errstate(over="ignore"):
        k = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(state) + k * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    lo, hi = np.float32(low), np.float32(high)
    values = lo + (hi - lo) * u
    return values.astype(np.float32), (state + count * GOLDEN) & MASK64


def scalpel_lora_init(model, layers: int, seed: int, rank: int) -> int:
    """Sets every lora_A as ScalpelTrain's TrainableDecoder does (one SplitMix64 stream from `seed`, blocks in
    order, modules in LORA_ORDER, each A[r, in] uniform in ±1/√in) and every lora_B to 0. Returns the count."""
    import numpy as np
    modules = {}
    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
            modules[name] = module
    state = seed & MASK64
    done = 0
    for i in range(layers):
        for suffix in LORA_ORDER:
            match = [m for n, m in modules.items() if n.endswith(f"layers.{i}.{suffix}") and "vision" not in n]
            if not match:
                continue
            m = match[0]
            a = m.lora_A["default"].weight
            fan_in = a.shape[1]
            bound = np.float32(1) / np.sqrt(np.float32(fan_in), dtype=np.float32)
            values, state = splitmix_floats(state, a.numel(), -bound, bound)
            with torch.no_grad():
                a.copy_(torch.from_numpy(values.reshape(a.shape)))
                m.lora_B["default"].weight.zero_()
            done += 1
    return done


def lr_at(step: int, peak: float, warmup: int, total: int, min_ratio: float = 0.0) -> float:
    """WarmupCosineSchedule.lr(at:), in f32 arithmetic as the Swift engine computes it."""
    import numpy as np
    p, m = np.float32(peak), np.float32(min_ratio)
    if step < warmup:
        return float(p * np.float32(step) / np.float32(max(1, warmup)))
    progress = (step - warmup) / max(1, total - warmup)
    cosine = max(0.0, 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))
    return float(p * (m + (np.float32(1) - m) * np.float32(cosine)))


def load_samples(path: str, folder: str, seq_len: int, config: dict | None = None, chat_format: str | None = None) -> list[tuple]:
    """(tokens, labels, pixel values or None) samples: `.ids` and text cut into windows of seq_len (every token a
    label, the short tail dropped; text gets BOS first), LLaVA conversation JSON as SFTData.conversation (labels on
    the assistant turns only; images preprocessed once per file and their tokens expanded)."""
    if path.endswith(".ids"):
        ids = read_ids(path)
    elif path.endswith(".json"):
        return _conversation_samples(path, folder, seq_len, config, chat_format)
    else:
        from .model import tokenizer
        from .prompts import bos_id
        tok = tokenizer(folder)
        with open(path, encoding="utf-8") as f:
            ids = tok.encode(f.read(), add_special_tokens=False)
        bos = bos_id(tok)
        if bos is not None:
            ids = [bos] + ids
    out = [(ids[i:i + seq_len], ids[i:i + seq_len], None) for i in range(0, len(ids) - seq_len + 1, seq_len)]
    if not out:
        raise DataError(f"{path}: the text is shorter than one window of {seq_len} tokens")
    return out


def _conversation_samples(path: str, folder: str, seq_len: int, config: dict | None, chat_format: str | None):
    from .chat import ChatError, llava_records
    from .model import ModelError, read_config
    from .prompts import Prompter
    if seq_len < 2:
        raise DataError(f"{path}: sequence length must be at least 2 (got {seq_len})")
    try:
        records = llava_records(path)
        prompter = Prompter.open(folder, config or read_config(folder), chat_format)
    except (ChatError, ModelError) as e:
        raise DataError(str(e)) from None
    out, cache = [], {}
    for index, rec in enumerate(records):
        what = f"{path}: sample {index}" + (f" (id {rec.id})" if rec.id is not None else "")
        try:
            if rec.image is not None and not prompter.is_llava:
                raise ModelError(f"{what} has an image; a text-only decoder cannot train on it (use a LLaVA model)")
            tokens, labels = prompter.training_sample(rec.messages, seq_len, what)
            pixels = None
            if rec.image is not None:
                if rec.image not in cache:
                    cache[rec.image] = prompter.pixel_values(rec.image)
                pixels = cache[rec.image]
        except ModelError as e:
            raise DataError(str(e)) from None
        out.append((tokens, labels, pixels))
    if not any(any(x != IGNORE for x in l[1:]) for _, l, _ in out):
        raise DataError(f"{path}: no sample has a token to train on (empty data, or no assistant turn)")
    return out


def collate(samples, pad_id: int):
    """Right-padded inputs, next-token targets (IGNORE past each sample's end), the attention mask and the
    samples' pixel values in order (None when no sample shows an image)."""
    length = max(len(s[0]) for s in samples)
    inputs, targets, mask, pixels = [], [], [], []
    for s in samples:
        t, l = s[0], s[1]
        real = len(t)
        inputs.append(t + [pad_id] * (length - real))
        targets.append([l[i + 1] if i + 1 < real else IGNORE for i in range(length)])
        mask.append([1] * real + [0] * (length - real))
        if len(s) > 2 and s[2] is not None:
            pixels.append(s[2])
    return torch.tensor(inputs), torch.tensor(targets), torch.tensor(mask), (torch.cat(pixels, 0) if pixels else None)


def _forward(model, inputs, mask, pixels, device):
    kwargs = {"input_ids": inputs.to(device), "attention_mask": mask.to(device) if not bool(mask.all()) else None,
              "use_cache": False}
    if pixels is not None:
        kwargs["pixel_values"] = pixels.to(device)
    return model(**kwargs).logits.float()


def train(spec: dict, report: Callable[[dict], None] | None = None) -> dict:
    """Runs the fine-tuning described by `spec` (written by the runner; see runner._sft_spec) and saves the
    adapter (LoRA) or the model (full) under spec["out"]. Calls `report` on the main process after every
    optimizer step with {step, loss, lr, tokens, seconds, grad_norm} and for validation losses."""
    from accelerate import Accelerator
    from .model import load as load_model

    acc = Accelerator(cpu=spec.get("device") == "cpu")
    torch.manual_seed(spec["seed"])
    loaded = load_model(spec["model"], dtype=spec.get("dtype", "float32"), device="cpu")
    model = loaded.model
    samples = load_samples(spec["data"], spec["model"], spec["seq_len"], loaded.config, spec.get("chat_format"))
    validation = load_samples(spec["validation"], spec["model"], spec["seq_len"], loaded.config,
                              spec.get("chat_format")) if spec.get("validation") else []
    pad = _pad_id(spec["model"], loaded.config)
    if spec["method"] == "lora":
        from peft import LoraConfig, PeftModel, get_peft_model
        if spec.get("init_adapter"):
            model = PeftModel.from_pretrained(model, spec["init_adapter"], is_trainable=True)
        else:
            targets = spec["targets"]
            cfg = LoraConfig(r=spec["r"], lora_alpha=spec["alpha"], lora_dropout=spec["dropout"],
                             use_rslora=spec["rslora"], target_modules=targets,
                             exclude_modules=r".*(vision_tower|multi_modal_projector).*" if loaded.is_llava else None)
            model = get_peft_model(model, cfg)
            if spec.get("lora_init", "scalpel") == "scalpel":
                scalpel_lora_init(model, len(loaded.layers), spec["seed"], spec["r"])
    else:
        parts = spec.get("parts", ["decoder"])
        for name, p in model.named_parameters():
            p.requires_grad_(_full_part(name) in parts)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("nothing to train: choose LoRA targets or weights for full fine-tuning")
    opt = torch.optim.AdamW(params, lr=spec["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=spec["weight_decay"])
    start_step, epoch, index = 0, 0, 0
    ckpt_dir = os.path.join(spec["out"], "checkpoint")
    if spec.get("resume") and os.path.exists(os.path.join(ckpt_dir, "state.pt")):
        state = torch.load(os.path.join(ckpt_dir, "state.pt"), weights_only=False)
        trainable = [n for n, p in model.named_parameters() if p.requires_grad]
        with torch.no_grad():
            for n, p in model.named_parameters():
                if n in state["params"]:
                    p.copy_(state["params"][n])
        opt.load_state_dict(state["optimizer"])
        start_step, epoch, index = state["step"], state["epoch"], state["index"]
        del trainable
    model, opt = acc.prepare(model, opt)
    model.train()
    loader = Loader(len(samples), spec["batch_size"], spec["seed"], epoch, index)
    world, rank = acc.num_processes, acc.process_index
    if world > spec["batch_size"]:
        raise ValueError(f"{world} processes need sft.batch_size ≥ {world} (each takes a share of every micro-batch)")
    losses = []
    for step in range(start_step + 1, spec["steps"] + 1):
        began = time.monotonic()
        micro = [[samples[i] for i in loader.next()] for _ in range(spec["grad_accum"])]
        total = sum(int((collate(b, pad)[1] != IGNORE).sum()) for b in micro)
        if total == 0:
            raise ValueError("no target in the step's batches counts toward the loss (all labels masked)")
        opt.zero_grad(set_to_none=True)
        loss_sum = 0.0
        tokens = 0
        for b in micro:
            mine = b[rank::world] if world > 1 else b
            if not mine:
                continue
            inputs, targets, mask, pixels = collate(mine, pad)
            tokens += int(mask.sum())
            logits = _forward(model, inputs, mask, pixels, acc.device)
            targets = targets.to(acc.device)
            l = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE, reduction="sum")
            acc.backward(l * (world / total))
            loss_sum += float(l.detach())
        if world > 1:
            t = torch.tensor([loss_sum, float(tokens)], device=acc.device)
            t = acc.reduce(t, reduction="sum")
            loss_sum, tokens = float(t[0]), int(t[1])
        norm = None
        if spec.get("max_grad_norm"):
            norm = float(acc.clip_grad_norm_(params if world == 1 else model.parameters(), spec["max_grad_norm"]))
        lr = lr_at(step - 1, spec["lr"], spec["warmup"], spec["steps"])
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        loss = loss_sum / total
        losses.append(loss)
        seconds = time.monotonic() - began
        if acc.is_main_process and report:
            report({"kind": "loss", "step": step, "loss": loss, "lr": lr, "tokens": tokens, "seconds": seconds,
                    "grad_norm": norm})
        if validation and spec.get("eval_every") and step % spec["eval_every"] == 0:
            v = _validate(model, validation, pad, acc.device, spec["batch_size"])
            if acc.is_main_process and report:
                report({"kind": "validation", "step": step, "loss": v})
        if step % spec["checkpoint_every"] == 0 and step < spec["steps"] and acc.is_main_process:
            _checkpoint(acc.unwrap_model(model), opt, step, loader, ckpt_dir)
    acc.wait_for_everyone()
    final = acc.unwrap_model(model)
    if acc.is_main_process:
        os.makedirs(spec["out"], exist_ok=True)
        if spec["method"] == "lora":
            final.save_pretrained(os.path.join(spec["out"], "adapter"))
            merged = final.merge_and_unload()
        else:
            merged = final
        merged_dir = os.path.join(spec["out"], "model")
        merged.save_pretrained(merged_dir, safe_serialization=True)
        _copy_side_files(spec["model"], merged_dir)
    return {"losses": losses}


def _validate(model, samples, pad, device, batch_size: int) -> float:
    """The mean next-token loss over the validation samples in batches of `batch_size` (as SFTTrainer.evaluate)."""
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(samples), batch_size):
            inputs, targets, mask, pixels = collate(samples[i:i + batch_size], pad)
            logits = _forward(model, inputs, mask, pixels, device)
            targets = targets.to(device)
            total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                           ignore_index=IGNORE, reduction="sum"))
            count += int((targets != IGNORE).sum())
    model.train()
    return total / max(count, 1)


def _pad_id(folder: str, config: dict) -> int:
    """The tokenizer's pad id as the Swift engine pads (`<pad>`, else EOS, else 0); the config's without a tokenizer."""
    from .model import ModelError, text_config, tokenizer
    from .prompts import pad_id
    try:
        return pad_id(tokenizer(folder))
    except ModelError:
        pad = text_config(config).get("pad_token_id", config.get("pad_token_id"))
        return pad if isinstance(pad, int) else 0


def _checkpoint(model, opt, step, loader, folder):
    os.makedirs(folder, exist_ok=True)
    params = {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}
    tmp = os.path.join(folder, "state.pt.tmp")
    torch.save({"params": params, "optimizer": opt.state_dict(), "step": step, "epoch": loader.epoch,
                "index": loader.index}, tmp)
    os.replace(tmp, os.path.join(folder, "state.pt"))


def _full_part(name: str) -> str:
    if "vision_tower" in name:
        return "vision_tower"
    if "multi_modal_projector" in name:
        return "projector"
    if "embed_tokens" in name:
        return "embeddings"
    if "lm_head" in name:
        return "lm_head"
    return "decoder"


def _copy_side_files(src: str, dst: str) -> None:
    import shutil
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
                 "preprocessor_config.json", "chat_template.json", "tokenizer.model", "processor_config.json"):
        p = os.path.join(src, name)
        if os.path.exists(p) and not os.path.exists(os.path.join(dst, name)):
            shutil.copyfile(p, os.path.join(dst, name))


def main_worker(spec_path: str) -> int:
    """Entry of every launched process: rank 0 prints one JSON line per report on stdout."""
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)

    def report(r: dict) -> None:
        print(json.dumps(r), flush=True)

    train(spec, report)
    return 0
