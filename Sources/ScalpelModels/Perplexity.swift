import Foundation
import ScalpelTensor

/// Perplexity of a decoder on a token stream, cut into non-overlapping windows of `context` tokens:
/// each window is run from an empty cache and every token after its first is predicted, as
/// transformers' `labels=input_ids` loss does per window. Logits are formed a block of rows at a
/// time, so a long window never holds `[context, vocab]` floats at once.
public enum Perplexity {
    public struct Result: Sendable, Equatable {
        /// `exp(mean negative log-likelihood)`.
        public var perplexity: Double
        /// The mean negative log-likelihood in nats.
        public var meanNLL: Double
        /// Tokens predicted (each window contributes its length − 1).
        public var predicted: Int
        public var windows: Int
    }

    /// Evaluates `tokens` in windows of `context`; `progress` gets (windows done, windows total).
    public static func evaluate(_ model: LlamaModel, tokens: [Int], context: Int,
                                progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        guard context >= 2 else { throw ModelError("the context must hold at least 2 tokens (got \(context))") }
        guard tokens.count >= 2 else { throw ModelError("perplexity needs at least 2 tokens (got \(tokens.count))") }
        let windows = stride(from: 0, to: tokens.count, by: context).map { Array(tokens[$0..<min($0 + context, tokens.count)]) }
            .filter { $0.count >= 2 }
        let vocab = model.config.vocabSize, h = model.config.hiddenSize
        let rowsPerBlock = 64
        let logits = FloatBuffer(count: rowsPerBlock * vocab)
        var totalNLL = 0.0
        var predicted = 0
        for (w, window) in windows.enumerated() {
            let x = try model.embed(window)
            try model.runDecoder(x, step: BlockStep(batch: 1, seqLen: window.count))
            let targets = (1..<window.count).map { Int32(window[$0]) }
            var row = 0
            while row < targets.count {
                let rows = min(rowsPerBlock, targets.count - row)
                model.logits(hidden: x.pointer + row * h, rows: rows, into: logits.pointer)
                let (loss, count) = targets.withUnsafeBufferPointer { t in
                    CrossEntropy.forward(logits: logits.pointer, targets: t.baseAddress! + row, n: rows, vocab: vocab)
                }
                totalNLL += Double(loss) * Double(count)
                predicted += count
                row += rows
            }
            progress?(w + 1, windows.count)
        }
        let mean = totalNLL / Double(predicted)
        return Result(perplexity: mean.isFinite ? Foundation.exp(mean) : .infinity, meanNLL: mean, predicted: predicted, windows: windows.count)
    }

}
