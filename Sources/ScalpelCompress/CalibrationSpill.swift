import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScalpelModels

/// The residual stream entering each block, kept for a backward pass in an unlinked temporary file
/// rather than in memory, so Taylor scoring holds one stream at a time however deep the model.
public final class CalibrationSpill: @unchecked Sendable {
    private let fd: Int32
    /// Floats per stored stream.
    public let count: Int
    public private(set) var streams = 0

    /// A spill file in `folder` (default: the system temporary folder) for streams of `count` floats.
    public init(count: Int, folder: String = NSTemporaryDirectory()) throws {
        let path = (folder.hasSuffix("/") ? folder : folder + "/") + "scalpel-calibration-\(getpid())-\(UUID().uuidString)"
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CompressError("cannot create a spill file in \(folder): \(String(cString: strerror(errno)))") }
        unlink(path)
        self.count = count
    }

    deinit { close(fd) }

    /// Stores `x` as the next stream.
    public func append(_ x: FloatBuffer) throws {
        let bytes = count * 4
        var done = 0
        while done < bytes {
            let n = pwrite(fd, UnsafeRawPointer(x.pointer) + done, bytes - done, off_t(streams * bytes + done))
            if n < 0 { if errno == EINTR { continue }; throw CompressError("cannot write the spill file: \(String(cString: strerror(errno)))") }
            done += n
        }
        streams += 1
    }

    /// Reads stream `i` into `x`.
    public func read(_ i: Int, into x: FloatBuffer) throws {
        precondition(i >= 0 && i < streams && x.count >= count)
        let bytes = count * 4
        var done = 0
        while done < bytes {
            let n = pread(fd, UnsafeMutableRawPointer(x.pointer) + done, bytes - done, off_t(i * bytes + done))
            if n < 0 { if errno == EINTR { continue }; throw CompressError("cannot read the spill file: \(String(cString: strerror(errno)))") }
            if n == 0 { throw CompressError("the spill file ended early") }
            done += n
        }
    }
}
