import Foundation

/// Which linear layers get LoRA adapters, as PEFT's `target_modules`: a list of names, each matching
/// a module whose full name equals it or ends with `"." + name`, or one regular expression that must
/// match the whole module name.
public enum LoRATargets: Sendable, Equatable {
    case suffixes([String])
    case regex(String)

    /// LLaMA's seven projections (PEFT's usual "all linear" choice for a decoder).
    public static let allLinear = LoRATargets.suffixes(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])

    /// Whether the module named `name` (e.g. `model.layers.3.self_attn.q_proj`) is a target.
    public func matches(_ name: String) throws -> Bool {
        switch self {
        case .suffixes(let list):
            return list.contains { name == $0 || name.hasSuffix("." + $0) }
        case .regex(let pattern):
            let re = try NSRegularExpression(pattern: "^(?:" + pattern + ")$")
            let range = NSRange(name.startIndex..., in: name)
            return re.firstMatch(in: name, range: range) != nil
        }
    }
}

/// LoRA hyperparameters, with PEFT's meanings: `ΔW = B·A·scale`, `A[r, in]`, `B[out, r]`,
/// `scale = alpha / r` (or `alpha / √r` with rsLoRA), dropout applied to the adapter's input.
public struct LoRAConfig: Sendable, Equatable {
    public var rank: Int
    public var alpha: Double
    public var dropout: Double
    public var useRSLoRA: Bool
    public var targets: LoRATargets
    /// Seeds the initialisation of A (and, mixed with the step, the dropout masks).
    public var seed: UInt64

    public init(rank: Int = 8, alpha: Double = 16, dropout: Double = 0, useRSLoRA: Bool = false,
                targets: LoRATargets = .allLinear, seed: UInt64 = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.useRSLoRA = useRSLoRA
        self.targets = targets
        self.seed = seed
    }

    /// The factor on `B·A·x`.
    public var scale: Float {
        Float(useRSLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank))
    }
}
