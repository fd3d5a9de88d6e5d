import Testing
import ScalpelTensor

/// The checked layer refuses bad arguments with one clear line, and never traps.
@Suite("Argument validation")
struct ValidationTests {
    static func t(_ shape: [Int]) -> Tensor<Float> { try! Tensor(zeros: shape) }

    static let cases: [(String, @Sendable () throws -> Void)] = [
        ("tensor: shape [2, -1] has a negative size", { _ = try Tensor<Float>(zeros: [2, -1]) }),
        ("tensor: shape [2, 3] needs 6 values but storage has 5",
         { _ = try Tensor<Float>(shape: [2, 3], storage: [1, 2, 3, 4, 5]) }),
        ("reshape: cannot view 6 values of shape [2, 3] as [4, 2]", { _ = try t([2, 3]).reshaped([4, 2]) }),
        ("matmul: a must be 2-D, got shape [2, 3, 4]", { _ = try Matmul.forward(t([2, 3, 4]), t([4, 2])) }),
        ("matmul: op(a) is [2, 3] but op(b) is [4, 5]; inner sizes 3 and 4 differ",
         { _ = try Matmul.forward(t([2, 3]), t([4, 5])) }),
        ("matmul: op(a) is [3, 2] but op(b) is [5, 4]; inner sizes 2 and 5 differ",
         { _ = try Matmul.forward(t([2, 3]), t([4, 5]), transA: true, transB: true) }),
        ("matmul: dOut has shape [2, 4] but [2, 5] is needed",
         { _ = try Matmul.backward(dOut: t([2, 4]), t([2, 3]), t([3, 5])) }),
        ("linear: input has 575 features but weight expects 576", { _ = try Linear.forward(t([4, 575]), weight: t([1536, 576])) }),
        ("linear: weight must be 2-D, got shape [576]", { _ = try Linear.forward(t([4, 576]), weight: t([576])) }),
        ("linear: input must have at least 1 dimension, got shape []", { _ = try Linear.forward(t([]), weight: t([2, 1])) }),
        ("linear: bias has shape [3] but weight has 4 outputs", { _ = try Linear.forward(t([2, 5]), weight: t([4, 5]), bias: t([3])) }),
        ("linear: dOut has shape [2, 3] but [2, 4] is needed",
         { _ = try Linear.backward(dOut: t([2, 3]), x: t([2, 5]), weight: t([4, 5])) }),
        ("embedding: id 6 at position 1 is outside the vocabulary of 6", { _ = try Embedding.forward(ids: [0, 6], table: t([6, 2])) }),
        ("embedding: id -1 at position 0 is outside the vocabulary of 6", { _ = try Embedding.forward(ids: [-1], table: t([6, 2])) }),
        ("embedding: table must be 2-D, got shape [6]", { _ = try Embedding.forward(ids: [0], table: t([6])) }),
        ("embedding: dOut has 2 rows but there are 3 ids", { _ = try Embedding.backward(dOut: t([2, 4]), ids: [0, 1, 2], vocab: 3) }),
        ("embedding: vocab must not be negative, got -2", { _ = try Embedding.backward(dOut: t([0, 4]), ids: [], vocab: -2) }),
        ("residual: a has shape [2, 3] but b has shape [2, 4]", { _ = try Residual.forward(t([2, 3]), t([2, 4])) }),
        ("rmsnorm: weight has shape [5] but input rows have 6 values", { _ = try RMSNorm.forward(t([2, 6]), weight: t([5]), eps: 1e-5) }),
        ("rmsnorm: eps must be finite and not negative, got -1.0", { _ = try RMSNorm.forward(t([2, 6]), weight: t([6]), eps: -1) }),
        ("rmsnorm: rstd has shape [3] but [2] is needed",
         { _ = try RMSNorm.backward(dOut: t([2, 6]), x: t([2, 6]), weight: t([6]), rstd: t([3])) }),
        ("layernorm: bias has shape [4] but input rows have 6 values",
         { _ = try LayerNorm.forward(t([2, 6]), weight: t([6]), bias: t([4]), eps: 1e-5) }),
        ("layernorm: eps must be finite and not negative, got nan",
         { _ = try LayerNorm.forward(t([2, 6]), weight: t([6]), bias: nil, eps: .nan) }),
        ("rope: 576 columns do not split into 7 heads", { _ = try Rope.forward(t([1, 576]), positions: [0], invFreq: [], heads: 7) }),
        ("rope: head_dim 63 is odd; rotate_half needs an even head_dim",
         { _ = try Rope.forward(t([1, 126]), positions: [0], invFreq: [], heads: 2) }),
        ("rope: invFreq has 16 values but head_dim 64 needs 32",
         { _ = try Rope.forward(t([1, 128]), positions: [0], invFreq: [Float](repeating: 1, count: 16), heads: 2) }),
        ("rope: 1 positions for 3 rows", { _ = try Rope.forward(t([3, 4]), positions: [0], invFreq: [1, 1], heads: 1) }),
        ("rope: position -1 at row 1 is negative", { _ = try Rope.forward(t([2, 4]), positions: [0, -1], invFreq: [1, 1], heads: 1) }),
        ("rope: heads must be positive, got 0", { _ = try Rope.forward(t([2, 4]), positions: [0, 1], invFreq: [1, 1], heads: 0) }),
        ("attention: 9 heads do not divide into 2 kv heads",
         { _ = try Attention.forward(q: t([1, 2, 576]), k: t([1, 2, 128]), v: t([1, 2, 128]), heads: 9, kvHeads: 2) }),
        ("attention: k has 190 columns but 3 kv heads of head_dim 64 need 192",
         { _ = try Attention.forward(q: t([1, 2, 576]), k: t([1, 2, 190]), v: t([1, 2, 190]), heads: 9, kvHeads: 3) }),
        ("attention: q has 100 columns, which do not split into 3 heads",
         { _ = try Attention.forward(q: t([1, 2, 100]), k: t([1, 2, 99]), v: t([1, 2, 99]), heads: 3, kvHeads: 3) }),
        ("attention: k has shape [1, 2, 8] but v has shape [1, 3, 8]",
         { _ = try Attention.forward(q: t([1, 2, 8]), k: t([1, 2, 8]), v: t([1, 3, 8]), heads: 2, kvHeads: 2) }),
        ("attention: q has batch 2 but k has batch 1",
         { _ = try Attention.forward(q: t([2, 2, 8]), k: t([1, 2, 8]), v: t([1, 2, 8]), heads: 2, kvHeads: 2) }),
        ("attention: k has 4 positions but past 3 + 2 new need 5",
         { _ = try Attention.forward(q: t([1, 2, 8]), k: t([1, 4, 8]), v: t([1, 4, 8]), heads: 2, kvHeads: 2, past: 3) }),
        ("attention: past must not be negative, got -1",
         { _ = try Attention.forward(q: t([1, 2, 8]), k: t([1, 2, 8]), v: t([1, 2, 8]), heads: 2, kvHeads: 2, past: -1) }),
        ("attention: kvHeads must be positive, got 0",
         { _ = try Attention.forward(q: t([1, 2, 8]), k: t([1, 2, 8]), v: t([1, 2, 8]), heads: 2, kvHeads: 0) }),
        ("attention: keyMask has 3 values but batch 1 × 2 keys need 2",
         { _ = try Attention.forward(q: t([1, 2, 8]), k: t([1, 2, 8]), v: t([1, 2, 8]), heads: 2, kvHeads: 2, keyMask: [1, 1, 1]) }),
        ("attention: q must be 3-D, got shape [2, 8]",
         { _ = try Attention.forward(q: t([2, 8]), k: t([1, 2, 8]), v: t([1, 2, 8]), heads: 2, kvHeads: 2) }),
        ("attention: probs has shape [1, 2, 2, 3] but [1, 2, 2, 2] is needed",
         { _ = try Attention.backward(dOut: t([1, 2, 8]), probs: t([1, 2, 2, 3]), q: t([1, 2, 8]), k: t([1, 2, 8]),
                                       v: t([1, 2, 8]), heads: 2, kvHeads: 2) }),
        ("softmax: dOut has shape [2, 3] but out has shape [3, 2]", { _ = try Softmax.backward(dOut: t([2, 3]), out: t([3, 2])) }),
        ("silu: dOut has shape [3] but x has shape [4]", { _ = try SiLU.backward(dOut: t([3]), x: t([4])) }),
        ("swiglu: gate has shape [2, 4] but up has shape [2, 5]", { _ = try SwiGLU.forward(gate: t([2, 4]), up: t([2, 5])) }),
        ("swigluMLP: wDown has shape [8, 4] but [4, 8] is needed",
         { _ = try SwiGLUMLP.forward(t([2, 4]), wGate: t([8, 4]), wUp: t([8, 4]), wDown: t([8, 4])) }),
        ("swigluMLP: input has 5 features but wGate expects 4",
         { _ = try SwiGLUMLP.forward(t([2, 5]), wGate: t([8, 4]), wUp: t([8, 4]), wDown: t([4, 8])) }),
        ("crossEntropy: every target is ignored (ignore index -100), so the mean loss is undefined",
         { _ = try CrossEntropy.forward(logits: t([2, 5]), targets: [-100, -100]) }),
        ("crossEntropy: target 5 at row 1 is outside the vocabulary of 5",
         { _ = try CrossEntropy.forward(logits: t([2, 5]), targets: [0, 5]) }),
        ("crossEntropy: target -3 at row 0 is outside the vocabulary of 5",
         { _ = try CrossEntropy.backward(logits: t([2, 5]), targets: [-3, 1]) }),
        ("crossEntropy: there are no targets, so the mean loss is undefined",
         { _ = try CrossEntropy.forward(logits: t([0, 5]), targets: []) }),
        ("crossEntropy: 3 targets for 2 rows of logits", { _ = try CrossEntropy.forward(logits: t([2, 5]), targets: [0, 1, 2]) }),
        ("activation: unknown activation 'relu6' (known: silu, gelu, gelu_pytorch_tanh, gelu_new, quick_gelu)",
         { _ = try HiddenActivation(configName: "relu6") }),
    ]

