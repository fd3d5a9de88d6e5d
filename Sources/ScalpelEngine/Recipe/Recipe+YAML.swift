import ScalpelCompress
import ScalpelFormats

extension Recipe {
    /// The recipe as YAML with every setting spelled out (defaults included) and absolute paths, so the
    /// copy kept in a run folder reads back to an equal recipe from anywhere.
    public func yamlText() -> String {
        var lines: [String] = []
        func q(_ s: String) -> String { JSONValue.quoted(s) }
        func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(format: "%.1f", v) : "\(v)" }
        func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

        lines.append("name: \(q(name))")
        lines.append("backend: \(backend.rawValue)")
        if let remote { lines.append("remote: \(q(remote))") }
        if let torchSettings, !torchSettings.text.isEmpty {
            lines.append("torch:")
            for line in torchSettings.text.split(separator: "\n", omittingEmptySubsequences: true) {
                lines.append("  " + line)
            }
        }
        lines.append("seed: \(seed)")
        lines.append("model: \(q(model))")
        if let c = calibration {
            lines.append("calibration:")
            lines.append("  domain: \(q(c.domain))")
            if let g = c.general { lines.append("  general: \(q(g))") }
            lines.append("  samples: \(c.samples)")
            lines.append("  seq_len: \(c.seqLen)")
        }
        if let i = importance {
            lines.append("importance:")
            lines.append("  criteria: \(list(i.criteria.map(\.rawValue)))")
            lines.append("  lambda: \(number(i.lambda))")
            lines.append("  base: \(i.base.rawValue)")
        }
        if let p = prune {
            lines.append("prune:")
            switch p.selection {
            case .blocks(let b):
                lines.append("  drop: \(list(b.map(String.init)))")
            case .count(let n, let criterion):
                lines.append("  count: \(n)")
                lines.append("  criterion: \(criterion.rawValue)")
            }
        }
        if let s = sft {
            lines.append("sft:")
            lines.append("  data: \(q(s.data))")
            if let v = s.validation { lines.append("  validation: \(q(v))") }
            lines.append("  method: \(s.method.rawValue)")
            let targets: String
            switch s.lora.targets {
            case .suffixes(let names): targets = list(names.map(q))
            case .regex(let pattern): targets = q(pattern)
            }
            lines.append("  lora: {r: \(s.lora.rank), alpha: \(number(s.lora.alpha)), dropout: \(number(s.lora.dropout)), "
                         + "rslora: \(s.lora.rsLoRA), targets: \(targets)}")
            lines.append("  full: {parts: \(list(s.full.parts.map(\.rawValue)))}")
            lines.append("  steps: \(s.steps)")
            lines.append("  batch_size: \(s.batchSize)")
            lines.append("  grad_accum: \(s.gradAccum)")
            lines.append("  lr: \(s.learningRate)")
            lines.append("  warmup: \(s.warmup)")
            lines.append("  weight_decay: \(number(s.weightDecay))")
            lines.append("  max_grad_norm: \(number(s.maxGradNorm ?? 0))")
            lines.append("  seq_len: \(s.seqLen)")
            lines.append("  eval_every: \(s.evalEvery)")
            lines.append("  checkpoint_every: \(s.checkpointEvery)")
        }
        if let x = quantize {
            lines.append("quantize:")
            lines.append("  method: \(x.method.rawValue)")
            lines.append("  bits: \(x.scheme.bits)")
            lines.append("  group_size: \(x.scheme.groupSize ?? 0)")
            lines.append("  symmetric: \(x.scheme.symmetric)")
            lines.append("  keep_fp16: \(list(x.keepFP16))")
            lines.append("  samples: \(x.samples)")
            lines.append("  act_order: \(x.actOrder)")
        }
        if !evaluations.isEmpty {
            lines.append("eval:")
            for e in evaluations {
                lines.append("  - name: \(q(e.name))")
                lines.append("    data: \(q(e.data))")
                lines.append("    metrics: \(list(e.metrics.map(\.rawValue)))")
                if let l = e.limit { lines.append("    limit: \(l)") }
            }
        }
        lines.append("baseline: \(baseline)")
        if let x = export {
            lines.append("export:")
            lines.append("  formats: \(list(x.formats.map(\.rawValue)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
