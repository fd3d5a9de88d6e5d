internal import CImageDecode

/// The image containers `RGBImage.decode` reads.
public enum ImageFileFormat: String, Sendable, Equatable {
    case png
    case jpeg

    /// The format named by the first bytes of a file, or nil when it is neither PNG nor JPEG.
    public static func detect(_ bytes: [UInt8]) -> ImageFileFormat? {
        bytes.withUnsafeBufferPointer { buffer in
            switch scalpel_image_detect(buffer.baseAddress, buffer.count) {
            case SCALPEL_IMAGE_PNG: .png
            case SCALPEL_IMAGE_JPEG: .jpeg
            default: nil
            }
        }
    }
}

/// The codec libraries image decoding was built against (for `scalpel doctor` and bug reports).
public enum ImageCodecLibraries {
    /// e.g. "libjpeg-turbo 2.1.5".
    public static var jpeg: String { String(cString: scalpel_image_jpeg_library()) }
    /// e.g. "libpng 1.6.39".
    public static var png: String { String(cString: scalpel_image_png_library()) }
}