    @Test("each bad call throws its one-line message", arguments: cases.indices)
    func message(_ index: Int) {
        let (expected, call) = Self.cases[index]
        let message = thrownMessage(call)
        #expect(message == expected)
        #expect(message?.contains("\n") == false)
    }

    @Test("empty inputs give empty outputs")
    func emptyInputs() throws {
        let t = Self.t
        #expect(try Attention.forward(q: t([2, 0, 8]), k: t([2, 0, 4]), v: t([2, 0, 4]), heads: 2, kvHeads: 1).probs.shape == [2, 2, 0, 0])
        let back = try Attention.backward(dOut: t([1, 0, 8]), probs: t([1, 2, 0, 3]), q: t([1, 0, 8]), k: t([1, 3, 8]),
                                          v: t([1, 3, 8]), heads: 2, kvHeads: 2, past: 3)
        #expect(back.dK.storage.allSatisfy { $0 == 0 })
        #expect(try Rope.forward(t([0, 8]), positions: [], invFreq: [1, 1], heads: 2).shape == [0, 8])
        #expect(try RMSNorm.forward(t([0, 4]), weight: t([4]), eps: 1e-5).rstd.shape == [0])
        #expect(try LayerNorm.forward(t([0, 4]), weight: t([4]), bias: nil, eps: 1e-5).out.count == 0)
        #expect(try Embedding.forward(ids: [], table: t([3, 4])).shape == [0, 4])
        #expect(try Softmax.forward(t([0, 3])).count == 0)
        #expect(try SwiGLUMLP.forward(t([0, 4]), wGate: t([8, 4]), wUp: t([8, 4]), wDown: t([4, 8])).out.shape == [0, 4])
        #expect(SiLU.forward(t([0])).count == 0)
    }

    @Test("errors carry the op separately")
    func errorFields() {
        do {
            _ = try Linear.forward(Self.t([1, 3]), weight: Self.t([2, 4]))
            Issue.record("no error")
        } catch let error as TensorError {
            #expect(error.op == "linear")
            #expect(error.message == "input has 3 features but weight expects 4")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
