#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScalpelFormats
import ScalpelTensor

/// A safetensors source that hands mapped file pages back to the kernel after each tensor is read
/// (`madvise(MADV_DONTNEED)` on the tensor's page range), so streaming through a checkpoint keeps
/// only the tensor being converted resident, not every page touched so far. The mapping stays valid:
/// a later read faults the pages in again from the file. Other sources pass through unchanged.
final class CalibrationWeightSource: WeightSource, @unchecked Sendable {
    let inner: any WeightSource
    private let folder: SafetensorsFolder?
    private let file: SafetensorsFile?

    init(_ inner: any WeightSource) {
        self.inner = inner
        folder = inner as? SafetensorsFolder
        file = inner as? SafetensorsFile
    }

    var path: String { inner.path }
    var tensorNames: [String] { inner.tensorNames }
    func info(_ name: String) -> WeightInfo? { inner.info(name) }

    func floats(_ name: String) throws -> [Float] {
        let values = try inner.floats(name)
        release(name)
        return values
    }

    /// The stored bytes and dtype of `name` when the source is safetensors.
    func raw(_ name: String) -> (dtype: SafetensorsDType, bytes: UnsafeRawBufferPointer)? {
        if let folder, let (f, t) = folder.locate(name) { return (t.dtype, f.rawBytes(t)) }
        if let file, let t = file.tensor(name) { return (t.dtype, file.rawBytes(t)) }
        return nil
    }

    /// Drops the resident pages wholly inside `name`'s bytes.
    func release(_ name: String) {
        guard let (_, bytes) = raw(name), let base = bytes.baseAddress, bytes.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + bytes.count) / page * page
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, Int32(MADV_DONTNEED))
    }

    /// Rows `ids` of the 2-D tensor `name` (`[rows, width]`) as f32, converting only those rows when
    /// the tensor is stored as F32, F16 or BF16; nil otherwise.
    func rows(_ name: String, ids: [Int], width: Int) -> [Float]? {
        guard let (dtype, bytes) = raw(name), [.f32, .f16, .bf16].contains(dtype) else { return nil }
        var out = [Float](repeating: 0, count: ids.count * width)
        out.withUnsafeMutableBufferPointer { dst in
            for (r, id) in ids.enumerated() {
                let to = dst.baseAddress! + r * width
                switch dtype {
                case .f32:
                    to.update(from: (bytes.baseAddress! + id * width * 4).assumingMemoryBound(to: Float.self), count: width)
                case .f16:
                    HalfPrecision.f16ToFloat((bytes.baseAddress! + id * width * 2).assumingMemoryBound(to: UInt16.self), to, count: width)
                default:
                    HalfPrecision.bf16ToFloat((bytes.baseAddress! + id * width * 2).assumingMemoryBound(to: UInt16.self), to, count: width)
                }
            }
        }
        release(name)
        return out
    }
}
