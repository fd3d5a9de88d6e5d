import Testing
import ScalpelTensor

/// Naive `op(a)·op(b)` for reference.
func naiveMatmul(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = transA ? a[p * m + i] : a[i * k + p]
                let bv = transB ? b[j * k + p] : b[p * n + j]
                s += av * bv
            }
            c[i * n + j] = s
        }
    }
    return c
}

@Suite("Matmul, linear, embedding, residual")
struct DenseTests {
    @Test("matmul matches a naive product in every transpose combination",
          arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matmulCombinations(_ transpose: (Bool, Bool)) throws {
        let (m, n, k) = (4, 3, 5)
        var rng = SplitMix(seed: 3)
        let a: [Double] = rng.array(m * k), b: [Double] = rng.array(k * n)
        let shapeA = transpose.0 ? [k, m] : [m, k], shapeB = transpose.1 ? [n, k] : [k, n]
        let out = try Matmul.forward(Tensor(shape: shapeA, storage: a), Tensor(shape: shapeB, storage: b),
                                     transA: transpose.0, transB: transpose.1)
        #expect(out.shape == [m, n])
        #expect(close(out.storage, naiveMatmul(a, b, m: m, n: n, k: k, transA: transpose.0, transB: transpose.1)))
    }

    @Test("matmul forward can accumulate")
    func matmulAccumulates() {
        let a: [Double] = [1, 2, 3, 4], b: [Double] = [5, 6, 7, 8]
        var c: [Double] = [1, 1, 1, 1]
        Matmul.forward(out: &c, a: a, b: b, m: 2, n: 2, k: 2, accumulate: true)
        #expect(c == [20, 23, 44, 51])
    }

    @Test("batched matmul over strided views equals one product per view")
    func batchedMatmul() {
        // Three 2×3 blocks side by side in a [2, 9] array times one shared [3, 2] matrix.
        var rng = SplitMix(seed: 5)
        let a: [Double] = rng.array(2 * 9), b: [Double] = rng.array(3 * 2)
        var c = [Double](repeating: 0, count: 3 * 2 * 2)
        Matmul.batched(transA: false, transB: false, m: 2, n: 2, k: 3, batch: 3,
                       a: a, lda: 9, strideA: 3, b: b, ldb: 2, strideB: 0, c: &c, ldc: 2, strideC: 4)
        for i in 0..<3 {
            let block = (0..<2).flatMap { r in (0..<3).map { a[r * 9 + i * 3 + $0] } }
            #expect(close(Array(c[(i * 4)..<(i * 4 + 4)]), naiveMatmul(block, b, m: 2, n: 2, k: 3, transA: false, transB: false)))
        }
    }

    @Test("linear is x·Wᵀ + b with W stored [out, in]")
    func linearByHand() throws {
        let x = try Tensor<Double>(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        let w = try Tensor<Double>(shape: [2, 3], storage: [1, 0, -1, 0.5, 0.5, 0.5])
        let b = try Tensor<Double>(shape: [2], storage: [10, 20])
        let out = try Linear.forward(x, weight: w, bias: b)
        #expect(out.shape == [2, 2])
        let expected: [Double] = [8, 23, 8, 27.5]  // [1−3+10, 0.5·6+20, 4−6+10, 0.5·15+20]
        #expect(out.storage == expected)
        #expect(try Linear.forward(x, weight: w).storage == [-2, 3, -2, 7.5])
    }

    @Test("linear keeps leading dimensions and its backward matches the product rule")
    func linearBatchedShapes() throws {
        var rng = SplitMix(seed: 8)
        let x = try Tensor<Double>(shape: [2, 3, 4], storage: rng.array(24))
        let w = try Tensor<Double>(shape: [5, 4], storage: rng.array(20))
        let out = try Linear.forward(x, weight: w)
        #expect(out.shape == [2, 3, 5])
        let dOut = try Tensor<Double>(shape: [2, 3, 5], storage: rng.array(30))
        let g = try Linear.backward(dOut: dOut, x: x, weight: w, withBias: true)
        #expect(g.dX.shape == [2, 3, 4] && g.dWeight.shape == [5, 4] && g.dBias?.shape == [5])
        #expect(close(g.dX.storage, naiveMatmul(dOut.storage, w.storage, m: 6, n: 4, k: 5, transA: false, transB: false)))
        #expect(close(g.dWeight.storage, naiveMatmul(dOut.storage, x.storage, m: 5, n: 4, k: 6, transA: true, transB: false)))
        let sums = (0..<5).map { o in (0..<6).reduce(0.0) { $0 + dOut.storage[$1 * 5 + o] } }
        #expect(close(g.dBias!.storage, sums))
        #expect(try Linear.backward(dOut: dOut, x: x, weight: w).dBias == nil)
    }

    @Test("empty batches and empty inner sizes are handled without BLAS errors")
    func emptySizes() throws {
        let x = try Tensor<Float>(zeros: [0, 4])
        let w = try Tensor<Float>(shape: [3, 4], repeating: 1)
        #expect(try Linear.forward(x, weight: w).shape == [0, 3])
        let a = try Tensor<Float>(zeros: [2, 0]), b = try Tensor<Float>(zeros: [0, 3])
        let c = try Matmul.forward(a, b)
        #expect(c.shape == [2, 3] && c.storage.allSatisfy { $0 == 0 })
        let bias = try Tensor<Float>(shape: [3], storage: [1, 2, 3])
        #expect(try Linear.forward(Tensor<Float>(zeros: [2, 0]), weight: Tensor<Float>(zeros: [3, 0]), bias: bias).storage
                == [1, 2, 3, 1, 2, 3])
    }

    @Test("embedding copies rows and scatter-adds gradients of repeated ids")
    func embedding() throws {
        let table = try Tensor<Double>(shape: [3, 2], storage: [0, 1, 10, 11, 20, 21])
        let out = try Embedding.forward(ids: [2, 0, 2], table: table)
        #expect(out.shape == [3, 2] && out.storage == [20, 21, 0, 1, 20, 21])
        let dOut = try Tensor<Double>(shape: [3, 2], storage: [1, 2, 3, 4, 5, 6])
        let dTable = try Embedding.backward(dOut: dOut, ids: [2, 0, 2], vocab: 3)
        #expect(dTable.storage == [3, 4, 0, 0, 6, 8])
    }

    @Test("residual adds, in place too")
    func residual() throws {
        let a = try Tensor<Float>(shape: [3], storage: [1, 2, 3]), b = try Tensor<Float>(shape: [3], storage: [10, 20, 30])
        #expect(try Residual.forward(a, b).storage == [11, 22, 33])
        var x: [Float] = [1, 2, 3]
        x.withUnsafeMutableBufferPointer { p in Residual.forward(out: p.baseAddress!, a: p.baseAddress!, b: [1, 1, 1], count: 3) }
        #expect(x == [2, 3, 4])
    }
}
