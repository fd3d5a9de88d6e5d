/// The Quantize screen's choices: the `quantize` section of the recipe the Run screen writes.
public struct QuantPlan: Hashable, Sendable {
    /// Quantization methods, `none` keeping 16-bit weights.
    public static let methods = ["awq", "gptq", "rtn", "none"]
    /// Bit widths the quantizers support.
    public static let bitChoices = [2, 3, 4, 8]
    /// Group sizes; 0 stands for per channel.
    public static let groupChoices = [32, 64, 128, 0]
    /// Context lengths offered for the KV cache.
    public static let contextChoices = [512, 1024, 2048, 4096, 8192, 16384, 32768]
    /// Parts that can stay 16-bit, with their names in a recipe's `keep_fp16`.
    public static let keepableParts: [(name: String, recipeName: String)] = [
        ("embeddings", "embed_tokens"), ("head", "lm_head"), ("vision", "vision_tower"), ("projector", "projector"),
    ]

    /// `awq`, `gptq`, `rtn` or `none`.
    public var method = "awq"
    /// Bits per weight.
    public var bits = 4
    /// Inputs per group, 0 for per channel.
    public var groupSize = 128
    /// Parts kept 16-bit.
    public var keep16: Set<String> = ["embeddings", "head", "vision", "projector"]
    /// Context length for the KV cache.
    public var context = 2048
    /// The memory budget the bar is drawn against, in bytes.
    public var budgetBytes = 4_000_000_000

    /// Creates the default plan: AWQ 4-bit, groups of 128, embeddings/head/vision/projector 16-bit, 2048 tokens, 4 GB.
    public init() {}

    /// The largest offered group size that divides every width in `widths` (0, per channel, when none does).
    public static func largestGroup(dividing widths: [Int]) -> Int {
        [128, 64, 32].first { g in widths.allSatisfy { $0 > 0 && $0 % g == 0 } } ?? 0
    }

    /// Whether weights are quantized.
    public var quantizes: Bool { method != "none" }

    /// The estimator's input for this plan with `dropped` blocks removed.
    public func memoryPlan(dropped: Set<Int>) -> MemoryPlan {
        MemoryPlan(dropped: dropped, bits: quantizes ? bits : nil, groupSize: groupSize > 0 ? groupSize : nil,
                   symmetric: false, keep16: keep16, context: context)
    }

    /// The form's rows, in order.
    public enum Field: Int, CaseIterable, Hashable, Sendable {
        case method, bits, group, keepEmbeddings, keepHead, keepVision, keepProjector, context, budget

        /// The label in the form.
        public var label: String {
            switch self {
            case .method: "Method"
            case .bits: "Bits"
            case .group: "Group size"
            case .keepEmbeddings: "16-bit embeddings"
            case .keepHead: "16-bit lm head"
            case .keepVision: "16-bit vision"
            case .keepProjector: "16-bit projector"
            case .context: "Context length"
            case .budget: "Memory budget"
            }
        }

        /// The label in a narrow form.
        public var shortLabel: String {
            switch self {
            case .method: "Method"
            case .bits: "Bits"
            case .group: "Group"
            case .keepEmbeddings: "16b embed"
            case .keepHead: "16b head"
            case .keepVision: "16b vision"
            case .keepProjector: "16b proj"
            case .context: "Context"
            case .budget: "Budget"
            }
        }

        /// The part a keep row toggles.
        var keepPart: String? {
            switch self {
            case .keepEmbeddings: "embeddings"
            case .keepHead: "head"
            case .keepVision: "vision"
            case .keepProjector: "projector"
            default: nil
            }
        }
    }

    /// The value shown for `field`.
    public func value(_ field: Field) -> String {
        switch field {
        case .method: method == "none" ? "none (16-bit)" : method.uppercased()
        case .bits: "\(bits)-bit"
        case .group: groupSize == 0 ? "per channel" : "\(groupSize)"
        case .context: "\(context) tokens"
        case .budget: Quantity.bytes(budgetBytes)
        default: keep16.contains(field.keepPart ?? "") ? "[x]" : "[ ]"
        }
    }

    /// Steps `field` to its next (`delta` 1) or previous (−1) choice; keep rows toggle.
    public mutating func step(_ field: Field, by delta: Int) {
        func cycle<T: Equatable>(_ choices: [T], _ current: T) -> T {
            let i = choices.firstIndex(of: current) ?? 0
            return choices[(i + delta + choices.count * 4) % choices.count]
        }
        switch field {
        case .method: method = cycle(Self.methods, method)
        case .bits: bits = cycle(Self.bitChoices, bits)
        case .group: groupSize = cycle(Self.groupChoices, groupSize)
        case .context: context = cycle(Self.contextChoices, context)
        case .budget: budgetBytes = max(250_000_000, budgetBytes + delta * 250_000_000)
        default:
            guard let part = field.keepPart else { return }
            if keep16.contains(part) { keep16.remove(part) } else { keep16.insert(part) }
        }
    }
}
