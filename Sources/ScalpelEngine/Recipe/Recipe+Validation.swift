import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels
import ScalpelTrain

extension Recipe {
    /// Checks that need the model's configuration (read from `config.json` or GGUF metadata; no weights
    /// are loaded): block indices and counts against the decoder's depth, the group size against every
    /// quantized width, what AWQ export can carry (packing of outputs, parts it cannot quantize), tied
    /// embeddings kept or quantized together, LoRA targets against the decoder's module names, LLaVA-only
    /// parts, and sequence lengths against the position limit.
    ///
    /// Values the loader already reported are skipped. Each diagnostic points at the offending value.
    public func validate(against checkpoint: Checkpoint) -> [RecipeDiagnostic] {
        let names = checkpoint.config.llava != nil ? LlavaTensorNames.detect(in: checkpoint.weights).text
                                                   : LlamaTensorNames.detect(in: checkpoint.weights)
        return validate(config: checkpoint.config, names: names)
    }

    /// `validate(against:)` for a configuration and the tensor-name layout LoRA targets are matched on.
    public func validate(config: ModelConfig, names: LlamaTensorNames = .llama) -> [RecipeDiagnostic] {
        var out: [RecipeDiagnostic] = []
        let bad = locations.invalid
        let c = config.text
        let blocks = c.numHiddenLayers

        switch prune?.selection {
        case .blocks(let drop)?:
            for i in drop where i >= blocks && !bad.contains("prune.drop[=\(i)]") {
                out.append(diagnostic(at: "prune.drop[=\(i)]", "block \(i) does not exist",
                                      hint: "the decoder has \(blocks) blocks, 0–\(blocks - 1)"))
            }
            if !drop.isEmpty, drop.allSatisfy({ $0 < blocks }), Set(drop).count >= blocks {
                out.append(diagnostic(at: "prune.drop", "prune.drop removes all \(blocks) blocks of the decoder",
                                      hint: "keep at least one block"))
            }
        case .count(let n, _)? where n >= blocks && !bad.contains("prune.count"):
            out.append(diagnostic(at: "prune.count", "prune.count \(n) would drop every block (the decoder has \(blocks))",
                                  hint: "choose at most \(blocks - 1)"))
        default:
            break
        }

        if let q = quantize, let g = q.scheme.groupSize, !bad.contains("quantize.group_size") {
            let qd = c.numAttentionHeads * c.headDim
            let widths = [("q/k/v/gate/up_proj", c.hiddenSize), ("o_proj", qd), ("down_proj", c.intermediateSize)]
            if let (what, width) = widths.first(where: { $0.1 % g != 0 }) {
                let fits = QuantScheme.supportedGroups.filter { s in widths.allSatisfy { $0.1 % s == 0 } }
                out.append(diagnostic(at: "quantize.group_size",
                                      "quantize.group_size \(g) does not divide the \(width) inputs of \(what)",
                                      hint: fits.isEmpty ? "no group size divides \(widths.map { String($0.1) }.joined(separator: ", ")): use group_size: 0 (per channel)"
                                                         : "choose a group size that divides every width: \(fits.map(String.init).joined(separator: " or "))"))
            }
        }

        if quantize != nil, export?.formats.contains(.awq) == true, !bad.contains("export.formats[=awq]") {
            let kvd = c.numKeyValueHeads * c.headDim
            let outputs = [c.hiddenSize, c.numAttentionHeads * c.headDim, kvd, c.intermediateSize]
            if let n = outputs.first(where: { $0 % 8 != 0 }) {
                out.append(diagnostic(at: "export.formats[=awq]", "export format awq cannot hold a linear with \(n) outputs",
                                      hint: "AWQ GEMM packs 8 outputs per word; export hf or gguf"))
            }
        }

        if let q = quantize, !bad.contains("quantize.keep_fp16") {
            let tied = c.tieWordEmbeddings
            let keep = Set(q.keepFP16)
            if tied, keep.contains("embed_tokens") != keep.contains("lm_head") {
                out.append(diagnostic(at: "quantize.keep_fp16", "the model's embeddings and LM head are one tied tensor: quantize.keep_fp16 must list both or neither"))
            }
            if export?.formats.contains(.awq) == true, !bad.contains("export.formats[=awq]") {
                let parts = ["embed_tokens"] + (tied ? [] : ["lm_head"]) + (config.llava != nil ? ["vision_tower", "projector"] : [])
                let missing = parts.filter { !keep.contains($0) }
                if !missing.isEmpty {
                    out.append(diagnostic(at: "export.formats[=awq]",
                                          "export format awq cannot carry a quantized \(missing.joined(separator: ", ")) (AutoAWQ's GEMM layout quantizes only the decoder's linears)",
                                          hint: "add \(missing.joined(separator: ", ")) to quantize.keep_fp16, or export gguf or hf"))
                }
            }
        }

        if let sft, sft.method == .lora, !bad.contains("sft.lora.targets") {
            let modules = (0..<blocks).flatMap { layer in LlamaBlockAdapters.moduleSuffixes.map { names.layer(layer, $0) } }
            switch sft.lora.targets {
            case .suffixes(let targets):
                let short = LlamaBlockAdapters.moduleSuffixes.map { String($0.split(separator: ".").last!) }
                for t in targets where !t.isEmpty && !bad.contains("sft.lora.targets[=\(t)]") {
                    guard !modules.contains(where: { (try? LoRATargetsMatch.matches(t, $0)) ?? false }) else { continue }
                    let near = closestMatch(to: t, among: short + LlamaBlockAdapters.moduleSuffixes)
                    out.append(diagnostic(at: "sft.lora.targets[=\(t)]", "LoRA target '\(t)' matches no module of the decoder",
                                          hint: near.map { "did you mean '\($0)'?" } ?? "the decoder's linears are \(short.joined(separator: ", "))"))
                }
            case .regex(let pattern):
                if !modules.contains(where: { (try? sft.lora.targets.matches($0)) ?? false }) {
                    out.append(diagnostic(at: "sft.lora.targets", "LoRA target pattern '\(pattern)' matches no module of the decoder",
                                          hint: "module names look like \(names.layer(0, "self_attn.q_proj"))"))
                }
            }
        }

        if let sft, sft.method == .full, config.llava == nil {
            for part in sft.full.parts where (part == .projector || part == .visionTower) && !bad.contains("sft.full.parts[=\(part.rawValue)]") {
                out.append(diagnostic(at: "sft.full.parts[=\(part.rawValue)]", "sft.full.parts '\(part.rawValue)': the model has no \(part == .projector ? "projector" : "vision tower")",
                                      hint: "it is a plain LLaMA decoder"))
            }
        }

        let limit = c.maxPositionEmbeddings
        if let sft, sft.seqLen > limit, !bad.contains("sft.seq_len") {
            out.append(diagnostic(at: "sft.seq_len", "sft.seq_len \(sft.seqLen) exceeds the model's \(limit) positions"))
        }
        if let cal = calibration, cal.seqLen > limit, !bad.contains("calibration.seq_len") {
            out.append(diagnostic(at: "calibration.seq_len", "calibration.seq_len \(cal.seqLen) exceeds the model's \(limit) positions"))
        }
        return out
    }
}

/// LoRA target matching exactly as `LoRATargets.matches` does it, for one name of a list.
enum LoRATargetsMatch {
    static func matches(_ target: String, _ module: String) throws -> Bool {
        try LoRATargets.suffixes([target]).matches(module)
    }
}
