internal import CImageDecode
// Imported for its module map's link directives (png16, jpeg), which CImageDecode's C code needs.
internal import CImageCodecs
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension RGBImage {
    /// Files larger than this are refused before they are read.
    public static let maxImageFileBytes = 1 << 30

    /// Decodes the PNG or JPEG file at `path` (format from its first bytes).
    /// Errors name the file: unreadable, empty, not an image, truncated, corrupt, or too large.
    public static func decode(fileAt path: String, options: ImageDecodeOptions = .init()) throws -> RGBImage {
        let bytes = try readImageFile(path)
        return try decode(bytes: bytes, name: path, options: options)
    }

    /// Decodes PNG or JPEG bytes; `name` is what errors call the data (usually its path).
    public static func decode(bytes: [UInt8], name: String = "<memory>", options: ImageDecodeOptions = .init()) throws -> RGBImage {
        if bytes.isEmpty {
            throw FormatError(file: name, "empty file (0 bytes), not an image")
        }
        guard ImageFileFormat.detect(bytes) != nil else {
            throw FormatError(file: name, unrecognisedImageProblem(bytes))
        }
        guard options.maxSide > 0, options.maxPixels > 0 else {
            throw FormatError(file: name, "image size limits must be positive")
        }
        var cOptions = scalpel_image_options(
            max_side: Int32(clamping: options.maxSide),
            max_pixels: Int64(options.maxPixels),
            want_alpha: options.transparency == .compositeOnWhite ? 1 : 0,
            gray16_high_byte: options.gray16 == .highByte ? 1 : 0)
        var image = scalpel_image()
        var message = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { text in
                scalpel_image_decode(buffer.baseAddress, buffer.count, &cOptions, &image, text.baseAddress, text.count)
            }
        }
        if status != 0 {
            let problem = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw FormatError(file: name, problem.isEmpty ? "cannot decode the image" : problem)
        }
        defer { scalpel_image_free(&image) }
        let width = Int(image.width), height = Int(image.height)
        let count = width * height * 3
        var pixels = Array(UnsafeBufferPointer(start: image.rgb, count: count))
        if let alpha = image.alpha {
            compositeOnWhite(&pixels, alpha: UnsafeBufferPointer(start: alpha, count: width * height))
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Pillow's `alpha_composite(white, image)` for 8-bit RGBA over an opaque white canvas
    /// (libImaging/AlphaComposite.c, 7 fractional bits, rounded division by 255).
    static func compositeOnWhite(_ pixels: inout [UInt8], alpha: UnsafeBufferPointer<UInt8>) {
        func shiftForDiv255(_ a: UInt32) -> UInt32 { ((a >> 8) &+ a) >> 8 }
        for i in 0..<alpha.count {
            let a = UInt32(alpha[i])
            for c in 0..<3 {
                let src = UInt32(pixels[3 * i + c])
                if a == 0 {
                    pixels[3 * i + c] = 255
                    continue
                }
                let blend: UInt32 = 255 * (255 - a)
                let outA255 = a * 255 + blend
                let coef1 = a * 255 * 255 * 128 / outA255
                let coef2 = 255 * 128 - coef1
                let tmp = src * coef1 + 255 * coef2
                pixels[3 * i + c] = UInt8(truncatingIfNeeded: shiftForDiv255(tmp + (0x80 << 7)) >> 7)
            }
        }
    }

    /// A one-line reason for bytes that are neither PNG nor JPEG, naming common other formats.
    static func unrecognisedImageProblem(_ bytes: [UInt8]) -> String {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset ..< offset + prefix.count]) == prefix
        }
        let ascii = { (s: String) in Array(s.utf8) }
        let other: String?
        if starts(ascii("GIF8")) { other = "GIF" }
        else if starts(ascii("BM")) && bytes.count >= 14 { other = "BMP" }
        else if starts([0x49, 0x49, 0x2a, 0x00]) || starts([0x4d, 0x4d, 0x00, 0x2a]) { other = "TIFF" }
        else if starts(ascii("RIFF")) && starts(ascii("WEBP"), at: 8) { other = "WebP" }
        else if starts(ascii("DICM"), at: 128) { other = "DICOM" }
        else if starts([0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || starts([0xff, 0x4f, 0xff, 0x51]) { other = "JPEG 2000" }
        else if starts(ascii("ftyp"), at: 4) { other = "HEIF/AVIF" }
        else if starts([0x89, 0x50, 0x4e, 0x47]) { return "truncated PNG signature (\(bytes.count) bytes)" }
        else if starts([0xff, 0xd8]) { return "truncated JPEG (\(bytes.count) bytes)" }
        else { other = nil }
        if let other {
            return "\(other) image; only PNG and JPEG are supported (convert it to PNG)"
        }
        let head = bytes.prefix(8).map { byte -> String in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
        return "not a PNG or JPEG image (starts with \(head))"
    }

    /// The whole file at `path`, with errors as `FormatError`.
    static func readImageFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            throw FormatError(file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 {
            throw FormatError(file: path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        if Int(info.st_mode) & Int(S_IFMT) == Int(S_IFDIR) {
            throw FormatError(file: path, "is a directory, not an image")
        }
        let declared = Int(info.st_size)
        if declared > maxImageFileBytes {
            throw FormatError(file: path, "file is \(declared) bytes; image files over \(maxImageFileBytes) bytes are refused")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(max(declared, 0))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw FormatError(file: path, "cannot read: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[0..<got])
            if bytes.count > maxImageFileBytes {
                throw FormatError(file: path, "image files over \(maxImageFileBytes) bytes are refused")
            }
        }
        return bytes
    }
}
