"""Conversations on the sample LLaVA model (sample-models/derm-llava-tiny, SynthDerm data): its chat template
rendered by transformers against the LLaVA-1.5 format the Swift engine renders (ScalpelFormats.ChatFormat), the
prompt token ids against `scalpel tokenize`, and the stages that read conversations (calibration with images,
LLaVA SFT, VQA generation) against the Swift engine, with the template and without it (the backend then renders
the format itself)."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from conftest import ROOT, run_scalpel, scalpel_json
from scalpel_torch import data, evaluate, importance, model as tmodel
from scalpel_torch.chat import LLAVA_1_5_TEMPLATE, ChatFormat, Message, calibration_records, detect, llava_records
from scalpel_torch.prompts import Prompter
from scalpel_torch.sft import train

SAMPLE = os.path.join(ROOT, "sample-models", "derm-llava-tiny")
TRAIN = os.path.join(ROOT, "docs", "recipes", "data", "synthderm", "train.json")
TEST = os.path.join(SAMPLE, "synthderm-test.json")
CASES = os.path.join(ROOT, "Tests", "ScalpelFormatsTests", "Fixtures", "tokenizers", "chat_templates.json")
LLAVA = ChatFormat("llava1_5")


@pytest.fixture(scope="module")
def bare(work) -> str:
    """The sample model without its chat template."""
    out = os.path.join(work, "derm-no-template")
    if not os.path.exists(out):
        shutil.copytree(SAMPLE, out, ignore=shutil.ignore_patterns("chat_template.json", "images", "*.json.tmp"))
        os.symlink(os.path.join(SAMPLE, "images"), os.path.join(out, "images"))
    assert not os.path.exists(os.path.join(out, "chat_template.json"))
    return out


def conversations() -> list[list[Message]]:
    """Sample conversations: SynthDerm training and test records, and the multi-turn cases the Swift suite
    (ChatFormatTests) renders against llava-hf's own template."""
    out = [r.messages for r in llava_records(TRAIN)[:6]] + [r.messages for r in llava_records(TEST)[:6]]
    with open(CASES) as f:
        cases = json.load(f)["llava_cases"]
    out += [[Message(m["role"], m["text"], m.get("images", 0)) for m in c["messages"]] for c in cases]
    out.append([Message("system", "Answer briefly."), Message("user", "Colour?", 1), Message("assistant", "dark brown"),
                Message("user", "Border cut-offs? Answer 0 to 8.")])
    return out


def test_sample_model_ships_the_llava_template():
    with open(os.path.join(SAMPLE, "chat_template.json")) as f:
        text = f.read()
    assert json.loads(text) == {"chat_template": LLAVA_1_5_TEMPLATE}
    assert text == json.dumps({"chat_template": LLAVA_1_5_TEMPLATE}, indent=2, ensure_ascii=False) + "\n"
    assert detect(LLAVA_1_5_TEMPLATE) == LLAVA


def test_template_renders_the_llava_format():
    """processor.apply_chat_template (the template in chat_template.json, as transformers loads it) renders every
    conversation as the Swift engine's llava1_5 format, with and without the generation prompt, with content
    parts and with plain-string content; llava-hf's own prompts for the fixture cases agree too."""
    from transformers import AutoProcessor
    from transformers.utils.chat_template_utils import render_jinja_template
    processor = AutoProcessor.from_pretrained(SAMPLE)
    assert processor.chat_template == LLAVA_1_5_TEMPLATE
    for messages in conversations():
        for gen in (True, False):
            ours = LLAVA.render(messages, add_generation_prompt=gen)
            theirs = processor.apply_chat_template([m.hf() for m in messages], add_generation_prompt=gen, tokenize=False)
            assert theirs == ours, (messages, gen)
            if not any(m.images for m in messages):
                plain, _ = render_jinja_template(conversations=[[{"role": m.role, "content": m.text} for m in messages]],
                                                 chat_template=LLAVA_1_5_TEMPLATE, add_generation_prompt=gen)
                assert plain[0] == ours
    with open(CASES) as f:
        for case in json.load(f)["llava_cases"]:
            messages = [Message(m["role"], m["text"], m.get("images", 0)) for m in case["messages"]]
            assert LLAVA.render(messages) == case["prompt"]
            assert LLAVA.render(messages, add_generation_prompt=False) == case["prompt_no_generation"]


