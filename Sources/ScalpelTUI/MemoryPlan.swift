/// The choices the deploy-memory estimate depends on: what is dropped, how weights are stored, and
/// the context the KV cache is sized for. A plain value, so the workbench can ask an estimator
/// supplied by the command line without knowing how it computes.
public struct MemoryPlan: Hashable, Sendable {
    /// Decoder blocks removed.
    public var dropped: Set<Int>
    /// Bits per quantized weight; `nil` keeps every weight 16-bit.
    public var bits: Int?
    /// Inputs per quantization group; `nil` for per channel.
    public var groupSize: Int?
    /// Whether zero points are left out.
    public var symmetric: Bool
    /// Parts kept 16-bit: any of ``QuantPlan/keepableParts``.
    public var keep16: Set<String>
    /// Tokens of context the KV cache holds.
    public var context: Int

    /// Creates a plan.
    public init(dropped: Set<Int> = [], bits: Int? = 4, groupSize: Int? = 128, symmetric: Bool = false,
                keep16: Set<String> = ["embeddings", "head", "vision", "projector"], context: Int = 2048) {
        self.dropped = dropped
        self.bits = bits
        self.groupSize = groupSize
        self.symmetric = symmetric
        self.keep16 = keep16
        self.context = context
    }
}

/// Deploy memory for a ``MemoryPlan``, by part, in bytes.
public struct MemoryBreakdown: Hashable, Sendable {
    /// One row of the weights table.
    public struct Part: Hashable, Sendable {
        /// The part's name.
        public var name: String
        /// Its parameters.
        public var parameters: Int
        /// Bits per stored weight, overhead included.
        public var bits: Double
        /// Its bytes.
        public var bytes: Int

        /// Creates a part.
        public init(name: String, parameters: Int, bits: Double, bytes: Int) {
            self.name = name
            self.parameters = parameters
            self.bits = bits
            self.bytes = bytes
        }
    }

    /// Weights by part.
    public var parts: [Part]
    /// The KV cache at the plan's context.
    public var kvCacheBytes: Int
    /// Activation scratch.
    public var activationsBytes: Int

    /// Creates a breakdown.
    public init(parts: [Part], kvCacheBytes: Int, activationsBytes: Int) {
        self.parts = parts
        self.kvCacheBytes = kvCacheBytes
        self.activationsBytes = activationsBytes
    }

    /// All weights.
    public var weightsBytes: Int { parts.reduce(0) { $0 + $1.bytes } }
    /// Weights, KV cache and activations.
    public var totalBytes: Int { weightsBytes + kvCacheBytes + activationsBytes }
    /// All parameters kept.
    public var parameters: Int { parts.reduce(0) { $0 + $1.parameters } }
}

/// Computes deploy memory for plans: the command line passes one built on the engine's estimator, so
/// the workbench shows the same numbers as `scalpel estimate`.
public struct MemoryEstimator: Hashable, Sendable {
    /// Names the estimator (equal ids: the same estimator).
    public var id: String
    /// The estimate for a plan, or why the plan cannot be estimated.
    public var estimate: @Sendable (MemoryPlan) -> Result<MemoryBreakdown, EstimateError>

    /// Why a plan has no estimate.
    public struct EstimateError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The message.
        public var description: String
        /// Creates an error.
        public init(_ description: String) { self.description = description }
    }

    /// Creates an estimator.
    public init(id: String, estimate: @escaping @Sendable (MemoryPlan) -> Result<MemoryBreakdown, EstimateError>) {
        self.id = id
        self.estimate = estimate
    }

    public static func == (a: MemoryEstimator, b: MemoryEstimator) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}
