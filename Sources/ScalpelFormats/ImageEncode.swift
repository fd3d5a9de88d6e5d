internal import CImageDecode
// Imported for its module map's link directives (png16), which CImageDecode's C code needs.
internal import CImageCodecs

extension RGBImage {
    /// The image as PNG bytes (8-bit RGB, no ancillary chunks). The bytes depend only on the pixels and
    /// the libpng/zlib build, so the same image always encodes to the same file on one machine.
    public func pngBytes() throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer { rgb in
            message.withUnsafeMutableBufferPointer { text in
                scalpel_image_encode_png(rgb.baseAddress, Int32(clamping: width), Int32(clamping: height),
                                         &out, &size, text.baseAddress, text.count)
            }
        }
        guard status == 0, let out else {
            let problem = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw FormatError(file: "<png>", problem.isEmpty ? "cannot encode PNG" : problem)
        }
        defer { scalpel_image_free_encoded(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Writes the image as a PNG file, atomically (see `AtomicFile`).
    public func writePNG(to path: String) throws {
        try AtomicFile.write(try pngBytes(), to: path)
    }
}
