"""Calibration and evaluation data as the Swift engine reads it (ScalpelCompress.CalibrationSet):
plain text tokenized without special tokens and cut into consecutive windows of `seq_len` tokens (the first
`samples` of them; a short last window kept when it has ≥ 2 tokens), `.ids` files of whitespace-separated
token ids cut the same way, and LLaVA conversation JSON (rendered in the model's chat format, images through its
vision tower; see `prompts`)."""

from __future__ import annotations

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
    """LLaVA conversation JSON as CalibrationSet.conversations: each record rendered in the model's chat format
    without the generation prompt, tokenized with special tokens, each image token repeated once per image
    feature and those rows of the input embeddings filled with the vision tower's projected features; cut to
    `seq_len`."""
    from .chat import ChatError, calibration_records
    from .model import ModelError
    from .prompts import Prompter
    try:
        records = calibration_records(path)
    except ChatError as e:
        raise DataError(str(e)) from None
    chosen = records[:samples]
    if not chosen:
        raise DataError(f"{path}: the conversation file holds no records")
    warnings = []
    try:
        prompter = Prompter.open(loaded.folder, loaded.config)
        note = prompter.check(chosen[0].messages)
        if note:
            warnings.append(f"{loaded.folder}: {note}; using the {prompter.format.name} format")
        seqs, classes, embeds = [], [], []
        for i, rec in enumerate(chosen):
            shown = sum(m.images for m in rec.messages)
            if shown and (shown != 1 or rec.image is None) and prompter.is_llava:
                raise DataError(f"{path}: record {i}: one image per record is supported (found {shown} placeholders, "
                                f"image {rec.image or 'none'})")
            ids = prompter.prompt_ids(rec.messages, f"{path}: record {i}", generation=False)
            if len(ids) > seq_len:
                warnings.append(f"record {i}: {len(ids)} tokens cut to {seq_len}")
            pixels = prompter.pixel_values(rec.image) if shown else None
            ids = ids[:seq_len]
            t = torch.tensor(ids, device=loaded.device)
            with torch.no_grad():
                e = loaded.model.get_input_embeddings()(t[None])
                if pixels is not None:
                    feats = image_features(loaded, pixels)
                    mask = t == prompter.image_token
                    e[0, mask] = feats[: int(mask.sum())].to(e.dtype)
            seqs.append(ids)
            classes.append([2 if prompter.is_llava and x == prompter.image_token else 1 for x in ids])
            embeds.append(e[0])
    except ModelError as e:
        raise DataError(str(e)) from None
    s = CalibrationSet(seqs, classes, seq_len, warnings=warnings, embeddings=embeds)
    if len(chosen) < samples:
        s.warnings.append(f"the file gave {len(chosen)} sample(s), fewer than the {samples} asked")
    return s


def image_features(loaded, pixels: torch.Tensor) -> torch.Tensor:
    """The projected image features of a LLaVA model, [images·features, hidden]."""
    feats = loaded.model.get_image_features(pixel_values=pixels.to(loaded.device, torch.float32),
                                            vision_feature_layer=loaded.config.get("vision_feature_layer", -2),
                                            vision_feature_select_strategy=loaded.config.get("vision_feature_select_strategy", "default"))
    if hasattr(feats, "pooler_output"):
        feats = feats.pooler_output
    if isinstance(feats, (list, tuple)):
        feats = torch.cat([f.reshape(-1, f.shape[-1]) for f in feats], 0)
    return feats.reshape(-1, feats.shape[-1])
