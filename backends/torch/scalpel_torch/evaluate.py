"""Evaluation of the final model: VQA exact match (scored as ScalpelData.VQAEvaluation: normalised text,
numbers by first number, lists as sets) and perplexity (mean next-token loss over windows of text)."""

from __future__ import annotations

import json
import math
import re

import torch
import torch.nn.functional as F

from .data import DataError, read_conversations, text_windows, token_stream
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


def vqa_items(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    if not isinstance(records, list):
        raise DataError(f"{path}: not a JSON array of conversation records")
    items = []
    for i, rec in enumerate(records):
        if "id" not in rec:
            raise DataError(f"{path}: record {i} has no id")
        gpt = next((t for t in rec.get("conversations", []) if t.get("from") == "gpt"), None)
        if gpt is None:
            raise DataError(f"{path}: record {rec['id']} has no gpt answer")
        items.append({"id": str(rec["id"]), "type": rec.get("type", "all"), "reference": gpt["value"]})
    return items


def accuracy(loaded: Loaded, path: str, limit: int | None = None, max_new_tokens: int = 32) -> dict:
    """Greedy answers to each record's first question (with its image) through the folder's processor."""
    from transformers import AutoProcessor
    try:
        from PIL import Image
    except ImportError:
        raise DataError("VQA accuracy needs pillow (pip install 'scalpel-torch[vision]')") from None
    items = vqa_items(path)[: limit or None]
    records = read_conversations(path)[: len(items)]
    processor = AutoProcessor.from_pretrained(loaded.folder)
    predictions = {}
    for it, rec in zip(items, records):
        prompt = processor.apply_chat_template(rec["messages"][:1], add_generation_prompt=True, tokenize=False)
        images = [Image.open(rec["image"]).convert("RGB")] if rec.get("image") else None
        batch = processor(text=prompt, images=images, return_tensors="pt").to(loaded.device)
        with torch.no_grad():
            out = loaded.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False)
        predictions[it["id"]] = processor.decode(out[0, batch["input_ids"].shape[1]:], skip_special_tokens=True).strip()
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
