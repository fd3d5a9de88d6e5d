import Foundation
import Testing
@testable import ScalpelFormats

/// The image fixtures written by scripts/fixtures/make_image_fixtures.py, and helpers to read them.
enum ImageTesting {
    /// Fixtures/images inside the test bundle.
    static let root: String = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("images").path

    static func path(_ relative: String) -> String { root + "/" + relative }

    static let manifest: ImageManifest = {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path("manifest.json")))
            return try JSONDecoder().decode(ImageManifest.self, from: data)
        } catch {
            fatalError("cannot read the image fixture manifest: \(error)")
        }
    }()

    /// A reference image: raw interleaved RGB (`.rgb`) or an 8-bit RGB PNG (`.png`, read with our
    /// decoder, whose PNG path is itself checked against raw references).
    static func reference(_ relative: String, width: Int, height: Int) throws -> RGBImage {
        if relative.hasSuffix(".png") {
            let image = try RGBImage.decode(fileAt: path(relative))
            #expect(image.width == width && image.height == height, "\(relative) is \(image.width)x\(image.height)")
            return image
        }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path(relative))))
        #expect(bytes.count == width * height * 3, "\(relative) holds \(bytes.count) bytes")
        return RGBImage(width: width, height: height, pixels: bytes)
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    /// Largest per-sample difference and how many samples differ.
    static func difference(_ a: RGBImage, _ b: RGBImage) -> (max: Int, count: Int) {
        guard a.width == b.width, a.height == b.height else { return (Int.max, Int.max) }
        var worst = 0, count = 0
        for (x, y) in zip(a.pixels, b.pixels) where x != y {
            worst = max(worst, abs(Int(x) - Int(y)))
            count += 1
        }
        return (worst, count)
    }

    /// Expects `body` to throw a `FormatError` naming `file` whose problem mentions every one of `parts`.
    static func expectFormatError(file: String? = nil, _ parts: String..., sourceLocation: SourceLocation = #_sourceLocation,
                                  _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected a FormatError mentioning \(parts), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as FormatError {
            if let file, error.file != file {
                Issue.record("error names \"\(error.file)\", expected \"\(file)\"", sourceLocation: sourceLocation)
            }
            for part in parts where !error.problem.contains(part) {
                Issue.record("error \"\(error.description)\" does not mention \"\(part)\"", sourceLocation: sourceLocation)
            }
            if error.description.contains("\n") {
                Issue.record("error spans several lines: \(error.description)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected a FormatError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// FNV-1a 64 over bytes, as the fixture script computes it.
    static func fnv1a64(_ bytes: some Sequence<UInt8>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

struct ImageManifest: Decodable, Sendable {
    struct Decode: Decodable, Sendable, CustomStringConvertible {
        let input: String
        let format: String
        let pil_mode: String
        let width: Int
        let height: Int
        let rgb: String
        let white: String?
        let high_byte: String?
        var description: String { input }
    }

    struct Resize: Decodable, Sendable, CustomStringConvertible {
        let input: String
        let width: Int
        let height: Int
        let filter: Int
        let expected: String
        var description: String { "\(input) -> \(width)x\(height) filter \(filter)" }
    }

    struct Clip: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let config: String
        let config_name: String
        let input: String
        let pad_to_square: Bool
        let transparency: String
        let shape: [Int]
        let prepared: String
        let fnv1a64: String
        let checksum: Double
        var description: String { name }
    }

    let generator: [String: String]
    let decode: [Decode]
    let resize: [Resize]
    let clip: [Clip]
    let tables: [String: [[Double]]]
}