def test_assistant_spans_are_the_answers():
    text, spans = LLAVA.render_with_spans([Message("user", "Q?", 1), Message("assistant", "dark brown, black")],
                                          add_generation_prompt=False)
    assert text == "USER: <image>\nQ? ASSISTANT: dark brown, black "
    assert [text.encode()[a:b].decode() for a, b in spans] == ["dark brown, black "]


def test_prompt_ids_match_swift_tokenize(scalpel, work, bare):
    """The torch backend's prompt ids (calibration and VQA prompts: rendered, tokenized with special tokens) equal
    `scalpel tokenize --add-special-tokens` of the text the chat template renders through transformers, whether
    the backend finds the template or renders the format without one; image tokens expand to the vision tower's
    features."""
    from transformers import AutoProcessor
    processor = AutoProcessor.from_pretrained(SAMPLE)
    with_template = Prompter.open(SAMPLE, tmodel.read_config(SAMPLE))
    without = Prompter.open(bare, tmodel.read_config(bare))
    assert with_template.format == without.format == LLAVA
    features = with_template.features_per_image
    v = tmodel.read_config(SAMPLE)["vision_config"]
    assert features == (v["image_size"] // v["patch_size"]) ** 2
    for k, messages in enumerate(conversations()):
        for gen in (True, False):
            path = os.path.join(work, f"prompt-{k}-{int(gen)}.txt")
            with open(path, "w", encoding="utf-8") as f:
                # The text from the template (transformers), not from the backend's own rendering.
                f.write(processor.apply_chat_template([m.hf() for m in messages], add_generation_prompt=gen, tokenize=False))
            swift = scalpel_json(scalpel, "tokenize", SAMPLE, "--text", path, "--add-special-tokens", "--json")["ids"]
            image = with_template.image_token
            expanded = [t for x in swift for t in ([x] * features if x == image else [x])]
            assert with_template.prompt_ids(messages, "case", generation=gen) == expanded
            assert without.prompt_ids(messages, "case", generation=gen) == expanded
            assert swift.count(image) == sum(m.images for m in messages)


def test_no_template_on_a_text_model_is_a_clear_error(m6):
    with pytest.raises(tmodel.ModelError, match="no chat template; name a format"):
        Prompter.open(m6, tmodel.read_config(m6))
    assert Prompter.open(m6, tmodel.read_config(m6), "chatml").format == ChatFormat("chatml")


def test_unknown_speaker_and_stray_placeholder_are_refused(work):
    bad = os.path.join(work, "bad-conversations.json")
    with open(bad, "w") as f:
        json.dump([{"id": "a", "conversations": [{"from": "doctor", "value": "hi"}]}], f)
    with pytest.raises(Exception, match="unknown speaker 'doctor'"):
        llava_records(bad)
    with open(bad, "w") as f:
        json.dump([{"id": "a", "conversations": [{"from": "human", "value": "<image>\nhi"}, {"from": "gpt", "value": "x"}]}], f)
    with pytest.raises(Exception, match="placeholder but no \"image\" file"):
        llava_records(bad)
    assert calibration_records(bad)[0].messages[0] == Message("user", "hi", 1)


@pytest.mark.parametrize("folder", ["template", "bare"])
def test_conversation_calibration_matches_swift(folder, scalpel, bare):
    """Importance on LLaVA conversations with images: the same sequences (image features spliced into the input
    embeddings), the same base loss and block-influence scores as `scalpel importance`."""
    model = SAMPLE if folder == "template" else bare
    criteria = ["block_influence", "magnitude", "loo_ppl"]
    swift = scalpel_json(scalpel, "importance", SAMPLE, "--data", TRAIN, "--criteria", ",".join(criteria),
                         "--samples", "6", "--seq-len", "96", "--json")
    loaded = tmodel.load(model, device="cpu")
    cal = data.calibration(TRAIN, loaded, 6, 96)
    assert cal.batch == 6 and all(c.count(2) == 36 for c in cal.classes)
    ours = importance.score(loaded, criteria, cal, None)
    assert abs(ours["base_loss"] - swift["base_loss"]) <= 1e-4 * max(1.0, abs(swift["base_loss"]))
    for name in criteria:
        o, s = np.array(ours["scores"][name]), np.array(swift["scores"][name])
        assert np.abs(o - s).max() <= 2e-4 * np.abs(s).max(), (name, o, s)
        assert importance.removal_order(list(o)) == importance.removal_order(list(s)), name


def test_llava_sft_curve_matches_swift(scalpel, work, bare):
    """LoRA on LLaVA conversations with images (answer-only labels, BOS, 36 image features per sample, the
    tokenizer's <pad>): every step's loss and the validation losses equal `scalpel sft`'s."""
    out = os.path.join(work, "derm-sft-swift")
    p = run_scalpel(scalpel, "sft", SAMPLE, "--data", TRAIN, "--validation", TEST, "--steps", "4", "--batch-size", "3",
                    "--seq-len", "96", "--lr", "1e-3", "--warmup", "1", "--seed", "5", "--lora-r", "4",
                    "--lora-alpha", "8", "--targets", "q_proj,v_proj,down_proj", "--eval-every", "2", "--out", out,
                    "--events", "-")
    events = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    swift = [e for e in events if e["type"] == "loss"]
    swift_val = [e for e in events if e["type"] == "metric" and e["name"] == "loss"]
    spec = {"model": bare, "out": os.path.join(work, "derm-sft-torch"), "data": TRAIN, "validation": TEST,
            "method": "lora", "r": 4, "alpha": 8.0, "dropout": 0.0, "rslora": False,
            "targets": ["q_proj", "v_proj", "down_proj"], "steps": 4, "batch_size": 3, "grad_accum": 1, "lr": 1e-3,
            "warmup": 1, "weight_decay": 0.0, "max_grad_norm": 1.0, "seq_len": 96, "eval_every": 2,
            "checkpoint_every": 20, "seed": 5, "device": "cpu"}
    ours, ours_val = [], []
    train(spec, lambda r: (ours if r["kind"] == "loss" else ours_val).append(r))
    assert [r["step"] for r in ours] == [e["step"] for e in swift] == [1, 2, 3, 4]
    for a, b in zip(ours, swift):
        assert abs(a["loss"] - b["loss"]) <= 1e-4 * abs(b["loss"]), (a["step"], a["loss"], b["loss"])
    assert [r["step"] for r in ours_val] == [e["step"] for e in swift_val] == [2, 4]
    for a, b in zip(ours_val, swift_val):
        assert abs(a["loss"] - b["value"]) <= 1e-4 * abs(b["value"]), (a, b)


def test_vqa_answers_match_swift(scalpel, work, bare):
    """Greedy answers to the SynthDerm test questions (prompt, image, stop tokens and strings) equal
    `scalpel eval`'s answer for answer, so the accuracy is the same."""
    limit = 12
    path = os.path.join(work, "derm-predictions.jsonl")
    swift = scalpel_json(scalpel, "eval", SAMPLE, "--data", TEST, "--limit", str(limit), "--predictions", path,
                         "--json", "--quiet")
    with open(path) as f:
        answers = {r["question_id"]: r["text"] for r in map(json.loads, f)}
    ours = evaluate.accuracy(tmodel.load(bare, device="cpu"), TEST, limit)
    assert ours["predictions"] == answers
    assert ours["accuracy"] == swift["accuracy"] and ours["n"] == swift["n"] == limit


def test_a_template_that_renders_otherwise_is_reported(work):
    """A template read as LLaVA-1.5 by its markers but rendering other text (here: a newline after each turn)
    is used as the LLaVA-1.5 format, with a warning naming the difference."""
    folder = os.path.join(work, "derm-odd-template")
    if not os.path.exists(folder):
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("images"))
    odd = LLAVA_1_5_TEMPLATE.replace("{% endfor %}{% if add_generation_prompt %}", "{{ '\\n' }}{% endfor %}{% if add_generation_prompt %}")
    assert odd != LLAVA_1_5_TEMPLATE
    with open(os.path.join(folder, "chat_template.json"), "w") as f:
        json.dump({"chat_template": odd}, f)
    loaded = tmodel.load(folder, device="cpu")
    cal = data.calibration(TRAIN, loaded, 2, 96)
    notes = [w for w in cal.warnings if "chat template renders" in w]
    assert len(notes) == 1 and "using the llava1_5 format" in notes[0], cal.warnings
