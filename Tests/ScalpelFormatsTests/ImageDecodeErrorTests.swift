import Foundation
import Testing
@testable import ScalpelFormats

/// Bad input must throw a one-line `FormatError` naming the file, never crash or hang.
@Suite struct ImageDecodeErrorTests {
    static func temporaryFile(_ bytes: [UInt8], name: String = "image.bin") throws -> String {
        let folder = NSTemporaryDirectory() + "scalpel-image-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xedb8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    /// Offset of the first chunk of `type` in a PNG (its length field).
    static func chunkOffset(_ png: [UInt8], _ type: String) -> Int? {
        var i = 8
        while i + 8 <= png.count {
            let length = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            if String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self) == type { return i }
            i += 12 + length
        }
        return nil
    }

    @Test func missingEmptyAndDirectory() throws {
        ImageTesting.expectFormatError(file: "/nonexistent/scan.png", "cannot open", "No such file") {
            _ = try RGBImage.decode(fileAt: "/nonexistent/scan.png")
        }
        let empty = try Self.temporaryFile([], name: "empty.png")
        ImageTesting.expectFormatError(file: empty, "empty file") { _ = try RGBImage.decode(fileAt: empty) }
        let folder = (empty as NSString).deletingLastPathComponent
        ImageTesting.expectFormatError(file: folder, "directory") { _ = try RGBImage.decode(fileAt: folder) }
        ImageTesting.expectFormatError(file: "<memory>", "empty") { _ = try RGBImage.decode(bytes: []) }
    }

