"""Chat formats as ScalpelFormats.ChatFormat renders them, and LLaVA conversation records as the Swift engine
reads them, so prompts and training sequences tokenize to the same ids in both backends.

The format comes from the model folder's chat template (`chat_template.jinja`, `chat_template.json` or
`tokenizer_config.json`): LLaVA-1.5 (`USER: ` / `ASSISTANT:` turns) or ChatML (`<|im_start|>`), recognised by
content as `ChatFormat.detect`; a LLaVA folder without a template is LLaVA-1.5. When the folder has a template,
`check_template` renders one conversation with it through transformers and compares it with this rendering.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

IMAGE_TOKEN = "<image>"

# The LLaVA-1.5 chat template (llava-hf/llava-1.5-7b-hf's, also taking `content` as a plain string), as
# sample-models/derm-llava-tiny/chat_template.json and ChatFormat.llava1_5ChatTemplate hold it.
LLAVA_1_5_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': '}}{% endif %}"
    "{% if message['content'] is string %}"
    "{% if message['role'] != 'assistant' %}{{ message['content'] + ' '}}"
    "{% else %}{% generation %}{{ message['content'] + ' '}}{% endgeneration %}{% endif %}"
    "{% else %}"
    "{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>\n' }}{% endfor %}"
    "{# Render all text next #}{% if message['role'] != 'assistant' %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}{% endfor %}"
    "{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{% generation %}{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}{% endif %}"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)


class ChatError(Exception):
    pass


@dataclass
class Message:
    """One turn: role "system" | "user" | "assistant", its text, and how many images it shows."""
    role: str
    text: str
    images: int = 0

    def hf(self) -> dict:
        """The turn as a transformers chat message (content parts: images first, then the text)."""
        return {"role": self.role, "content": [{"type": "image"}] * self.images + [{"type": "text", "text": self.text}]}


@dataclass
class ChatFormat:
    """`llava1_5` or `chatml` (with the default system prompt a ChatML template inserts)."""
    name: str
    default_system: str | None = None

    @property
    def ends_answers_with_eos(self) -> bool:
        """ChatFormat.endsAnswersWithEOS: a trained LLaVA-1.5 answer ends with EOS, which its text does not show."""
        return self.name == "llava1_5"

    @property
    def stop_strings(self) -> list[str]:
        return ["</s>", "USER:"] if self.name == "llava1_5" else ["<|im_end|>"]

    def render(self, messages: list[Message], add_generation_prompt: bool = True) -> str:
        return self.render_with_spans(messages, add_generation_prompt)[0]

    def render_with_spans(self, messages: list[Message], add_generation_prompt: bool = True) -> tuple[str, list[tuple[int, int]]]:
        """The prompt text and, per assistant turn, the UTF-8 byte range of its text with what the template
        writes after it inside the turn (LLaVA's space, ChatML's `<|im_end|>`): the tokens trained on."""
        out = ""
        spans: list[tuple[int, int]] = []

        def nbytes(s: str) -> int:
            return len(s.encode("utf-8"))
        images = lambda n: (IMAGE_TOKEN + "\n") * max(0, n)  # noqa: E731
        if self.name == "llava1_5":
            for m in messages:
                if m.role != "system":
                    out += m.role.upper() + ": "
                out += images(m.images)
                start = nbytes(out)
                out += m.text + " "
                if m.role == "assistant":
                    spans.append((start, nbytes(out)))
            if add_generation_prompt:
                out += "ASSISTANT:"
        else:
            if self.default_system is not None and (not messages or messages[0].role != "system"):
                out += "<|im_start|>system\n" + self.default_system + "<|im_end|>\n"
            for m in messages:
                out += "<|im_start|>" + m.role + "\n"
                start = nbytes(out)
                out += images(m.images) + m.text + "<|im_end|>"
                if m.role == "assistant":
                    spans.append((start, nbytes(out)))
                out += "\n"
            if add_generation_prompt:
                out += "<|im_start|>assistant\n"
        return out, spans


def detect(template: str) -> ChatFormat | None:
    """ChatFormat.detect: ChatML markers, or LLaVA's upper-cased roles with `ASSISTANT:`."""
    if "<|im_start|>" in template:
        return ChatFormat("chatml", _default_system_prompt(template))
    upper = any(s in template for s in ("['role'].upper()", '["role"].upper()', "role.upper()", "USER: ", "'USER'"))
    if upper and "ASSISTANT:" in template:
        return ChatFormat("llava1_5")
    return None


