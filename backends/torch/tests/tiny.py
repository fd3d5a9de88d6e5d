"""Tiny models and data for the conformance suite, made at test time (seeded, a few hundred kB)."""

from __future__ import annotations

import json
import os
import random
import string

# Printable characters the char-level tokenizer knows (ids 3…); 0–2 are <unk>, <s>, </s>.
ALPHABET = string.ascii_lowercase + string.digits + " .,;:!?-'()\n"


def byte_level(ch: str) -> str:
    """GPT-2 byte-level alphabet for one ASCII character."""
    b = ord(ch)
    if 33 <= b <= 126:
        return ch
    # bytes outside the printable range map to 256 + their rank among them
    others = [x for x in range(256) if not (33 <= x <= 126 or 161 <= x <= 172 or 174 <= x <= 255)]
    return chr(256 + others.index(b))


def write_tokenizer(folder: str) -> dict[str, int]:
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for ch in ALPHABET:
        vocab[byte_level(ch)] = len(vocab)
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for t, i in list(vocab.items())[:3]],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": []},
    }
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f)
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                   "unk_token": "<unk>", "model_max_length": 512}, f)
    return vocab


def make_llama(folder: str, layers: int = 6, hidden: int = 64, heads: int = 4, kv_heads: int = 2,
               intermediate: int = 128, seed: int = 0, std: float = 0.08) -> str:
    """A random LLaMA (f32 safetensors) with a char-level tokenizer; weights drawn wide enough that blocks
    differ in importance."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    os.makedirs(folder, exist_ok=True)
    vocab = 3 + len(ALPHABET)
    vocab += (-vocab) % 8
    config = LlamaConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=intermediate,
                         num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv_heads,
                         head_dim=hidden // heads, max_position_embeddings=256, rms_norm_eps=1e-5,
                         bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False,
                         initializer_range=std)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).to(torch.float32)
    with torch.no_grad():
        g = torch.Generator().manual_seed(seed + 1)
        for i, layer in enumerate(model.model.layers):
            # Uneven blocks: later ones scaled down so the criteria have something to rank.
            scale = 1.0 + 2.0 * ((i * 7) % layers) / layers
            for p in layer.parameters():
                if p.dim() == 2:
                    p.mul_(scale)
            layer.input_layernorm.weight.copy_(1 + 0.1 * torch.randn(hidden, generator=g))
            layer.post_attention_layernorm.weight.copy_(1 + 0.1 * torch.randn(hidden, generator=g))
    model.save_pretrained(folder, safe_serialization=True)
    write_tokenizer(folder)
    return folder


WORDS = ("the lesion shows a raised border with scale and irregular pigment; benign nevus, seborrheic keratosis, "
         "melanoma in situ, basal cell carcinoma. dermoscopy: dots, globules, streaks (12 of 40 cases).").split()


def write_text(path: str, words: int = 1200, seed: int = 0) -> str:
    rng = random.Random(seed)
    out = []
    for i in range(words):
        out.append(rng.choice(WORDS))
        if i % 17 == 16:
            out.append("\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write(" ".join(out).replace(" \n ", "\n"))
    return path


def write_ids(path: str, count: int, vocab: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write(" ".join(str(rng.randrange(3, vocab)) for _ in range(count)))
    return path
