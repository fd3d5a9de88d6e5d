"""Evaluation of the final model: VQA exact match (scored as ScalpelData.VQAEvaluation: normalised text,
numbers by first number, lists as sets) and perplexity (mean next-token loss over windows of text)."""

from __future__ import annotations

import json
import math
import re

import torch
import torch.nn.functional as F

from .data import DataError, text_windows, token_stream
from .model import Loaded

NUMBER_WORDS = {"zero": "0", "none": "0", "no": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10"}
SPELLINGS = {"gray": "grey", "color": "colour", "colors": "colours"}
FILLERS = ["the answer is ", "answer ", "it is ", "the lesion is ", "this lesion is ", "the lesion has "]


def normalise(text: str) -> str:
    cleaned = "".join(ch if (ch.isalpha() or ch.isnumeric() or ch in ",;&") else " " for ch in text.lower())
    spaced = "".join(f" {ch} " if ch in ",;&" else ch for ch in cleaned)
    words = [SPELLINGS.get(w, w) for w in spaced.split(" ") if w]
    out = " ".join(words)
    for filler in FILLERS:
        if out.startswith(filler):
            out = out[len(filler):]
    return out


def first_number(text: str) -> str | None:
    for w in re.split(r"[ ,;]", text):
        if not w:
            continue
        if all(c.isnumeric() for c in w):
            return w
        if w == "no":
            return "0"
        if w in NUMBER_WORDS:
            return NUMBER_WORDS[w]
    return None


def list_items(text: str) -> set[str]:
    sep = text.replace(" and ", ",").replace("&", ",").replace(";", ",")
    items = (" ".join(p.split()) for p in sep.split(","))
    return {i for i in items if i and i != "and"}


def matches(prediction: str, reference: str) -> bool:
    p, r = normalise(prediction), normalise(reference)
    if p == r:
        return True
    if r and all(c.isnumeric() for c in r):
        return first_number(p) == r
    if "," in r or "," in p or " and " in p:
        return list_items(p) == list_items(r)
    return False


def score(items: list[dict], predictions: dict[str, str]) -> dict:
    per_type: dict[str, dict] = {}
    answers: dict[str, dict[str, int]] = {}
    correct = 0
    missing = []
    for it in items:
        s = per_type.setdefault(it["type"], {"n": 0, "correct": 0})
        s["n"] += 1
        p = predictions.get(it["id"])
        if p is None:
            missing.append(it["id"])
        elif matches(p, it["reference"]):
            s["correct"] += 1
            correct += 1
        a = answers.setdefault(it["type"], {})
        key = normalise(it["reference"])
        a[key] = a.get(key, 0) + 1
    majority_correct = 0
    for t, s in per_type.items():
        top = max(answers.get(t, {}).values(), default=0)
        majority_correct += top
        s["accuracy"] = s["correct"] / s["n"] if s["n"] else 0.0
        s["majority"] = top / s["n"] if s["n"] else 0.0
    n = len(items)
    return {"accuracy": correct / n if n else 0.0, "n": n, "correct": correct,
            "majority": majority_correct / n if n else 0.0, "per_type": per_type, "missing": missing}


def vqa_records(path: str) -> list[dict]:
    """VQADataset: SFTData.llavaRecords, each with an id (unique), its turns before the first answer as the
    prompt (at least one human turn) and that answer as the reference."""
    from .chat import ChatError, llava_records
    try:
        records = llava_records(path)
    except ChatError as e:
        raise DataError(str(e)) from None
    seen, out = set(), []
    for index, rec in enumerate(records):
        if rec.id is None:
            raise DataError(f"{path}: record {index} has no id")
        if rec.id in seen:
            raise DataError(f"{path}: id {rec.id} appears twice")
        seen.add(rec.id)
        answer = next((k for k, m in enumerate(rec.messages) if m.role == "assistant"), None)
        if answer is None:
            raise DataError(f"{path}: record {rec.id} has no gpt answer")
        prompt = rec.messages[:answer]
        if not any(m.role == "user" for m in prompt):
            raise DataError(f"{path}: record {rec.id} has no human turn before its answer")
        out.append({"id": rec.id, "type": rec.type, "reference": rec.messages[answer].text, "prompt": prompt,
                    "image": rec.image})
    return out


def vqa_items(path: str) -> list[dict]:
    return vqa_records(path)


def accuracy(loaded: Loaded, path: str, limit: int | None = None, max_new_tokens: int = 24) -> dict:
    """VQAEvaluator: each record's prompt in the model's chat format with the generation cue, tokenized with
    special tokens (image tokens expanded, the image through the vision tower), answered greedily for at most
    `max_new_tokens` tokens (stopping at EOS and the format's stop tokens), decoded without special tokens, cut
    at the format's stop strings and trimmed."""
    from .model import ModelError
    from .prompts import Prompter, pad_id
    items = vqa_records(path)[: limit or None]
    try:
        prompter = Prompter.open(loaded.folder, loaded.config)
    except ModelError as e:
        raise DataError(str(e)) from None
    stops = prompter.stop_ids()
    predictions = {}
    for it in items:
        try:
            ids = prompter.prompt_ids(it["prompt"], f"record {it['id']}", generation=True)
            pixels = prompter.pixel_values(it["image"]) if prompter.is_llava and prompter.image_count(ids) else None
        except ModelError as e:
            raise DataError(str(e)) from None
        inputs = {"input_ids": torch.tensor([ids], device=loaded.device),
                  "attention_mask": torch.ones(1, len(ids), dtype=torch.long, device=loaded.device)}
        if pixels is not None:
            inputs["pixel_values"] = pixels.to(loaded.device, next(loaded.model.parameters()).dtype)
        with torch.no_grad():
            out = loaded.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                                        eos_token_id=stops or None, pad_token_id=pad_id(prompter.tok),
                                        temperature=None, top_p=None, top_k=None)
        text = prompter.tok.decode(out[0, len(ids):].tolist(), skip_special_tokens=True)
        for stop in prompter.format.stop_strings:
            if stop in text:
                text = text[:text.index(stop)]
        predictions[it["id"]] = text.strip()
    report = score(items, predictions)
    report["predictions"] = predictions
    return report


def perplexity(loaded: Loaded, path: str, seq_len: int = 256, limit: int | None = None) -> dict:
    """exp(mean next-token loss) over consecutive windows of `seq_len` tokens (first `limit` windows)."""
    stream = token_stream(path, loaded.folder)
    windows = text_windows(stream, limit or 1 << 30, seq_len)
    total, count = 0.0, 0
    for seq in windows.sequences:
        ids = torch.tensor([seq], device=loaded.device)
        with torch.no_grad():
            logits = loaded.logits(ids=ids).float()
        total += float(F.cross_entropy(logits[0, :-1], ids[0, 1:], reduction="sum"))
        count += len(seq) - 1
    loss = total / max(count, 1)
    return {"perplexity": math.exp(loss), "loss": loss, "tokens": count}
