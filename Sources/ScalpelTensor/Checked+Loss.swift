// The checked layer over cross-entropy.

extension CrossEntropy {
    /// Mean cross-entropy of `logits[..., V]` against `targets` (one per row; `ignoreIndex` rows do
    /// not count). Throws when a target is outside the vocabulary or every target is ignored.
    @inlinable
    public static func forward<T>(
        logits: Tensor<T>, targets: [Int32], ignoreIndex: Int32 = -100
    ) throws -> (loss: T, count: Int) {
        let (n, v) = try sizes(logits, targets, ignoreIndex)
        return logits.withUnsafeBufferPointer { lp in
            targets.withUnsafeBufferPointer { tp in
                forward(logits: lp.base, targets: tp.base, n: n, vocab: v, ignoreIndex: ignoreIndex)
            }
        }
    }

    /// `∂(dLoss · loss)/∂logits`: `(softmax − onehot)/count` per counted row, zero rows elsewhere.
    @inlinable
    public static func backward<T>(
        logits: Tensor<T>, targets: [Int32], ignoreIndex: Int32 = -100, dLoss: T = 1
    ) throws -> Tensor<T> {
        let (n, v) = try sizes(logits, targets, ignoreIndex)
        let count = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
        var dLogits = [T](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { lp in
            targets.withUnsafeBufferPointer { tp in
                dLogits.withUnsafeMutableBufferPointer { dp in
                    backward(dLogits: dp.base, logits: lp.base, targets: tp.base, n: n, vocab: v, count: count,
                             ignoreIndex: ignoreIndex, dLoss: dLoss)
                }
            }
        }
        return Tensor(validShape: logits.shape, storage: dLogits)
    }

    @inlinable
    static func sizes<T>(_ logits: Tensor<T>, _ targets: [Int32], _ ignoreIndex: Int32) throws -> (Int, Int) {
        let op = "crossEntropy"
        try Check.rank(logits, atLeast: 1, op, "logits")
        let n = logits.leadingCount, v = logits.lastDim
        guard targets.count == n else {
            throw TensorError(op, "\(targets.count) targets for \(n) rows of logits")
        }
        var counted = 0
        for (row, t) in targets.enumerated() where t != ignoreIndex {
            guard t >= 0, Int(t) < v else {
                throw TensorError(op, "target \(t) at row \(row) is outside the vocabulary of \(v)")
            }
            counted += 1
        }
        guard n > 0 else { throw TensorError(op, "there are no targets, so the mean loss is undefined") }
        guard counted > 0 else {
            throw TensorError(op, "every target is ignored (ignore index \(ignoreIndex)), so the mean loss is undefined")
        }
        return (n, v)
    }
}
