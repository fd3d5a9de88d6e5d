import ScalpelModels

/// Whole-model throughput: prompt processing (one forward pass over `promptLength` tokens) and
/// incremental decoding with the KV cache, in tokens per second.
public enum ModelBenchmark {
    public static func run(_ model: LlamaModel, promptLength: Int = 256, decodeTokens: Int = 64,
                           minSeconds: Double) throws -> [BenchmarkRow] {
        let vocab = model.config.vocabSize
        let prompt = (0..<promptLength).map { ($0 * 7919 + 13) % vocab }
        var failure: Error?
        let prefill = Stopwatch.secondsPerCall(rounds: 3, minSeconds: minSeconds) {
            do { _ = try model.logits(tokens: prompt) } catch { failure = error }
        }
        if let failure { throw failure }
        let decoder = GreedyDecoder(model: model)
        let seed = Array(prompt.prefix(16))
        let decode = Stopwatch.secondsPerCall(rounds: 3, minSeconds: minSeconds) {
            do { _ = try decoder.generate(prompt: seed, maxTokens: decodeTokens, stopIds: []) } catch { failure = error }
        }
        if let failure { throw failure }
        let params = Double(model.parameterCount)
        return [
            BenchmarkRow(name: "model forward, prompt of \(promptLength)", flops: 2 * params * Double(promptLength),
                         seconds: prefill, tokens: promptLength),
            BenchmarkRow(name: "model decode, \(decodeTokens) tokens after 16", flops: 2 * params * Double(decodeTokens),
                         seconds: decode, tokens: decodeTokens),
        ]
    }
}
