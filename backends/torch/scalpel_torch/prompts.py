"""Conversations as model inputs, built the Swift engine's way rather than through a transformers processor (which
needs `processor_config.json` and a chat template that many LLaVA checkpoints lack): render in the folder's chat
format (`chat.resolve`), tokenize with the folder's tokenizer, repeat each `<image>` token once per image feature
(`(image_size / patch_size)²`, + 1 with the `full` feature strategy) and preprocess images with the folder's
image processor (`preprocessor_config.json`)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .chat import ChatFormat, Message, check_template, resolve
from .model import ModelError, text_config

IGNORE = -100


def bos_id(tok) -> int | None:
    """The BOS id as the Swift tokenizer guesses it without tokenizer_config.json: the single special token the
    post-processor puts first, else `<s>`, `<|begin_of_text|>` or `<bos>`."""
    if tok.bos_token_id is not None:
        return tok.bos_token_id
    probe = tok.encode("a", add_special_tokens=True)
    plain = tok.encode("a", add_special_tokens=False)
    if len(probe) == len(plain) + 1 and probe[1:] == plain:
        return probe[0]
    vocab = tok.get_vocab()
    return next((vocab[t] for t in ("<s>", "<|begin_of_text|>", "<bos>") if t in vocab), None)


def pad_id(tok) -> int:
    """SFT padding as the Swift engine pads: the tokenizer's pad token (`<pad>`, `<|pad|>`, `[PAD]`), else EOS, else 0."""
    if tok.pad_token_id is not None:
        return tok.pad_token_id
    vocab = tok.get_vocab()
    for t in ("<pad>", "<|pad|>", "[PAD]"):
        if t in vocab:
            return vocab[t]
    eos = eos_id(tok)
    return eos if eos is not None else 0


def eos_id(tok) -> int | None:
    if tok.eos_token_id is not None:
        return tok.eos_token_id
    vocab = tok.get_vocab()
    return next((vocab[t] for t in ("</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>") if t in vocab), None)