def _default_system_prompt(template: str) -> str | None:
    for opener in ("<|im_start|>system\n", "<|im_start|>system\\n"):
        rest = template
        while opener in rest:
            after = rest[rest.index(opener) + len(opener):]
            if "<|im_end|>" not in after:
                break
            body = after[:after.index("<|im_end|>")]
            if body and not any(c in body for c in "'\"{}+"):
                return body.replace("\\n", "\n").replace("\\t", "\t")
            rest = after[after.index("<|im_end|>") + len("<|im_end|>"):]
    return None


def read_template(folder: str) -> str | None:
    """The folder's chat template: chat_template.jinja, chat_template.json, then tokenizer_config.json."""
    jinja = os.path.join(folder, "chat_template.jinja")
    if os.path.exists(jinja):
        with open(jinja, encoding="utf-8") as f:
            return f.read()
    template = None
    for name in ("tokenizer_config.json", "chat_template.json"):  # the later file wins, as the Swift tokenizer reads them
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                value = json.load(f).get("chat_template")
        except (OSError, json.JSONDecodeError, AttributeError) as e:
            raise ChatError(f"{path}: cannot read the chat template ({e})") from None
        if isinstance(value, list):  # named templates
            named = {t.get("name"): t.get("template") for t in value if isinstance(t, dict)}
            value = named.get("default", next(iter(named.values()), None))
        if isinstance(value, str):
            template = value
    return template


def resolve(folder: str, model_type: str | None, name: str | None = None) -> ChatFormat:
    """ChatFormat.resolve: an explicit name, then the template's content, then the model type (llava)."""
    if name is not None:
        key = name.lower()
        if key in ("llava1_5", "llava-1.5", "llava_1_5", "llava1.5", "llava", "vicuna"):
            return ChatFormat("llava1_5")
        if key == "chatml":
            return ChatFormat("chatml")
        raise ChatError(f"unknown chat format {name!r} (known: llava1_5, chatml)")
    template = read_template(folder)
    if template is not None:
        found = detect(template)
        if found is not None:
            return found
    if model_type == "llava":
        return ChatFormat("llava1_5")
    if template is not None:
        raise ChatError(f"{folder}: the chat template is neither ChatML nor LLaVA-1.5; name a format (llava1_5, chatml)")
    raise ChatError(f"{folder}: no chat template; name a format (llava1_5, chatml)")


def check_template(folder: str, fmt: ChatFormat, messages: list[Message]) -> str | None:
    """Renders `messages` with the folder's own template through transformers (with and without the
    generation prompt) and returns a description of the first difference from `fmt`, or None when they
    agree (or the folder has no template)."""
    template = read_template(folder)
    if template is None:
        return None
    try:
        from transformers.utils.chat_template_utils import render_jinja_template
    except ImportError:  # transformers before 4.50 has no standalone renderer; nothing to compare with
        return None
    for gen in (True, False):
        try:
            rendered, _ = render_jinja_template(conversations=[[m.hf() for m in messages]], chat_template=template,
                                                add_generation_prompt=gen)
            text = rendered[0]
        except Exception as e:  # noqa: BLE001 - a template can fail in many ways
            return f"the folder's chat template does not render ({e})"
        mine = fmt.render(messages, add_generation_prompt=gen)
        if text != mine:
            return f"the folder's chat template renders {text!r}, the {fmt.name} format {mine!r}"
    return None


@dataclass
class Record:
    """One conversation record: its id, question type, image path (absolute) and turns."""
    id: str | None
    messages: list[Message]
    image: str | None = None
    type: str = "all"
    raw: dict = field(default_factory=dict)


