"""Weight quantization of the decoder's seven linears per block by the definitions ScalpelCompress uses
(RTN.swift, GPTQ.swift, AWQSearch.swift, QuantRunner.swift; docs/quantization.md, REFERENCES.md):

- RTN: asymmetric `s = (max − min)/(2^b − 1)` over the range widened to contain 0, `z = round(−min/s)`;
  symmetric `s = 2·max|w|/(2^b − 1)`, `z = 2^(b−1)`; scales rounded up to fp16; codes
  `clamp(round(w/s) + z, 0, 2^b − 1)` with halves rounded away from zero.
- GPTQ (IST-DASLab `fasterquant`): H = 2/N Σ x xᵀ from the f32 block's inputs, dead columns, 1% dampening,
  upper Cholesky of H⁻¹, blocks of 128 columns, group parameters from the working weights at each group start
  (static groups with act-order); the next block sees the quantized block's outputs.
- AWQ (AutoAWQ): scale search over α ∈ {0, 1/20, …, 19/20} for input-norm→q/k/v, v→o (when shapes match),
  post-norm→gate/up, up→down, each scored by the MSE of the module output; scales folded; clip search
  (not q/k) over ≤ 512 tokens; RTN. The next block sees the f32 block's outputs.

Blocks are computed with the model's own HF modules (forward hooks capture each linear's inputs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from .model import Loaded, layer_output

LINEARS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


class QuantError(Exception):
    pass


@dataclass
class Scheme:
    bits: int = 4
    group_size: int | None = 128
    symmetric: bool = False

    @property
    def max_code(self) -> int:
        return (1 << self.bits) - 1

    def width(self, cols: int) -> int:
        return self.group_size or cols

    def describe(self) -> str:
        return f"W{self.bits} " + (f"g{self.group_size}" if self.group_size else "per-channel") + (" sym" if self.symmetric else " asym")


@dataclass
class QuantizedLinear:
    """Codes `[rows, cols]` (uint8), scales and zeros `[rows, groups]`."""
    codes: torch.Tensor
    scales: torch.Tensor
    zeros: torch.Tensor
    scheme: Scheme

    def dequantized(self) -> torch.Tensor:
        rows, cols = self.codes.shape
        g = self.scheme.width(cols)
        s = self.scales.repeat_interleave(g, dim=1)[:, :cols]
        z = self.zeros.repeat_interleave(g, dim=1)[:, :cols]
        return (self.codes.float() - z.float()) * s


@dataclass
class QuantResult:
    linears: list[dict[str, QuantizedLinear]] = field(default_factory=list)
    alphas: list[list[float | None]] = field(default_factory=list)
    method: str = "rtn"
    scheme: Scheme = field(default_factory=Scheme)


def round_away(x: torch.Tensor) -> torch.Tensor:
    """Rounding half away from zero (Swift's `.rounded()`), exactly."""
    t = torch.trunc(x)
    return t + torch.sign(x) * ((x - t).abs() >= 0.5).to(x.dtype)


def _fp16_up(exact: torch.Tensor) -> torch.Tensor:
    half = exact.to(torch.float16)
    low = half.float() < exact
    bits = half.view(torch.int16)
    bumped = torch.where(low & (exact > 0), bits + 1, bits).view(torch.float16)
    return bumped.float()


def params(lo: torch.Tensor, hi: torch.Tensor, scheme: Scheme) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale and zero from group extremes (float32 tensors of one shape)."""
    maxq = float(scheme.max_code)
    xmin = torch.minimum(lo, torch.zeros_like(lo))
    xmax = torch.maximum(hi, torch.zeros_like(hi))
    if scheme.symmetric:
        xmax = torch.maximum(-xmin, xmax)
        xmin = -xmax
    both = (xmin == 0) & (xmax == 0)
    xmin = torch.where(both, torch.full_like(xmin, -1), xmin)
    xmax = torch.where(both, torch.full_like(xmax, 1), xmax)
    s = _fp16_up((xmax - xmin) / maxq)
    s = torch.where((s > 0) & torch.isfinite(s), s, torch.full_like(s, 6.103515625e-05))
    if scheme.symmetric:
        z = torch.full_like(s, float((scheme.max_code + 1) // 2))
    else:
        z = torch.clamp(round_away(-xmin / s), 0, maxq)
    return s, z


def codes_of(w: torch.Tensor, s: torch.Tensor, z: torch.Tensor, maxq: int) -> torch.Tensor:
    return torch.clamp(round_away(w / s) + z, 0, maxq)


def rtn(w: torch.Tensor, scheme: Scheme) -> QuantizedLinear:
    w = w.float()
    rows, cols = w.shape
    g = scheme.width(cols)
    if cols % g != 0:
        raise QuantError(f"group size {g} does not divide the {cols} inputs of a linear")
    wg = w.reshape(rows, cols // g, g)
    s, z = params(wg.amin(-1), wg.amax(-1), scheme)
    q = codes_of(wg, s[..., None], z[..., None], scheme.max_code)
    return QuantizedLinear(q.reshape(rows, cols).to(torch.uint8), s, z.to(torch.uint8), scheme)


def fake_quantize(w: torch.Tensor, scheme: Scheme) -> torch.Tensor:
    return rtn(w, scheme).dequantized()


# MARK: GPTQ

def upper_cholesky_of_inverse(H: torch.Tensor) -> torch.Tensor:
    L = torch.linalg.cholesky(H)
    inv = torch.cholesky_inverse(L)
    return torch.linalg.cholesky(inv, upper=True)


def gptq(weight: torch.Tensor, hessian: torch.Tensor, scheme: Scheme, act_order: bool = False,
         block_size: int = 128, percent_damp: float = 0.01) -> QuantizedLinear:
    W = weight.detach().float().clone()
    rows, cols = W.shape
    H = hessian.double().clone()
    g = scheme.width(cols)
    ng = (cols + g - 1) // g
    maxq = scheme.max_code
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    scales = torch.zeros(rows, ng)
    zeros = torch.zeros(rows, ng)
    codes = torch.zeros(rows, cols, dtype=torch.uint8)
    static = scheme.group_size is None or act_order
    if static:
        for j in range(ng):
            grp = W[:, j * g:min((j + 1) * g, cols)]
            s, z = params(grp.amin(1), grp.amax(1), scheme)
            scales[:, j], zeros[:, j] = s, z
    perm = torch.arange(cols)
    if act_order:
        diag = torch.diag(H)
        perm = torch.tensor(sorted(range(cols), key=lambda i: (-float(diag[i]), i)))
        W = W[:, perm]
        H = H[perm][:, perm]
    damp = percent_damp * float(torch.diag(H).mean())
    H += damp * torch.eye(cols, dtype=H.dtype)
    try:
        Hinv = upper_cholesky_of_inverse(H).float()
    except RuntimeError:
        raise QuantError("GPTQ: the Hessian is not positive definite; raise the dampening or add calibration data") from None
    cur_s = torch.zeros(rows)
    cur_z = torch.zeros(rows)
    for i1 in range(0, cols, block_size):
        i2 = min(i1 + block_size, cols)
        count = i2 - i1
        W1 = W[:, i1:i2].clone()
        Err = torch.zeros(rows, count)
        for i in range(count):
            col = i1 + i
            orig = int(perm[col])
            group = orig // g
            if static:
                cur_s, cur_z = scales[:, group], zeros[:, group]
            elif col % g == 0:
                grp = W[:, col:min(col + g, cols)]
                cur_s, cur_z = params(grp.amin(1), grp.amax(1), scheme)
                scales[:, group], zeros[:, group] = cur_s, cur_z
            d = Hinv[col, col]
            w = W1[:, i]
            q = codes_of(w, cur_s, cur_z, maxq)
            codes[:, orig] = q.to(torch.uint8)
            err = (w - (q - cur_z) * cur_s) / d
            Err[:, i] = err
            W1[:, i + 1:] -= err[:, None] * Hinv[col, col + 1:i2][None, :]
        if i2 < cols:
            W[:, i2:] -= Err @ Hinv[i1:i2, i2:]
    return QuantizedLinear(codes, scales, zeros.to(torch.uint8), scheme)


# MARK: AWQ

def channel_means(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(-1, x.shape[-1]).double().abs().mean(0).float()


def awq_scales(x_mean: torch.Tensor, alpha: float) -> torch.Tensor:
    s = torch.clamp(x_mean.double().pow(alpha).float(), min=1e-4)
    norm = torch.sqrt(s.max() * s.min())
    return s / norm


def scaled_fake(w: torch.Tensor, s: torch.Tensor, scheme: Scheme) -> torch.Tensor:
    return fake_quantize(w.float() * s[None, :], scheme) / s[None, :]


def search_scale(weights: list[torch.Tensor], x_mean: torch.Tensor, scheme: Scheme,
                 loss: Callable[[list[torch.Tensor]], float], grid: int = 20) -> tuple[float, torch.Tensor]:
    best_alpha, best_s, best_loss = 0.0, torch.ones_like(x_mean), float("inf")
    for i in range(grid):
        alpha = float(torch.tensor(i, dtype=torch.float32) / grid)
        s = awq_scales(x_mean, alpha)
        l = loss([scaled_fake(w, s, scheme) for w in weights])
        if l < best_loss:
            best_loss, best_alpha, best_s = l, alpha, s
    return best_alpha, best_s


def clip(w: torch.Tensor, x: torch.Tensor, scheme: Scheme, grid: int = 20, max_shrink: float = 0.5,
         clip_tokens: int = 512) -> torch.Tensor:
    """Clamps w [rows, cols] per (row, group) to the range that best keeps the group products on x [tokens, cols]."""
    w = w.float().clone()
    rows, cols = w.shape
    g = scheme.width(cols)
    tokens = x.shape[0]
    step = max(1, tokens // clip_tokens)
    xs = x[::step].float()
    steps = int(max_shrink * grid)
    for j in range(0, cols, g):
        xg = xs[:, j:j + g]
        wg = w[:, j:j + g]
        ref = wg @ xg.T
        org = wg.abs().amax(1)
        best_err = torch.full((rows,), float("inf"), dtype=torch.float64)
        best_max = org.clone()
        sub = Scheme(scheme.bits, wg.shape[1], scheme.symmetric)
        for i in range(steps):
            f = 1 - float(torch.tensor(i, dtype=torch.float32) / grid)
            m = org * torch.tensor(f, dtype=torch.float32)
            cur = torch.clamp(wg, -m[:, None], m[:, None])
            cur = fake_quantize(cur, sub)
            out = cur @ xg.T
            e = ((out - ref).double() ** 2).mean(1)
            better = e < best_err
            best_err = torch.where(better, e, best_err)
            best_max = torch.where(better, m, best_max)
        w[:, j:j + g] = torch.clamp(wg, -best_max[:, None], best_max[:, None])
    return w


# MARK: running a decoder block by block

class _Stop(Exception):
    pass


def _capture_first_layer(loaded: Loaded, ids: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """The stream entering block 0 and the keyword arguments the decoder passes every block."""
    layer0 = loaded.layers[0]
    box = {}

    def pre(module, args, kwargs):
        box["x"] = args[0] if args else kwargs.pop("hidden_states")
        box["kwargs"] = {k: v for k, v in kwargs.items() if k != "hidden_states"}
        raise _Stop

    h = layer0.register_forward_pre_hook(pre, with_kwargs=True)
    try:
        with torch.no_grad():
            loaded.decoder(input_ids=ids, use_cache=False)
    except _Stop:
        pass
    finally:
        h.remove()
    return box["x"], box["kwargs"]


def _get(layer, name):
    m = layer
    for part in name.split("."):
        m = getattr(m, part)
    return m


def _run_layer(layer, x, kwargs) -> torch.Tensor:
    with torch.no_grad():
        return layer_output(layer(x, **kwargs))


def quantize(loaded: Loaded, method: str, scheme: Scheme, calibration: list[list[int]] | None = None,
             act_order: bool = False, progress: Callable[[int, int], None] | None = None) -> QuantResult:
    """Quantizes every decoder block in place (the model then holds the dequantized weights, as the Swift
    engine's fake-quantized model) and returns the codes."""
    layers = loaded.layers
    n = len(layers)
    for layer in layers:
        for name in LINEARS:
            cols = _get(layer, name).weight.shape[1]
            g = scheme.width(cols)
            if cols % g:
                raise QuantError(f"group size {g} does not divide the {cols} inputs of {name}; choose 32 or 64")
    result = QuantResult(method=method, scheme=scheme)
    x = kwargs = None
    if method != "rtn":
        if not calibration or len(calibration[0]) < 2 or any(len(c) != len(calibration[0]) for c in calibration):
            raise QuantError(f"{method} needs calibration: at least one sample of ≥ 2 tokens, all of one length")
        ids = torch.tensor(calibration, device=loaded.device)
        x, kwargs = _capture_first_layer(loaded, ids)
    for i, layer in enumerate(layers):
        if method == "rtn":
            q = {name: rtn(_get(layer, name).weight.detach().cpu(), scheme) for name in LINEARS}
            alphas = None
        elif method == "gptq":
            q, x = _gptq_block(layer, x, kwargs, scheme, act_order)
            alphas = None
        elif method == "awq":
            q, x, alphas = _awq_block(layer, x, kwargs, scheme)
        else:
            raise QuantError(f"unknown method {method}")
        for name, lin in q.items():
            mod = _get(layer, name)
            mod.weight.data.copy_(lin.dequantized().to(mod.weight.dtype))
        result.linears.append(q)
        if alphas is not None:
            result.alphas.append(alphas)
        if progress:
            progress(i + 1, n)
    return result


def _capture_inputs(layer, x, kwargs, names) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    inputs = {}
    hooks = [_get(layer, nm).register_forward_pre_hook(lambda m, a, nm=nm: inputs.__setitem__(nm, a[0].detach()))
             for nm in names]
    try:
        y = _run_layer(layer, x, kwargs)
    finally:
        for h in hooks:
            h.remove()
    return inputs, y


def _gptq_block(layer, x, kwargs, scheme, act_order):
    names = ["self_attn.q_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.down_proj"]
    inputs, _ = _capture_inputs(layer, x, kwargs, names)
    hess = {}
    for nm, inp in inputs.items():
        X = inp.reshape(-1, inp.shape[-1]).float().cpu()
        hess[nm] = (X.T @ X).double() * (2.0 / X.shape[0])
    which = {"self_attn.q_proj": "self_attn.q_proj", "self_attn.k_proj": "self_attn.q_proj",
             "self_attn.v_proj": "self_attn.q_proj", "self_attn.o_proj": "self_attn.o_proj",
             "mlp.gate_proj": "mlp.gate_proj", "mlp.up_proj": "mlp.gate_proj", "mlp.down_proj": "mlp.down_proj"}
    q = {nm: gptq(_get(layer, nm).weight.detach().cpu(), hess[which[nm]], scheme, act_order) for nm in LINEARS}
    for nm, lin in q.items():
        mod = _get(layer, nm)
        mod.weight.data.copy_(lin.dequantized().to(mod.weight.dtype))
    return q, _run_layer(layer, x, kwargs)


def _awq_block(layer, x, kwargs, scheme):
    names = ["self_attn.q_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.down_proj"]
    attn_kwargs = {}
    h = layer.self_attn.register_forward_pre_hook(
        lambda m, a, kw: attn_kwargs.update({k: v for k, v in kw.items() if k != "hidden_states"}), with_kwargs=True)
    try:
        inputs, y = _capture_inputs(layer, x, kwargs, names)
    finally:
        h.remove()
    normed1, attended = inputs["self_attn.q_proj"], inputs["self_attn.o_proj"]
    normed2, hidden = inputs["mlp.gate_proj"], inputs["mlp.down_proj"]
    W = {nm: _get(layer, nm).weight.detach().float().clone() for nm in LINEARS}
    attn, mlp = layer.self_attn, layer.mlp
    o = attn.o_proj
    with torch.no_grad():
        attn_ref = o(attended)
        mlp_ref = mlp.down_proj(hidden)

    def mse(out, ref):
        return float(((out.float() - ref.float()).double() ** 2).mean())

    def with_weights(pairs, fn):
        saved = [(m, m.weight.data.clone()) for m, _ in pairs]
        try:
            for m, w in pairs:
                m.weight.data.copy_(w)
            with torch.no_grad():
                return fn()
        finally:
            for m, w in saved:
                m.weight.data.copy_(w)

    def attn_out():
        return layer_output(attn(hidden_states=normed1, **attn_kwargs))

    qm, km, vm = attn.q_proj, attn.k_proj, attn.v_proj
    a1, s1 = search_scale([W["self_attn.q_proj"], W["self_attn.k_proj"], W["self_attn.v_proj"]],
                          channel_means(normed1), scheme,
                          lambda t: with_weights([(qm, t[0]), (km, t[1]), (vm, t[2])], lambda: mse(attn_out(), attn_ref)))
    a2 = s2 = None
    if W["self_attn.v_proj"].shape[0] == W["self_attn.q_proj"].shape[0]:
        a2, s2 = search_scale([W["self_attn.o_proj"]], channel_means(attended), scheme,
                              lambda t: with_weights([(o, t[0])], lambda: mse(o(attended), attn_ref)))
    gm, um, dm = mlp.gate_proj, mlp.up_proj, mlp.down_proj
    a3, s3 = search_scale([W["mlp.gate_proj"], W["mlp.up_proj"]], channel_means(normed2), scheme,
                          lambda t: with_weights([(gm, t[0]), (um, t[1])], lambda: mse(mlp(normed2), mlp_ref)))
    a4, s4 = search_scale([W["mlp.down_proj"]], channel_means(hidden), scheme,
                          lambda t: with_weights([(dm, t[0])], lambda: mse(dm(hidden), mlp_ref)))
    # Fold: the preceding op divides, the linears multiply.
    in_norm = layer.input_layernorm.weight.detach().float().clone()
    post_norm = layer.post_attention_layernorm.weight.detach().float().clone()
    for nm in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"):
        W[nm] = W[nm] * s1[None, :]
    in_norm = in_norm / s1
    v_bias = vm.bias.detach().float().clone() if vm.bias is not None else None
    up_bias = um.bias.detach().float().clone() if um.bias is not None else None
    if s2 is not None:
        W["self_attn.v_proj"] = W["self_attn.v_proj"] / s2[:, None]
        if v_bias is not None:
            v_bias = v_bias / s2
        W["self_attn.o_proj"] = W["self_attn.o_proj"] * s2[None, :]
    W["mlp.gate_proj"] = W["mlp.gate_proj"] * s3[None, :]
    W["mlp.up_proj"] = W["mlp.up_proj"] * s3[None, :]
    post_norm = post_norm / s3
    W["mlp.up_proj"] = W["mlp.up_proj"] / s4[:, None]
    if up_bias is not None:
        up_bias = up_bias / s4
    W["mlp.down_proj"] = W["mlp.down_proj"] * s4[None, :]
    # Clip on the scaled inputs (not q, k).
    flat = lambda t: t.reshape(-1, t.shape[-1]).float().cpu()  # noqa: E731
    x1 = flat(normed1) / s1
    xo = flat(attended) / s2 if s2 is not None else flat(attended)
    x2 = flat(normed2) / s3
    xd = flat(hidden) / s4
    W["self_attn.v_proj"] = clip(W["self_attn.v_proj"], x1, scheme)
    W["self_attn.o_proj"] = clip(W["self_attn.o_proj"], xo, scheme)
    W["mlp.gate_proj"] = clip(W["mlp.gate_proj"], x2, scheme)
    W["mlp.up_proj"] = clip(W["mlp.up_proj"], x2, scheme)
    W["mlp.down_proj"] = clip(W["mlp.down_proj"], xd, scheme)
    q = {nm: rtn(W[nm], scheme) for nm in LINEARS}
    layer.input_layernorm.weight.data.copy_(in_norm)
    layer.post_attention_layernorm.weight.data.copy_(post_norm)
    if v_bias is not None:
        vm.bias.data.copy_(v_bias)
    if up_bias is not None:
        um.bias.data.copy_(up_bias)
    return q, y, [a1, a2, a3, a4]