    @Test func otherFormatsAreNamed() throws {
        var dicom = [UInt8](repeating: 0, count: 132)
        dicom.replaceSubrange(128..<132, with: Array("DICM".utf8))
        let riff = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8)
        let cases: [([UInt8], String)] = [
            (Array("GIF89a\u{1}\0\u{1}\0".utf8), "GIF"),
            (Array("BM".utf8) + [UInt8](repeating: 0, count: 30), "BMP"),
            ([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0], "TIFF"),
            (riff, "WebP"),
            (dicom, "DICOM"),
            (Array("{\"not\": \"an image\"}".utf8), "not a PNG or JPEG image (starts with 7b 22 6e 6f"),
            ([0x89, 0x50, 0x4e, 0x47], "truncated PNG signature"),
            ([0xff, 0xd8], "truncated JPEG"),
        ]
        for (bytes, part) in cases {
            ImageTesting.expectFormatError(file: "x.png", part) { _ = try RGBImage.decode(bytes: bytes, name: "x.png") }
        }
    }

    @Test func truncatedPNG() throws {
        let png = try ImageTesting.bytes("inputs/rgb8.png")
        let idat = try #require(Self.chunkOffset(png, "IDAT"))
        for cut in [8, 12, 20, 30, idat + 4, idat + 20, idat + (png.count - idat) / 2, png.count - 20] {
            ImageTesting.expectFormatError(file: "cut.png", "truncated") {
                _ = try RGBImage.decode(bytes: Array(png[0..<cut]), name: "cut.png")
            }
        }
        // Like Pillow, a missing or cut IEND chunk does not matter once every row is decoded.
        for name in ["inputs/rgb8.png", "inputs/rgb8_interlaced.png", "inputs/palette8.png"] {
            let bytes = try ImageTesting.bytes(name)
            let full = try RGBImage.decode(bytes: bytes)
            for drop in [1, 8, 12] {
                #expect(try RGBImage.decode(bytes: Array(bytes.dropLast(drop))) == full, "\(name) without its last \(drop) bytes")
            }
        }
        // Interlaced images need every pass.
        let interlaced = try ImageTesting.bytes("inputs/rgb8_interlaced.png")
        ImageTesting.expectFormatError(file: "cut.png", "truncated") {
            _ = try RGBImage.decode(bytes: Array(interlaced[0..<(interlaced.count * 2 / 3)]), name: "cut.png")
        }
    }

    @Test func corruptPNG() throws {
        let png = try ImageTesting.bytes("inputs/rgb8.png")
        let idat = try #require(Self.chunkOffset(png, "IDAT"))
        // A damaged checksum: libpng's CRC check catches it.
        let idatLength = Int(png[idat]) << 24 | Int(png[idat + 1]) << 16 | Int(png[idat + 2]) << 8 | Int(png[idat + 3])
        var badCRC = png
        badCRC[idat + 8 + idatLength] ^= 0x5a
        ImageTesting.expectFormatError(file: "crc.png", "corrupt PNG", "CRC") {
            _ = try RGBImage.decode(bytes: badCRC, name: "crc.png")
        }
        // A flipped byte inside IDAT: the inflater or the CRC check stops it.
        var flipped = png
        flipped[idat + 30] ^= 0x5a
        ImageTesting.expectFormatError(file: "flip.png", "corrupt PNG") {
            _ = try RGBImage.decode(bytes: flipped, name: "flip.png")
        }
        // Garbage zlib data with a valid CRC: zlib's error comes through.
        var badZlib = png
        let length = Int(png[idat]) << 24 | Int(png[idat + 1]) << 16 | Int(png[idat + 2]) << 8 | Int(png[idat + 3])
        for i in (idat + 8)..<(idat + 8 + length) { badZlib[i] = UInt8(truncatingIfNeeded: i &* 131) }
        let crc = Self.crc32(badZlib[(idat + 4)..<(idat + 8 + length)])
        badZlib.replaceSubrange((idat + 8 + length)..<(idat + 12 + length),
                                with: [UInt8(crc >> 24), UInt8((crc >> 16) & 0xff), UInt8((crc >> 8) & 0xff), UInt8(crc & 0xff)])
        ImageTesting.expectFormatError(file: "zlib.png", "corrupt PNG") {
            _ = try RGBImage.decode(bytes: badZlib, name: "zlib.png")
        }
        // A damaged IHDR.
        var badHeader = png
        badHeader[16 + 8] = 7  // bit depth 7
        ImageTesting.expectFormatError(file: "ihdr.png", "corrupt PNG") {
            _ = try RGBImage.decode(bytes: badHeader, name: "ihdr.png")
        }
    }

    @Test func truncatedJPEG() throws {
        for name in ["inputs/fundus.jpg", "inputs/progressive.jpg", "inputs/gray.jpg"] {
            let jpeg = try ImageTesting.bytes(name)
            for cut in [3, 20, 200, jpeg.count / 2, jpeg.count - 40] {
                ImageTesting.expectFormatError(file: "cut.jpg", "truncated") {
                    _ = try RGBImage.decode(bytes: Array(jpeg[0..<cut]), name: "cut.jpg")
                }
            }
            // Pillow refuses a file whose end-of-image marker is missing, even with every row present.
            ImageTesting.expectFormatError(file: "cut.jpg", "truncated") {
                _ = try RGBImage.decode(bytes: Array(jpeg[0..<(jpeg.count - 2)]), name: "cut.jpg")
            }
            // Bytes after the end marker are ignored.
            #expect(try RGBImage.decode(bytes: jpeg + [0, 1, 2, 3]) == RGBImage.decode(bytes: jpeg))
        }
    }

    @Test func oversizedHeadersAreRefusedBeforeDecoding() throws {
        let path = ImageTesting.path("inputs/oversized_header.png")
        ImageTesting.expectFormatError(file: path, "20000x20000", "limit is 16384x16384") {
            _ = try RGBImage.decode(fileAt: path)
        }
        // A JPEG whose frame header claims 20000 x 20000.
        var jpeg = try ImageTesting.bytes("inputs/color444.jpg")
        let sof = try #require((0..<(jpeg.count - 9)).first { jpeg[$0] == 0xff && (jpeg[$0 + 1] == 0xc0 || jpeg[$0 + 1] == 0xc2) })
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0x4e, 0x20, 0x4e, 0x20])
        ImageTesting.expectFormatError(file: "huge.jpg", "20000x20000", "limit") {
            _ = try RGBImage.decode(bytes: jpeg, name: "huge.jpg")
        }
        // Caller limits.
        let rgb8 = ImageTesting.path("inputs/rgb8.png")
        ImageTesting.expectFormatError(file: rgb8, "37x23", "limit is 30x30") {
            _ = try RGBImage.decode(fileAt: rgb8, options: .init(maxSide: 30))
        }
        ImageTesting.expectFormatError(file: rgb8, "851 pixels", "limit is 800") {
            _ = try RGBImage.decode(fileAt: rgb8, options: .init(maxPixels: 800))
        }
        let fundus = ImageTesting.path("inputs/fundus.jpg")
        ImageTesting.expectFormatError(file: fundus, "448x360") {
            _ = try RGBImage.decode(fileAt: fundus, options: .init(maxPixels: 100_000))
        }
    }

    /// Random byte damage anywhere in every fixture: decoding either succeeds or throws a one-line
    /// `FormatError`; it never crashes.
    @Test func damagedFilesNeverCrash() throws {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        var failures = 0, successes = 0
        for c in ImageTesting.manifest.decode {
            let original = try ImageTesting.bytes(c.input)
            for round in 0..<24 {
                var bytes = original
                let flips = 1 + Int(next() % 6)
                for _ in 0..<flips {
                    // Mostly the header area, where structure lives; sometimes anywhere.
                    let span = round % 3 == 0 ? bytes.count : min(bytes.count, 400)
                    bytes[Int(next() % UInt64(span))] = UInt8(truncatingIfNeeded: next())
                }
                if round % 4 == 3 { bytes = Array(bytes[0..<Int(next() % UInt64(bytes.count))]) }
                do {
                    let image = try RGBImage.decode(bytes: bytes, name: "damaged", options: .init(transparency: .compositeOnWhite))
                    #expect(image.pixels.count == image.width * image.height * 3)
                    successes += 1
                } catch let error as FormatError {
                    #expect(error.file == "damaged" && !error.problem.isEmpty && !error.description.contains("\n"))
                    failures += 1
                }
            }
        }
        #expect(failures > 0 && successes > 0)
    }
}
