"""The torch backend against the Swift engine on the tiny fixtures (CPU): importance per criterion, pruned
checkpoints, quantized weights and exports, and event streams. Each comparison runs the Swift `scalpel`
command (SCALPEL_BIN) on the same inputs."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from safetensors import safe_open

from conftest import fixture_model, run_scalpel, scalpel_json
from scalpel_torch import data, importance, model as tmodel, prune as tprune
from scalpel_torch.export import write_awq, write_gguf
from scalpel_torch.quant import LINEARS, Scheme, _get, quantize

ALL = ["block_influence", "angular", "magnitude", "taylor", "loo_ppl", "sleb", "domain_contrast"]


def tensors(folder: str) -> dict[str, torch.Tensor]:
    out = {}
    for f in tprune.weight_files(folder):
        with safe_open(f, framework="pt") as h:
            for k in h.keys():
                out[k] = h.get_tensor(k)
    return out


def config(folder: str) -> dict:
    with open(os.path.join(folder, "config.json")) as f:
        return json.load(f)


def assert_same_ranking(name: str, ours: list[float], theirs: list[float]) -> None:
    a, b = importance.removal_order(ours), importance.removal_order(theirs)
    if a != b:
        tau = importance.kendall_tau_b(ours, theirs)
        assert tau >= 0.9, f"{name}: order {a} vs Swift {b}, Kendall τ {tau:.3f} < 0.9"


def assert_close_scores(name: str, ours: list[float], theirs: list[float], rel: float) -> None:
    o, t = np.array(ours, dtype=np.float64), np.array(theirs, dtype=np.float64)
    scale = max(np.abs(t).max(), 1e-12)
    assert np.abs(o - t).max() <= rel * scale, f"{name}: {o} vs Swift {t}"


# MARK: importance

@pytest.mark.parametrize("case", ["m6-text", "llama-fp32-ids", "llama-tied-ids", "llava-classic-ids"])
def test_importance_matches_swift(case, scalpel, m6, text, general_text, work):
    if case == "m6-text":
        folder, domain, general, samples, seq = m6, text, general_text, 6, 64
    else:
        name = case.rsplit("-", 1)[0]
        folder = fixture_model(name)
        vocab = tmodel.text_config(tmodel.read_config(folder))["vocab_size"]
        import tiny
        domain = tiny.write_ids(os.path.join(work, f"{name}-d.ids"), 300, vocab, seed=1)
        general = tiny.write_ids(os.path.join(work, f"{name}-g.ids"), 300, vocab, seed=2)
        samples, seq = 4, 48
    swift = scalpel_json(scalpel, "importance", folder, "--data", domain, "--general", general, "--criteria",
                         ",".join(ALL), "--samples", str(samples), "--seq-len", str(seq), "--json")
    loaded = tmodel.load(folder, device="cpu")
    d = data.calibration(domain, loaded, samples, seq)
    g = data.calibration(general, loaded, samples, seq)
    ours = importance.score(loaded, ALL, d, g)
    assert sorted(ours["scores"]) == sorted(swift["scores"])
    for name in ALL:
        assert_same_ranking(f"{case} {name}", ours["scores"][name], swift["scores"][name])
        if name != "sleb":
            assert_close_scores(f"{case} {name}", ours["scores"][name], swift["scores"][name], 2e-4)
        else:
            assert ours["scores"][name] == swift["scores"][name]
    key = "kendall_tau_domain_contrast_vs_block_influence"
    assert abs(ours[key] - swift[key]) < 1e-9
    assert abs(ours["base_loss"] - swift["base_loss"]) < 1e-4


# MARK: pruning

@pytest.mark.parametrize("name,drop", [("llama-fp32", [0]), ("llama-bf16", [1]), ("llama-tied", [1]),
                                       ("llama-sharded", [0]), ("llava-classic", [0]), ("llava-model-prefixed", [1]),
                                       ("m6", [1, 4])])
def test_pruned_checkpoint_identical(name, drop, scalpel, m6, work):
    folder = m6 if name == "m6" else fixture_model(name)
    tag = f"{name}-{'-'.join(map(str, drop))}"
    swift_out, torch_out = os.path.join(work, "prune-swift-" + tag), os.path.join(work, "prune-torch-" + tag)
    run_scalpel(scalpel, "prune", folder, "--drop", ",".join(map(str, drop)), "--out", swift_out)
    tprune.prune(folder, drop, torch_out)
    a, b = tensors(swift_out), tensors(torch_out)
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert torch.equal(a[k], b[k]), k
    assert config(swift_out) == config(torch_out)
    side = lambda d: sorted(f for f in os.listdir(d) if not f.endswith(".safetensors") and f != "model.safetensors.index.json")  # noqa: E731
    assert side(swift_out) == side(torch_out)


def test_prune_refuses_bad_input(work):
    folder = fixture_model("llama-fp32")
    for drop, message in [([2], "out of range"), ([0, 0], "twice"), ([0, 1], "leaves none"), ([], "no block")]:
        with pytest.raises(tprune.PruneError, match=message):
            tprune.prune(folder, drop, os.path.join(work, "never"))
    assert not os.path.exists(os.path.join(work, "never"))


# MARK: quantization

def calibration_windows(loaded, path: str, samples: int, seq: int) -> list[list[int]]:
    """`scalpel quantize --data`: text tokens (no specials) in consecutive full windows."""
    ids = data.token_stream(path, loaded.folder)
    return [ids[i:i + seq] for i in range(0, len(ids) - seq + 1, seq)][:samples]


def linear_weights(folder: str, loaded=None) -> dict[str, torch.Tensor]:
    t = tensors(folder)
    return {k: v.float() for k, v in t.items() if any(k.endswith(m + ".weight") for m in LINEARS)}


@pytest.mark.parametrize("method,bits,group,sym", [("rtn", 4, 32, False), ("rtn", 8, 64, True), ("rtn", 3, 0, False),
                                                    ("gptq", 4, 32, False), ("gptq", 4, 32, True), ("awq", 4, 32, False)])
def test_quantized_weights_match_swift(method, bits, group, sym, scalpel, m6, text, work):
    tag = f"{method}-{bits}-{group}-{int(sym)}"
    out = os.path.join(work, "quant-swift-" + tag)
    args = ["quantize", m6, "--method", method, "--bits", str(bits), "--group", str(group), "--format", "hf", "--fp32",
            "--out", out, "--samples", "4", "--seq-len", "64"]
    if sym:
        args.append("--symmetric")
    if method != "rtn":
        args += ["--data", text]
    run_scalpel(scalpel, *args)
    loaded = tmodel.load(m6, device="cpu")
    cal = calibration_windows(loaded, text, 4, 64) if method != "rtn" else None
    quantize(loaded, method, Scheme(bits, group or None, sym), cal)
    swift = tensors(out)
    ours = loaded.model.state_dict()
    first_equal, first_count, equal, count = 0, 0, 0, 0
    for k, v in swift.items():
        o = ours[k].float()
        if any(k.endswith(m + ".weight") for m in LINEARS):
            same = int((o == v.float()).sum())
            equal, count = equal + same, count + o.numel()
            if ".layers.0." in k:
                first_equal, first_count = first_equal + same, first_count + o.numel()
        else:
            assert torch.allclose(o, v.float(), rtol=1e-5, atol=1e-6), k
    if method == "rtn":
        assert equal == count, f"RTN: {count - equal} of {count} weights differ"
        return
    # Block 0 sees identical inputs: the codes agree up to rounding ties decided by f32 summation order.
    assert first_equal / first_count >= 0.999, f"{method}: block 0 has {first_count - first_equal} different weights"
    # Later blocks calibrate on the previous blocks' outputs, and GPTQ's error feedback amplifies any flipped
    # tie, so the models are compared by what they compute: the held-out loss of each quantized model differs
    # by no more than the Swift model's own quantization loss.
    held_out = torch.tensor([data.token_stream(text, m6)[64 * 4:64 * 4 + 192]])
    swift_model, f32 = tmodel.load(out, device="cpu"), tmodel.load(m6, device="cpu")

    def loss(m) -> float:
        with torch.no_grad():
            logits = m.logits(ids=held_out)
        return float(torch.nn.functional.cross_entropy(logits[0, :-1], held_out[0, 1:]))
    ours_loss, swift_loss, base = loss(loaded), loss(swift_model), loss(f32)
    tolerance = max(0.02, abs(swift_loss - base))
    assert abs(ours_loss - swift_loss) <= tolerance, \
        f"{method}: held-out loss {ours_loss:.4f} vs Swift {swift_loss:.4f} (f32 {base:.4f})"


def test_awq_export_matches_swift(scalpel, m6, work):
    out = os.path.join(work, "awq-swift")
    run_scalpel(scalpel, "quantize", m6, "--method", "rtn", "--bits", "4", "--group", "32", "--format", "awq", "--out", out)
    loaded = tmodel.load(m6, device="cpu")
    q = quantize(loaded, "rtn", Scheme(4, 32, False))
    mine = os.path.join(work, "awq-torch")
    write_awq(loaded, q, mine)
    a, b = tensors(out), tensors(mine)
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert torch.equal(a[k], b[k]), k
    ca, cb = config(out), config(mine)
    assert ca["quantization_config"] == cb["quantization_config"]


@pytest.mark.parametrize("sym,bits", [(True, 4), (False, 4), (True, 8)])
def test_gguf_export_matches_swift(sym, bits, scalpel, m6, work):
    import gguf
    tag = f"{bits}-{int(sym)}"
    out = os.path.join(work, "gguf-swift-" + tag)
    args = ["quantize", m6, "--method", "rtn", "--bits", str(bits), "--group", "32", "--format", "gguf", "--out", out]
    if sym:
        args.append("--symmetric")
    run_scalpel(scalpel, *args)
    source = tmodel.load(m6, device="cpu")
    src = [{m: _get(layer, m).weight.detach().float().clone() for m in LINEARS} for layer in source.layers]
    loaded = tmodel.load(m6, device="cpu")
    q = quantize(loaded, "rtn", Scheme(bits, 32, sym))
    mine = os.path.join(work, f"gguf-torch-{tag}.gguf")
    write_gguf(loaded, q, mine, src)
    a = {t.name: t for t in gguf.GGUFReader(os.path.join(out, "model.gguf")).tensors}
    b = {t.name: t for t in gguf.GGUFReader(mine).tensors}
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].tensor_type == b[k].tensor_type, k
        assert list(a[k].shape) == list(b[k].shape), k
        assert np.array_equal(np.asarray(a[k].data), np.asarray(b[k].data)), k
    ra, rb = gguf.GGUFReader(os.path.join(out, "model.gguf")), gguf.GGUFReader(mine)
    for key in ("llama.block_count", "llama.embedding_length", "llama.attention.head_count_kv", "general.file_type"):
        assert ra.fields[key].parts[-1].tolist() == rb.fields[key].parts[-1].tolist(), key
