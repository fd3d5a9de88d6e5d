"""Loading LLaMA / LLaVA Hugging Face folders with transformers, and the parts of the text decoder the
stages work on (embeddings, decoder blocks, final norm, head)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


class ModelError(Exception):
    pass


DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def read_config(folder: str) -> dict[str, Any]:
    path = os.path.join(folder, "config.json")
    if not os.path.isdir(folder):
        raise ModelError(f"{folder}: not a folder (the torch backend reads Hugging Face model folders)")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise ModelError(f"{folder}: no config.json (not a Hugging Face model folder)") from None
    except json.JSONDecodeError as e:
        raise ModelError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(config, dict):
        raise ModelError(f"{path}: not a JSON object")
    return config


def text_config(config: dict[str, Any]) -> dict[str, Any]:
    return config.get("text_config", config) if config.get("model_type") == "llava" else config


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("cpu")
    return torch.device(name)


@dataclass
class Loaded:
    """A loaded model and handles on its text decoder."""
    model: nn.Module
    folder: str
    config: dict[str, Any]
    is_llava: bool

    @property
    def decoder(self) -> nn.Module:
        """The LlamaModel (embed_tokens, layers, norm, rotary_emb)."""
        m = self.model
        if self.is_llava:
            inner = m.model if hasattr(m, "model") else m
            return inner.language_model
        return m.model

    @property
    def layers(self) -> nn.ModuleList:
        return self.decoder.layers

    @property
    def head(self) -> nn.Module:
        return self.model.lm_head

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.decoder.embed_tokens(ids)

    def set_layers(self, layers: list[nn.Module]) -> None:
        self.decoder.layers = nn.ModuleList(layers)

    def logits(self, ids: torch.Tensor | None = None, inputs_embeds: torch.Tensor | None = None,
               attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Text decoder logits (no image path)."""
        out = self.decoder(input_ids=ids, inputs_embeds=inputs_embeds, attention_mask=attention_mask, use_cache=False)
        return self.head(out.last_hidden_state)


def load(folder: str, dtype: str = "float32", device: str = "auto") -> Loaded:
    """Loads a LLaMA or LLaVA folder in `dtype` (f32 by default, as the Swift engine computes)."""
    import transformers

    config = read_config(folder)
    model_type = config.get("model_type")
    if model_type not in ("llama", "llava"):
        raise ModelError(f"{folder}: model_type {model_type!r} is not supported (llama or llava)")
    if model_type == "llava" and text_config(config).get("model_type", "llama") != "llama":
        raise ModelError(f"{folder}: the LLaVA text model must be llama")
    cls = transformers.LlavaForConditionalGeneration if model_type == "llava" else transformers.LlamaForCausalLM
    try:
        model = cls.from_pretrained(folder, dtype=DTYPES[dtype])
    except TypeError:
        model = cls.from_pretrained(folder, torch_dtype=DTYPES[dtype])
    except (OSError, ValueError) as e:
        raise ModelError(f"{folder}: transformers could not load it ({e})") from None
    model.eval()
    model.to(resolve_device(device))
    return Loaded(model=model, folder=os.path.abspath(folder), config=config, is_llava=model_type == "llava")


def layer_output(out: Any) -> torch.Tensor:
    """A decoder layer's hidden states whether it returns a tensor or a tuple."""
    return out[0] if isinstance(out, (tuple, list)) else out


def tokenizer(folder: str):
    """The folder's tokenizer (tokenizer.json), or a clear error."""
    from transformers import AutoTokenizer

    if not any(os.path.exists(os.path.join(folder, f)) for f in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json")):
        raise ModelError(f"{folder}: no tokenizer files; use token ids (.ids) data or add tokenizer.json")
    return AutoTokenizer.from_pretrained(folder)
