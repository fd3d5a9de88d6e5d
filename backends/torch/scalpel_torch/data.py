"""Calibration and evaluation data as the Swift engine reads it (ScalpelCompress.CalibrationSet):
plain text tokenized without special tokens and cut into consecutive windows of `seq_len` tokens (the first
`samples` of them; a short last window kept when it has ≥ 2 tokens), `.ids` files of whitespace-separated
token ids cut the same way, and LLaVA conversation JSON (through the model folder's processor)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import torch

IGNORE = -100


class DataError(Exception):
    pass


@dataclass
class CalibrationSet:
    """Token sequences (each ≥ 2 tokens, at most seq_len) with per-token classes (1 text, 2 image)."""
    sequences: list[list[int]]
    classes: list[list[int]]
    seq_len: int
    warnings: list[str] = field(default_factory=list)
    # Optional per-sequence input embeddings (LLaVA: image features spliced in).
    embeddings: list[torch.Tensor] | None = None

    @property
    def batch(self) -> int:
        return len(self.sequences)

    def targets(self, b: int) -> list[int]:
        """Next-token targets of sequence b where the next token is text, else IGNORE."""
        seq, cls = self.sequences[b], self.classes[b]
        return [seq[t + 1] if t + 1 < len(seq) and cls[t + 1] == 1 else IGNORE for t in range(len(seq))]

    @property
    def predicted_tokens(self) -> int:
        return sum(sum(1 for x in self.targets(b) if x != IGNORE) for b in range(self.batch))

    @property
    def real_tokens(self) -> int:
        return sum(len(s) for s in self.sequences)

    def groups(self) -> list[list[int]]:
        """Sequence indices grouped by length (one unpadded batch each; right padding never changes a causal
        model's real positions, so this equals the Swift engine's padded batches)."""
        by_len: dict[int, list[int]] = {}
        for i, s in enumerate(self.sequences):
            by_len.setdefault(len(s), []).append(i)
        return [by_len[k] for k in sorted(by_len, reverse=True)]


def read_ids(path: str) -> list[int]:
    with open(path, encoding="utf-8") as f:
        words = f.read().split()
    out = []
    for w in words:
        try:
            out.append(int(w))
        except ValueError:
            raise DataError(f"{path}: '{w}' is not a token id") from None
    return out


def text_windows(stream: list[int], samples: int, seq_len: int) -> CalibrationSet:
    if samples < 1 or seq_len < 2:
        raise DataError(f"need at least one sample of at least 2 tokens (got {samples} × {seq_len})")
    windows: list[list[int]] = []
    start = 0
    while len(windows) < samples and start < len(stream):
        w = stream[start:start + seq_len]
        if len(w) >= 2:
            windows.append(w)
        start += seq_len
    if not windows:
        raise DataError(f"the calibration text holds {len(stream)} tokens; at least 2 are needed")
    s = CalibrationSet(windows, [[1] * len(w) for w in windows], min(seq_len, max(len(w) for w in windows)))
    if len(windows) < samples:
        s.warnings.append(f"the text gave {len(windows)} sample(s) of up to {seq_len} tokens, fewer than the {samples} asked")
    return s


def token_stream(path: str, model_folder: str) -> list[int]:
    """Token ids of a text or .ids file (text: the model's tokenizer, no special tokens)."""
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file")
    if path.endswith(".ids"):
        return read_ids(path)
    from .model import tokenizer

    with open(path, encoding="utf-8") as f:
        text = f.read()
    return tokenizer(model_folder).encode(text, add_special_tokens=False)


def calibration(path: str, loaded, samples: int, seq_len: int) -> CalibrationSet:
    if path.endswith(".json"):
        return conversations(path, loaded, samples, seq_len)
    return text_windows(token_stream(path, loaded.folder), samples, seq_len)


def conversations(path: str, loaded, samples: int, seq_len: int) -> CalibrationSet:
    """LLaVA conversation JSON through the folder's processor (chat template + image features)."""
    from transformers import AutoProcessor
    try:
        from PIL import Image
    except ImportError:
        raise DataError("LLaVA conversation data needs pillow (pip install 'scalpel-torch[vision]')") from None
    records = read_conversations(path)[:samples]
    try:
        processor = AutoProcessor.from_pretrained(loaded.folder)
    except Exception as e:  # noqa: BLE001 - transformers raises many kinds
        raise DataError(f"{loaded.folder}: no processor for conversation data ({e})") from None
    image_id = loaded.config.get("image_token_index", loaded.config.get("image_token_id", 32000))
    seqs, classes, embeds = [], [], []
    for rec in records:
        text = processor.apply_chat_template(rec["messages"], tokenize=False)
        images = [Image.open(rec["image"]).convert("RGB")] if rec.get("image") else None
        batch = processor(text=text, images=images, return_tensors="pt")
        ids = batch["input_ids"][0][:seq_len]
        with torch.no_grad():
            e = loaded.model.get_input_embeddings()(ids[None].to(loaded.device))
            if images is not None:
                feats = loaded.model.get_image_features(pixel_values=batch["pixel_values"].to(loaded.device),
                                                        vision_feature_layer=loaded.config.get("vision_feature_layer", -2),
                                                        vision_feature_select_strategy=loaded.config.get("vision_feature_select_strategy", "default"))
                feats = torch.cat(list(feats), 0) if isinstance(feats, (list, tuple)) else feats.reshape(-1, e.shape[-1])
                mask = ids == image_id
                e[0, mask.to(e.device)] = feats[: int(mask.sum())].to(e.dtype)
        seqs.append(ids.tolist())
        classes.append([2 if t == image_id else 1 for t in ids.tolist()])
        embeds.append(e[0])
    s = CalibrationSet(seqs, classes, seq_len, embeddings=embeds)
    return s


def read_conversations(path: str) -> list[dict]:
    """`[{"image", "conversations": [{"from", "value"}]}]` → chat messages and image paths."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: cannot read conversation JSON ({e})") from None
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a list of conversation records")
    out = []
    base = os.path.dirname(os.path.abspath(path))
    for i, rec in enumerate(data):
        convs = rec.get("conversations") if isinstance(rec, dict) else None
        if not isinstance(convs, list) or not convs:
            raise DataError(f"{path}: record {i} has no conversations")
        messages = []
        for turn in convs:
            role = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}.get(turn.get("from"))
            if role is None:
                raise DataError(f"{path}: record {i}: unknown speaker {turn.get('from')!r}")
            value = str(turn.get("value", ""))
            content = []
            if "<image>" in value:
                content.append({"type": "image"})
                value = value.replace("<image>", "").strip()
            content.append({"type": "text", "text": value})
            messages.append({"role": role, "content": content})
        image = rec.get("image")
        out.append({"messages": messages, "image": os.path.join(base, image) if image else None,
                    "turns": [(t.get("from"), str(t.get("value", ""))) for t in convs]})
    return out
