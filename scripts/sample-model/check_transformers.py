#!/usr/bin/env python3
"""Checks that transformers loads the sample model and computes the logits Scalpel computes.

Run:  scripts/fixtures/venv.sh && .venv-torch/bin/python scripts/sample-model/check_transformers.py \
          [--model sample-models/derm-llava-tiny] [--scalpel .build/release/scalpel]
For the first questions of the model folder's synthderm-test.json: the prompt (LLaVA-1.5 format, BOS
from the tokenizer's template, the image token repeated once per image feature) is run through
LlavaForConditionalGeneration (pixel values from CLIPImageProcessor with the folder's
preprocessor_config.json) and through `scalpel forward --image`, and the largest absolute logit
difference is printed; it also prints transformers' greedy answer beside the reference.
Exits non-zero when the difference exceeds --tolerance or a load step warns of missing weights.
"""
import argparse
import json
import os
import subprocess
import sys

import torch
from PIL import Image
from transformers import CLIPImageProcessor, LlavaForConditionalGeneration, PreTrainedTokenizerFast

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "sample-models", "derm-llava-tiny"))
    ap.add_argument("--scalpel", default=os.path.join(ROOT, ".build", "release", "scalpel"))
    ap.add_argument("--questions", type=int, default=3)
    ap.add_argument("--tolerance", type=float, default=1e-3)
    args = ap.parse_args()

    tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(args.model, "tokenizer.json"))
    proc = CLIPImageProcessor.from_pretrained(args.model)
    model, info = LlavaForConditionalGeneration.from_pretrained(
        args.model, torch_dtype=torch.float32, attn_implementation="eager", output_loading_info=True)
    model.eval()
    missing = info.get("missing_keys", []) if isinstance(info, dict) else []
    if missing:
        print("missing weights:", missing)
        return 1
    cfg = model.config
    n_feat = (cfg.vision_config.image_size // cfg.vision_config.patch_size) ** 2
    data = json.load(open(os.path.join(args.model, "synthderm-test.json")))
    worst = 0.0
    eos = cfg.text_config.eos_token_id
    for rec in data[: args.questions]:
        question = rec["conversations"][0]["value"].replace("<image>\n", "")
        text = "USER: <image>\n" + question + " ASSISTANT:"
        ids = tok(text)["input_ids"]
        ids = [t for i in ids for t in ([i] * n_feat if i == cfg.image_token_index else [i])]
        image_path = os.path.join(args.model, rec["image"])
        pixels = proc(images=Image.open(image_path).convert("RGB"), return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            ref = model(input_ids=torch.tensor([ids]), pixel_values=pixels).logits[0]
            out = model.generate(input_ids=torch.tensor([ids]), pixel_values=pixels, max_new_tokens=24,
                                 do_sample=False, eos_token_id=eos)
        answer = tok.decode(out[0, len(ids):], skip_special_tokens=True).strip()
        res = subprocess.run([args.scalpel, "forward", args.model, "--tokens", ",".join(map(str, ids)),
                              "--image", image_path, "--json"], capture_output=True, text=True, check=True)
        mine = torch.tensor(json.loads(res.stdout)["logits"])
        diff = (mine - ref).abs().max().item()
        worst = max(worst, diff)
        print(f"{rec['id']}: max |logit difference| {diff:.3g}; transformers answers {answer!r}, reference {rec['conversations'][1]['value']!r}")
    print(f"largest logit difference over {min(args.questions, len(data))} prompts: {worst:.3g} (tolerance {args.tolerance})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
