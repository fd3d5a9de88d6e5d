import Foundation
import Testing
import ScalpelTensor

@Suite("Cross-entropy")
struct CrossEntropyTests {
    /// Rows: [0, 0] → target 0 (loss ln 2); an ignored row; [ln 3, 0] → target 0 (loss ln 4/3).
    static let logits = try! Tensor<Double>(shape: [3, 2], storage: [0, 0, 5, -5, log(3), 0])
    static let targets: [Int32] = [0, -100, 0]

    @Test("a tiny case by hand: mean over counted rows")
    func forwardByHand() throws {
        let (loss, count) = try CrossEntropy.forward(logits: Self.logits, targets: Self.targets)
        #expect(count == 2)
        #expect(abs(loss - (log(2) + log(4.0 / 3)) / 2) < 1e-15)
    }

    @Test("backward is (softmax − onehot)/count, zero for the ignored row")
    func backwardByHand() throws {
        let d = try CrossEntropy.backward(logits: Self.logits, targets: Self.targets)
        #expect(close(d.storage, [-0.25, 0.25, 0, 0, -0.125, 0.125], atol: 1e-15))
        let scaled = try CrossEntropy.backward(logits: Self.logits, targets: Self.targets, dLoss: 2)
        #expect(close(scaled.storage, d.storage.map { 2 * $0 }, atol: 1e-15))
    }

    @Test("another ignore index")
    func customIgnoreIndex() throws {
        let (loss, count) = try CrossEntropy.forward(logits: Self.logits, targets: [0, 1, 1], ignoreIndex: 1)
        #expect(count == 1 && abs(loss - log(2)) < 1e-15)
    }

    @Test("large logits stay finite in Float")
    func largeLogits() throws {
        let logits = try Tensor<Float>(shape: [1, 3], storage: [1000, 0, -1000])
        let (loss, _) = try CrossEntropy.forward(logits: logits, targets: [1])
        #expect(abs(loss - 1000) < 1e-3)
        #expect(try CrossEntropy.backward(logits: logits, targets: [1]).storage.allSatisfy { $0.isFinite })
    }

    @Test("the raw kernel reports per-row losses, and NaN with no counted row")
    func rawKernel() {
        var losses = [Double](repeating: 7, count: 3)
        let r = CrossEntropy.forward(logits: Self.logits.storage, targets: Self.targets, n: 3, vocab: 2, losses: &losses)
        #expect(r.count == 2)
        #expect(close(losses, [log(2), 0, log(4.0 / 3)], atol: 1e-15))
        let none = CrossEntropy.forward(logits: Self.logits.storage, targets: [-100, -100, -100], n: 3, vocab: 2)
        #expect(none.count == 0 && none.loss.isNaN)
    }
}
