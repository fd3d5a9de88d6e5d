import ScalpelFormats

/// Keys and values of every decoder layer for incremental decoding.
public final class KVCache: @unchecked Sendable {
    public let layers: [KVCacheLayer]
    public let capacity: Int

    public init(config: ModelConfig.Llama, batch: Int = 1, capacity: Int) {
        self.capacity = capacity
        layers = (0..<config.numHiddenLayers).map { _ in KVCacheLayer(config: config, batch: batch, capacity: capacity) }
    }

    /// Positions filled so far.
    public var length: Int { layers.first?.length ?? 0 }

    /// Forgets every position.
    public func reset() { layers.forEach { $0.reset() } }
}
