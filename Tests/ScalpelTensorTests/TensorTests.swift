import Testing
import ScalpelTensor

@Suite("Tensor")
struct TensorTests {
    @Test("shape, count, subscripts and reshape")
    func basics() throws {
        var t = try Tensor<Float>(shape: [2, 3], storage: [0, 1, 2, 3, 4, 5])
        #expect(t.rank == 2 && t.count == 6)
        #expect(t[1, 2] == 5 && t[flat: 4] == 4)
        t[0, 1] = 9
        #expect(t.storage[1] == 9)
        let r = try t.reshaped([3, 2])
        #expect(r.shape == [3, 2] && r.storage == t.storage)
        #expect(try Tensor<Double>(zeros: [2, 0]).count == 0)
        #expect(try Tensor<Double>(zeros: []).count == 1)
        #expect(Tensor<Float>([1, 2]).shape == [2])
        #expect(t.converted(to: Double.self).storage == [0, 9, 2, 3, 4, 5])
        #expect("\(t)" == "Tensor<Float>[2, 3]")
    }

    @Test("mutable access to the elements")
    func mutation() throws {
        var t = try Tensor<Double>(zeros: [3])
        t.withUnsafeMutableBufferPointer { p in p[2] = 4 }
        #expect(t.storage == [0, 0, 4])
    }
}
