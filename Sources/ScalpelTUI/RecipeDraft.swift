import ScalpelEngine

/// The recipe the Run screen writes from the workbench's choices (schema: docs/recipes.md): the
/// engine backend, the model, the blocks marked on the Layers screen, a short LoRA fine-tune, the
/// Quantize screen's plan and an accuracy evaluation.
public struct RecipeDraft: Hashable, Sendable {
    /// The run name.
    public var name: String
    /// The model (absolute path).
    public var model: String
    /// Calibration data (absolute path), needed by AWQ/GPTQ.
    public var calibration: String?
    /// Blocks to drop.
    public var dropped: [Int]
    /// Fine-tuning data (absolute path); `nil` skips fine-tuning.
    public var trainingData: String?
    /// Optimizer steps.
    public var steps: Int
    /// Sequence length for calibration and fine-tuning.
    public var seqLen: Int
    /// The quantization plan.
    public var quant: QuantPlan
    /// Evaluation data (absolute path); `nil` skips evaluation.
    public var evaluation: String?
    /// Evaluated examples.
    public var evaluationLimit: Int
    /// The engine that executes the recipe (the recipe's `backend`, and `scalpel run --backend`).
    public var backend: Recipe.Backend

    /// Creates a draft.
    public init(name: String, model: String, calibration: String?, dropped: [Int], trainingData: String?, steps: Int = 20,
                seqLen: Int = 256, quant: QuantPlan, evaluation: String?, evaluationLimit: Int = 50, backend: Recipe.Backend = .swift) {
        self.name = name
        self.model = model
        self.calibration = calibration
        self.dropped = dropped
        self.trainingData = trainingData
        self.steps = steps
        self.seqLen = seqLen
        self.quant = quant
        self.evaluation = evaluation
        self.evaluationLimit = evaluationLimit
        self.backend = backend
    }

    /// The recipe as YAML.
    public var yaml: String {
        var lines = ["# Written by the Scalpel workbench.", "name: \(quoted(name))", "backend: \(backend.rawValue)",
                     "model: \(quoted(model))"]
        let needsCalibration = quant.quantizes && quant.method != "rtn"
        if let calibration, needsCalibration {
            lines += ["calibration:", "  domain: \(quoted(calibration))", "  samples: 16", "  seq_len: \(seqLen)"]
        }
        if !dropped.isEmpty {
            lines.append("prune:")
            lines.append("  drop: [" + dropped.sorted().map(String.init).joined(separator: ", ") + "]")
        }
        if let trainingData {
            lines += ["sft:", "  data: \(quoted(trainingData))", "  method: lora", "  steps: \(steps)", "  batch_size: 2",
                      "  lr: 2.0e-4", "  warmup: \(min(2, max(0, steps - 1)))", "  seq_len: \(seqLen)",
                      "  checkpoint_every: \(steps)"]
        }
        if quant.quantizes {
            lines += ["quantize:", "  method: \(quant.method)", "  bits: \(quant.bits)", "  group_size: \(quant.groupSize)"]
            let keep = QuantPlan.keepableParts.filter { quant.keep16.contains($0.name) }.map(\.recipeName)
            lines.append("  keep_fp16: [" + keep.joined(separator: ", ") + "]")
            if needsCalibration { lines.append("  samples: 16") }
        }
        if let evaluation {
            lines += ["eval:", "  - data: \(quoted(evaluation))", "    metrics: [accuracy]", "    limit: \(evaluationLimit)"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted string.
    private func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
