import ScalpelFormats

/// One decoder layer's cached keys (after RoPE) and values for incremental decoding:
/// `[batch, capacity, kvHeads·headDim]` each, rows `0 ..< length` filled.
public final class KVCacheLayer: @unchecked Sendable {
    public let batch: Int
    public let capacity: Int
    public let width: Int
    public let keys: FloatBuffer
    public let values: FloatBuffer
    /// Positions filled so far (the same for every batch element).
    public private(set) var length = 0

    public init(config: ModelConfig.Llama, batch: Int, capacity: Int) {
        self.batch = batch
        self.capacity = capacity
        width = config.numKeyValueHeads * config.headDim
        keys = FloatBuffer(count: batch * capacity * width)
        values = FloatBuffer(count: batch * capacity * width)
    }

    /// Copies this step's keys and values (`[batch·seqLen, width]`) into rows `past ..< past+seqLen`.
    func append(k: UnsafePointer<Float>, v: UnsafePointer<Float>, step: BlockStep) {
        precondition(step.past == length && step.past + step.seqLen <= capacity && step.batch == batch,
                     "KV cache misuse: past \(step.past), length \(length), capacity \(capacity)")
        for b in 0..<batch {
            let src = b * step.seqLen * width
            let dst = (b * capacity + step.past) * width
            (keys.pointer + dst).update(from: k + src, count: step.seqLen * width)
            (values.pointer + dst).update(from: v + src, count: step.seqLen * width)
        }
        length = step.past + step.seqLen
    }

    /// Forgets every position (the buffers are reused).
    public func reset() { length = 0 }
}
