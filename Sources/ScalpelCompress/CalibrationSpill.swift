import Foundation
import ScalpelModels

/// The residual stream entering each block, kept for a backward pass in an unlinked temporary file
/// (`SpillFile`) rather than in memory, so Taylor scoring holds one stream at a time however deep the model.
public final class CalibrationSpill: @unchecked Sendable {
    private let file: SpillFile
    /// Floats per stored stream.
    public let count: Int
    public private(set) var streams = 0

    /// A spill file in `folder` (default: the system temporary folder) for streams of `count` floats.
    public init(count: Int, folder: String = NSTemporaryDirectory()) throws {
        file = try SpillFile(role: "the calibration spill file", folder: folder)
        self.count = count
    }

    /// Stores `x` as the next stream.
    public func append(_ x: FloatBuffer) throws {
        try file.write(UnsafeRawBufferPointer(start: x.pointer, count: count * 4), at: streams * count * 4)
        streams += 1
    }

    /// Reads stream `i` into `x`.
    public func read(_ i: Int, into x: FloatBuffer) throws {
        precondition(i >= 0 && i < streams && x.count >= count)
        try file.read(into: UnsafeMutableRawBufferPointer(start: x.pointer, count: count * 4), at: i * count * 4)
    }
}