def _load_list(path: str) -> list:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ChatError(f"{path}: cannot read conversation JSON ({e})") from None
    if not isinstance(data, list):
        raise ChatError(f"{path}: expected a JSON list of samples, found {type(data).__name__}")
    return data


def _absolute(path: str, image: str) -> str:
    return image if image.startswith("/") else os.path.join(os.path.dirname(os.path.abspath(path)), image)


def llava_records(path: str) -> list[Record]:
    """SFTData.llavaRecords (training data and VQA sets): `human`/`user` → user, `gpt`/`assistant` → assistant,
    `system`; `<image>` placeholders (each with one following newline) at the start of a human turn count as
    its images; a sample naming an image without a placeholder shows it in its first user turn."""
    out = []
    for index, sample in enumerate(_load_list(path)):
        if not isinstance(sample, dict):
            raise ChatError(f"{path}: sample {index} is not an object")
        rid = sample.get("id")
        rid = None if rid is None else str(rid)
        label = f"sample {index}" + (f" (id {rid})" if rid is not None else "")
        image = sample.get("image")
        if image is not None and (not isinstance(image, str) or not image):
            raise ChatError(f"{path}: {label}: \"image\" must be a file path (one image per sample)")
        turns = sample.get("conversations")
        if not isinstance(turns, list):
            raise ChatError(f"{path}: {label} has no \"conversations\" list")
        messages = []
        for t, turn in enumerate(turns):
            frm, value = (turn.get("from"), turn.get("value")) if isinstance(turn, dict) else (None, None)
            if not isinstance(frm, str) or not isinstance(value, str):
                raise ChatError(f"{path}: {label}, turn {t}: needs string fields \"from\" and \"value\"")
            role = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                    "system": "system"}.get(frm.lower())
            if role is None:
                raise ChatError(f"{path}: {label}, turn {t}: unknown speaker {frm!r} (human, gpt or system)")
            images = 0
            while value.startswith(IMAGE_TOKEN):
                images += 1
                value = value[len(IMAGE_TOKEN):]
                if value.startswith("\n"):
                    value = value[1:]
            if images and role != "user":
                raise ChatError(f"{path}: {label}, turn {t}: an <image> placeholder belongs in a human turn")
            messages.append(Message(role, value, images))
        shown = sum(m.images for m in messages)
        if image is None and shown:
            raise ChatError(f"{path}: {label} has an <image> placeholder but no \"image\" file")
        if image is not None and shown > 1:
            raise ChatError(f"{path}: {label} has {shown} <image> placeholders for its one image")
        if image is not None and shown == 0:
            first = next((m for m in messages if m.role == "user"), None)
            if first is None:
                raise ChatError(f"{path}: {label} has an image but no human turn to show it in")
            first.images = 1
        out.append(Record(rid, messages, _absolute(path, image) if image else None, str(sample.get("type", "all")), sample))
    return out


def calibration_records(path: str) -> list[Record]:
    """CalibrationSet.readConversations: every `<image>` removed from a turn and counted as its image, the text
    trimmed; `human` → user, `gpt` → assistant, other speakers kept."""
    out = []
    for i, sample in enumerate(_load_list(path)):
        turns = sample.get("conversations") if isinstance(sample, dict) else None
        if not isinstance(turns, list):
            raise ChatError(f"{path}: record {i} has no 'conversations' list")
        messages = []
        for t, turn in enumerate(turns):
            frm, value = (turn.get("from"), turn.get("value")) if isinstance(turn, dict) else (None, None)
            if not isinstance(frm, str) or not isinstance(value, str):
                raise ChatError(f"{path}: record {i}, turn {t}: needs string 'from' and 'value'")
            images = value.count(IMAGE_TOKEN)
            messages.append(Message({"human": "user", "gpt": "assistant"}.get(frm, frm),
                                    value.replace(IMAGE_TOKEN, "").strip(), images))
        image = sample.get("image")
        out.append(Record(str(sample["id"]) if "id" in sample else None, messages,
                          _absolute(path, image) if isinstance(image, str) else None, str(sample.get("type", "all")), sample))
    return out