@dataclass
class Prompter:
    """A model folder's chat format, tokenizer and image settings."""
    folder: str
    config: dict
    format: ChatFormat
    tok: object
    image_token: int | None
    features_per_image: int
    _images: object = None
    checked: bool = False

    @classmethod
    def open(cls, folder: str, config: dict, chat_format: str | None = None) -> "Prompter":
        from .model import tokenizer
        from .chat import ChatError
        try:
            fmt = resolve(folder, config.get("model_type"), chat_format)
        except ChatError as e:
            raise ModelError(str(e)) from None
        image_token, features = None, 0
        if config.get("model_type") == "llava":
            image_token = config.get("image_token_index", config.get("image_token_id", 32000))
            v = config.get("vision_config") or {}
            size, patch = v.get("image_size", 336), v.get("patch_size", 14)
            if not size or not patch or size % patch:
                raise ModelError(f"{folder}: vision_config image_size {size} is not a multiple of patch_size {patch}")
            full = config.get("vision_feature_select_strategy", "default") == "full"
            features = (size // patch) ** 2 + (1 if full else 0)
        return cls(folder, config, fmt, tokenizer(folder), image_token, features)

    @property
    def is_llava(self) -> bool:
        return self.image_token is not None

    def check(self, messages: list[Message]) -> str | None:
        """Once per model: a warning when the folder's own template renders `messages` differently."""
        if self.checked:
            return None
        self.checked = True
        return check_template(self.folder, self.format, messages)

    def encode(self, text: str, special: bool) -> list[int]:
        return list(self.tok.encode(text, add_special_tokens=special))

    def expand(self, ids: list[int]) -> list[int]:
        """Each image token repeated once per image feature."""
        if not self.is_llava:
            return ids
        out: list[int] = []
        for t in ids:
            out.extend([t] * self.features_per_image if t == self.image_token else [t])
        return out

    def image_count(self, ids: list[int]) -> int:
        return sum(1 for t in ids if t == self.image_token) if self.is_llava else 0

    def prompt_ids(self, messages: list[Message], what: str, generation: bool) -> list[int]:
        """Rendered, tokenized with special tokens (as the Swift engine's calibration and VQA prompts), images
        expanded; refuses a prompt whose image placeholders do not become image tokens."""
        shown = sum(m.images for m in messages)
        if shown and not self.is_llava:
            raise ModelError(f"{what} shows an image but {self.folder} is a text-only {self.config.get('model_type')} model")
        ids = self.encode(self.format.render(messages, add_generation_prompt=generation), special=True)
        found = self.image_count(ids)
        if found != shown:
            raise ModelError(f"{what}: the prompt shows {shown} image(s) but tokenizes to {found} image token(s); the "
                             f"tokenizer must map <image> to the model's image_token_index {self.image_token}")
        return self.expand(ids)

    def training_sample(self, messages: list[Message], max_length: int, what: str) -> tuple[list[int], list[int]]:
        """SFTData.conversation: rendered without the generation prompt, tokenized without special tokens, labels
        on each assistant span (a token straddling a span boundary counts as inside), BOS first, images expanded
        with labels ignored, cut to `max_length` (never inside an image's features)."""
        text, spans = self.format.render_with_spans(messages, add_generation_prompt=False)
        raw = text.encode("utf-8")
        body = self.encode(text, special=False)

        def cut(boundary: int) -> tuple[int, bool]:
            if boundary >= len(raw):
                return len(body), True
            prefix = self.encode(raw[:boundary].decode("utf-8", "ignore"), special=False)
            common = 0
            while common < len(prefix) and common < len(body) and prefix[common] == body[common]:
                common += 1
            return common, common == len(prefix)
        labels = [IGNORE] * len(body)
        answer_ends = []
        for lo, hi in spans:
            start = cut(lo)[0]
            end, clean = cut(hi)
            stop = end if clean else min(end + 1, len(body))
            for i in range(start, stop):
                labels[i] = body[i]
            answer_ends.append(stop)
        tokens = list(body)
        eos = eos_id(self.tok)
        if self.format.ends_answers_with_eos and eos is not None:
            for stop in reversed(answer_ends):
                tokens.insert(stop, eos)
                labels.insert(stop, eos)
        bos = bos_id(self.tok)
        if bos is not None:
            tokens.insert(0, bos)
            labels.insert(0, IGNORE)
        shown = sum(m.images for m in messages)
        if shown and not self.is_llava:
            raise ModelError(f"{what} has an image; a text-only decoder cannot train on it (use a LLaVA model)")
        if self.image_count(tokens) != shown:
            raise ModelError(f"{what}: the conversation shows {shown} image(s) but its tokens hold "
                             f"{self.image_count(tokens)} image token(s) (id {self.image_token}); the tokenizer must map "
                             "<image> to that id")
        out_t, out_l, last_image = [], [], -1
        for t, l in zip(tokens, labels):
            if self.is_llava and t == self.image_token:
                for _ in range(self.features_per_image):
                    last_image = len(out_t)
                    out_t.append(t)
                    out_l.append(IGNORE)
            else:
                out_t.append(t)
                out_l.append(l)
        if len(out_t) > max_length:
            if last_image >= max_length:
                raise ModelError(f"{what}: a sequence length of {max_length} cuts into the image features (they end "
                                 f"at position {last_image + 1}); raise the sequence length")
            out_t, out_l = out_t[:max_length], out_l[:max_length]
        return out_t, out_l

    def pixel_values(self, path: str):
        """[1, channels, size, size] f32 pixel values of an image file, through the folder's image processor."""
        if self._images is None:
            if not os.path.exists(os.path.join(self.folder, "preprocessor_config.json")):
                raise ModelError(f"{self.folder}: no preprocessor_config.json; images cannot be preprocessed")
            from transformers import CLIPImageProcessor
            self._images = CLIPImageProcessor.from_pretrained(self.folder)
        try:
            from PIL import Image
        except ImportError:
            raise ModelError("LLaVA image data needs pillow (pip install 'scalpel-torch[vision]')") from None
        try:
            with Image.open(path) as im:
                rgb = im.convert("RGB")
        except (OSError, ValueError) as e:
            raise ModelError(f"{path}: cannot read the image ({e})") from None
        return self._images(images=[rgb], return_tensors="pt")["pixel_values"]

    def stop_ids(self) -> list[int]:
        """Generation stops: the config's EOS ids, the tokenizer's EOS and the format's stop strings that are one token."""
        ids = set()
        eos = text_config(self.config).get("eos_token_id", self.config.get("eos_token_id"))
        ids.update(eos if isinstance(eos, list) else [eos] if isinstance(eos, int) else [])
        e = eos_id(self.tok)
        if e is not None:
            ids.add(e)
        vocab = self.tok.get_vocab()
        ids.update(vocab[s] for s in self.format.stop_strings if s in vocab)
        return sorted(ids)
