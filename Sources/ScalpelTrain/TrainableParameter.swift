import ScalpelModels

/// One tensor the optimizer updates: its Hugging Face (or PEFT) name, values, gradient and shape.
public struct TrainableParameter: @unchecked Sendable {
    public let name: String
    public let value: FloatBuffer
    public let grad: FloatBuffer
    public let shape: [Int]
    /// Whether AdamW's weight decay applies (Hugging Face's Trainer exempts biases and norm weights).
    public let decays: Bool

    public init(name: String, value: FloatBuffer, grad: FloatBuffer, shape: [Int], decays: Bool? = nil) {
        self.name = name
        self.value = value
        self.grad = grad
        self.shape = shape
        self.decays = decays ?? !(name.contains("norm") || name.hasSuffix(".bias"))
    }
}

/// Which base weights are trained in full (beside any LoRA adapters).
public struct FullFineTuning: Sendable, Equatable {
    /// Decoder blocks whose every weight is trainable.
    public var blocks: Set<Int>
    public var embeddings: Bool
    public var finalNorm: Bool
    public var lmHead: Bool

    public init(blocks: Set<Int> = [], embeddings: Bool = false, finalNorm: Bool = false, lmHead: Bool = false) {
        self.blocks = blocks
        self.embeddings = embeddings
        self.finalNorm = finalNorm
        self.lmHead = lmHead
    }

    /// Nothing trained in full (LoRA only).
    public static let none = FullFineTuning()

    /// Every weight of a decoder with `layers` blocks.
    public static func all(layers: Int) -> FullFineTuning {
        FullFineTuning(blocks: Set(0..<layers), embeddings: true, finalNorm: true, lmHead: true)
    }
}
