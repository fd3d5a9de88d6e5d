#!/usr/bin/env python3
"""PyTorch training throughput on the SmolLM2-135M shape, the counterpart of ScalpelTrainTests'
"Training benchmark": random weights, batch 4 x 256, LoRA r=8 (alpha 16, dropout 0.05, all seven
projections, PEFT) and full fine-tuning, AdamW, clip_grad_norm_(1.0), float32, eager attention.
Run:  .venv-torch/bin/python scripts/bench/pytorch_train_baseline.py [--threads 2] [--steps 3]
"""
import argparse
import resource
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def model():
    torch.manual_seed(3)
    cfg = LlamaConfig(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                      num_attention_heads=9, num_key_value_heads=3, rms_norm_eps=1e-5, rope_theta=100000.0,
                      tie_word_embeddings=True, max_position_embeddings=2048, attn_implementation="eager")
    return LlamaForCausalLM(cfg).float()


def run(m, params, steps):
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, 49152, (4, 256), generator=g)

    def step():
        opt.zero_grad()
        loss = m(input_ids=ids, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - start) / steps
    return 1024 / seconds, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    from peft import LoraConfig, get_peft_model
    lora = get_peft_model(model(), LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, task_type="CAUSAL_LM",
                                              target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                              "up_proj", "down_proj"]))
    lora.train()
    tps, s = run(lora, [p for p in lora.parameters() if p.requires_grad], args.steps)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"torch lora: {tps:.1f} tokens/s, {s:.2f} s/step, peak RSS {rss} MiB")
    full = model()
    full.train()
    tps, s = run(full, list(full.parameters()), args.steps)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"torch full: {tps:.1f} tokens/s, {s:.2f} s/step, peak RSS {rss} MiB")


if __name__ == "__main__":
    main()
