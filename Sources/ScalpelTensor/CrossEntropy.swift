import RealModule

/// Softmax cross-entropy over logits with an ignore index, averaged over the rows that count
/// (PyTorch's `F.cross_entropy(..., ignore_index=-100, reduction="mean")`).
///
/// Layouts: `logits[N, V]`, `targets[N]` (each in `0..<V`, or `ignoreIndex` for a row that does
/// not count), `dLogits[N, V]`. The raw kernels do not check targets; the checked layer does.
public enum CrossEntropy {
    /// The mean of `logsumexp(logits[n]) − logits[n, targets[n]]` over counted rows, and how many
    /// rows counted. With no counted row the loss is NaN and the count 0. `losses[N]`, when given,
    /// receives each row's loss (0 for ignored rows).
    @inlinable
    public static func forward<T: KernelScalar>(
        logits: UnsafePointer<T>, targets: UnsafePointer<Int32>, n: Int, vocab: Int,
        ignoreIndex: Int32 = -100, losses: UnsafeMutablePointer<T>? = nil
    ) -> (loss: T, count: Int) {
        var total: T = 0
        var count = 0
        for row in 0..<n {
            let target = targets[row]
            if target == ignoreIndex {
                losses?[row] = 0
                continue
            }
            let l = logits + row * vocab
            let rowLoss = logSumExp(l, vocab) - l[Int(target)]
            losses?[row] = rowLoss
            total += rowLoss
            count += 1
        }
        return (count == 0 ? T.nan : total / T(count), count)
    }

    /// `dLogits[n] += dLoss · (softmax(logits[n]) − onehot(targets[n])) / count` for counted rows;
    /// ignored rows get nothing. `count` is the one `forward` returned (0 adds nothing).
    @inlinable
    public static func backward<T: KernelScalar>(
        dLogits: UnsafeMutablePointer<T>, logits: UnsafePointer<T>, targets: UnsafePointer<Int32>,
        n: Int, vocab: Int, count: Int, ignoreIndex: Int32 = -100, dLoss: T = 1
    ) {
        guard count > 0 else { return }
        let scale = dLoss / T(count)
        for row in 0..<n {
            let target = targets[row]
            if target == ignoreIndex { continue }
            let l = logits + row * vocab
            let d = dLogits + row * vocab
            let lse = logSumExp(l, vocab)
            for i in 0..<vocab { d[i] += scale * T.exp(l[i] - lse) }
            d[Int(target)] -= scale
        }
    }

    /// `log Σ exp(x[i])`, with the maximum taken out first.
    @inlinable
    static func logSumExp<T: KernelScalar>(_ x: UnsafePointer<T>, _ count: Int) -> T {
        var maxValue = -T.infinity
        for i in 0..<count where x[i] > maxValue { maxValue = x[i] }
        if !maxValue.isFinite { return maxValue }
        var sum: T = 0
        withUnsafeTemporaryAllocation(of: T.self, capacity: 256) { buffer in
            let e = buffer.baseAddress!
            var start = 0
            while start < count {
                let n = min(256, count - start)
                for i in 0..<n { e[i] = x[start + i] - maxValue }
                expInPlace(e, count: n)
                for i in 0..<n { sum += e[i] }
                start += n
            }
        }
        return maxValue + T.log(sum)
    }
}
