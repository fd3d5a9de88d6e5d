/// Greedy decoding with a KV cache: prefill the prompt once, then one token per step, stopping at
/// an end-of-sequence id or after `maxTokens`.
public struct GreedyDecoder {
    public let model: LlamaModel
    public init(model: LlamaModel) { self.model = model }

    /// Generates up to `maxTokens` ids after `prompt`; `onToken` sees each new id as it is chosen
    /// and may return false to stop early. The stop id itself is not returned.
    public func generate(prompt: [Int], maxTokens: Int, stopIds: Set<Int>,
                         onToken: (Int) -> Bool = { _ in true }) throws -> [Int] {
        guard !prompt.isEmpty else { throw ModelError("the prompt is empty") }
        return try generate(promptEmbeddings: try model.embed(prompt), promptLength: prompt.count,
                            maxTokens: maxTokens, stopIds: stopIds, onToken: onToken)
    }

    /// The same from prompt embeddings `[promptLength, hidden]` (LLaVA splices image features into
    /// them); later steps embed the chosen tokens.
    public func generate(promptEmbeddings: FloatBuffer, promptLength: Int, maxTokens: Int, stopIds: Set<Int>,
                         onToken: (Int) -> Bool = { _ in true }) throws -> [Int] {
        guard promptLength > 0 else { throw ModelError("the prompt is empty") }
        let vocab = model.config.vocabSize, h = model.config.hiddenSize
        let cache = KVCache(config: model.config, capacity: promptLength + maxTokens)
        let logits = FloatBuffer(count: vocab)
        var x = promptEmbeddings
        var length = promptLength
        var produced: [Int] = []
        while produced.count < maxTokens {
            try model.runDecoder(x, step: BlockStep(batch: 1, seqLen: length, past: cache.length), cache: cache)
            model.logits(hidden: x.pointer + (length - 1) * h, rows: 1, into: logits.pointer)
            let token = Self.argmax(logits.pointer, count: vocab)
            if stopIds.contains(token) { break }
            produced.append(token)
            if !onToken(token) { break }
            x = try model.embed([token])
            length = 1
        }
        return produced
    }

    /// The index of the largest value (the first on ties, as torch.argmax).
    static func argmax(_ p: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for i in 1..<count where p[i] > p[best] { best = i }
        return best
    }
}
