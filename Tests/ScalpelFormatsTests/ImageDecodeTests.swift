import Foundation
import Testing
@testable import ScalpelFormats

/// Decoded pixels must equal Pillow's `Image.open(f).convert("RGB")` (references written by
/// scripts/fixtures/make_image_fixtures.py).
@Suite struct ImageDecodeTests {
    static let pngCases = ImageTesting.manifest.decode.filter { $0.format == "png" }
    static let jpegCases = ImageTesting.manifest.decode.filter { $0.format == "jpeg" }
    static let transparentCases = ImageTesting.manifest.decode.filter { $0.white != nil }

    @Test(arguments: pngCases)
    func pngEqualsPillow(_ c: ImageManifest.Decode) throws {
        let image = try RGBImage.decode(fileAt: ImageTesting.path(c.input))
        #expect(image.width == c.width && image.height == c.height)
        let want = try ImageTesting.reference(c.rgb, width: c.width, height: c.height)
        let diff = ImageTesting.difference(image, want)
        #expect(diff.count == 0, "\(c.input) (\(c.pil_mode)): \(diff.count) samples differ, max \(diff.max)")
    }

    /// Pillow 13 bundles libjpeg-turbo 3.2, this package links the system libjpeg-turbo (2.1.5 on
    /// Debian 12). Both decode with ISLOW and fancy upsampling, and on every fixture (4:2:0, 4:2:2,
    /// 4:4:4, odd sizes, progressive, gray, CMYK) the pixels are identical, so libjpeg-turbo must match
    /// exactly. Another libjpeg (IJG 9 has different upsampling) is held to a difference of 1.
    @Test(arguments: jpegCases)
    func jpegEqualsPillow(_ c: ImageManifest.Decode) throws {
        let image = try RGBImage.decode(fileAt: ImageTesting.path(c.input))
        #expect(image.width == c.width && image.height == c.height)
        let want = try ImageTesting.reference(c.rgb, width: c.width, height: c.height)
        let diff = ImageTesting.difference(image, want)
        if ImageCodecLibraries.jpeg.hasPrefix("libjpeg-turbo") {
            #expect(diff.count == 0, "\(c.input) (\(c.pil_mode)): \(diff.count) samples differ, max \(diff.max)")
        } else {
            #expect(diff.max <= 1, "\(c.input) with \(ImageCodecLibraries.jpeg): max difference \(diff.max)")
        }
    }

    @Test func codecLibraries() {
        #expect(ImageCodecLibraries.jpeg.hasPrefix("libjpeg"))
        #expect(ImageCodecLibraries.png.hasPrefix("libpng 1."))
    }

    /// transformers 5's `convert_to_rgb` composites images with transparency over white.
    @Test(arguments: transparentCases)
    func compositeOnWhiteEqualsPillow(_ c: ImageManifest.Decode) throws {
        let options = ImageDecodeOptions(transparency: .compositeOnWhite)
        let image = try RGBImage.decode(fileAt: ImageTesting.path(c.input), options: options)
        let want = try ImageTesting.reference(try #require(c.white), width: c.width, height: c.height)
        let diff = ImageTesting.difference(image, want)
        #expect(diff.count == 0, "\(c.input) (\(c.pil_mode)): \(diff.count) samples differ, max \(diff.max)")
    }

    @Test func compositeOnWhiteLeavesOpaqueImagesAlone() throws {
        for name in ["inputs/rgb8.png", "inputs/fundus.jpg", "inputs/gray8.png"] {
            let plain = try RGBImage.decode(fileAt: ImageTesting.path(name))
            let white = try RGBImage.decode(fileAt: ImageTesting.path(name), options: .init(transparency: .compositeOnWhite))
            #expect(plain == white, "\(name)")
        }
    }

    /// Pillow clips 16-bit gray to 255 (the default here); `.highByte` keeps value >> 8 instead.
    @Test func gray16HighByte() throws {
        let c = try #require(ImageTesting.manifest.decode.first { $0.high_byte != nil })
        let image = try RGBImage.decode(fileAt: ImageTesting.path(c.input), options: .init(gray16: .highByte))
        let want = try ImageTesting.reference(try #require(c.high_byte), width: c.width, height: c.height)
        #expect(ImageTesting.difference(image, want).count == 0)
        let clipped = try RGBImage.decode(fileAt: ImageTesting.path(c.input))
        #expect(clipped != image)
    }

    @Test func bytesAndFileAgree() throws {
        for c in ImageTesting.manifest.decode {
            let bytes = try ImageTesting.bytes(c.input)
            let fromBytes = try RGBImage.decode(bytes: bytes, name: c.input)
            let fromFile = try RGBImage.decode(fileAt: ImageTesting.path(c.input))
            #expect(fromBytes == fromFile, "\(c.input)")
        }
    }

    @Test func formatDetection() throws {
        for c in ImageTesting.manifest.decode {
            let format = ImageFileFormat.detect(try ImageTesting.bytes(c.input))
            #expect(format?.rawValue == c.format, "\(c.input)")
        }
        #expect(ImageFileFormat.detect([]) == nil)
        #expect(ImageFileFormat.detect(Array("GIF89a".utf8)) == nil)
        #expect(ImageFileFormat.detect([0xff, 0xd8, 0xff]) == .jpeg)
    }

    @Test func realFundusPhotograph() throws {
        let image = try RGBImage.decode(fileAt: ImageTesting.path("inputs/fundus.jpg"))
        #expect(image.width == 448 && image.height == 360)
        // A fundus photo is red-dominant: mean red well above mean blue.
        var sums = [0, 0, 0]
        for i in 0..<(image.width * image.height) {
            for c in 0..<3 { sums[c] += Int(image.pixels[3 * i + c]) }
        }
        #expect(sums[0] > 2 * sums[2])
    }
}
