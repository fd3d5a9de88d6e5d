import Foundation
import Testing
@testable import ScalpelFormats

/// `CLIPPreprocessor` must equal transformers' `CLIPImageProcessor` (PIL backend) and LLaVA-1.5's
/// expand2square, for the configs and images in the fixture manifest.
@Suite struct CLIPPreprocessorTests {
    @Test(arguments: ImageTesting.manifest.clip)
    func equalsTransformers(_ c: ImageManifest.Clip) throws {
        var config = try PreprocessorConfig.load(fileAt: ImageTesting.path(c.config))
        if c.pad_to_square { config.padToSquare = true }
        let processor = CLIPPreprocessor(config: config)
        let options = ImageDecodeOptions(transparency: c.transparency == "white" ? .compositeOnWhite : .discard)
        let image = try RGBImage.decode(fileAt: ImageTesting.path(c.input), options: options)

        // The 8-bit stage (pad, resize, crop) is exact.
        let prepared = processor.preparedImage(image)
        #expect([3, prepared.height, prepared.width] == c.shape)
        let want = try ImageTesting.reference(c.prepared, width: c.shape[2], height: c.shape[1])
        let diff = ImageTesting.difference(prepared, want)
        #expect(diff.count == 0, "\(c.name): \(diff.count) samples differ before rescale, max \(diff.max)")

        // The float stage: transformers' output is table[level] (the script checks that identity).
        let output = processor.pixelValues(image)
        #expect(output.shape == c.shape)
        let table = try #require(ImageTesting.manifest.tables[c.config_name])
        let plane = c.shape[1] * c.shape[2]
        var worst: Float = 0
        for ch in 0..<3 {
            for i in 0..<plane {
                let reference = Float(table[ch][Int(want.pixels[3 * i + ch])])
                worst = max(worst, abs(output.values[ch * plane + i] - reference))
            }
        }
        #expect(worst <= 1e-6, "\(c.name): max |Δ| \(worst)")
        #expect(worst == 0, "\(c.name): max |Δ| \(worst) (expected bit-exact)")

        // And the whole float32 tensor hashes like transformers' pixel_values[0].
        let bytes = output.values.flatMap { value -> [UInt8] in
            let bits = value.bitPattern.littleEndian
            return [UInt8(bits & 0xff), UInt8((bits >> 8) & 0xff), UInt8((bits >> 16) & 0xff), UInt8(bits >> 24)]
        }
        #expect(ImageTesting.fnv1a64(bytes) == c.fnv1a64, "\(c.name): float32 output differs from transformers")
        let sum = output.values.reduce(0.0) { $0 + Double($1) }
        #expect(abs(sum - c.checksum) <= 1e-6 * max(1, abs(c.checksum)), "\(c.name): sum \(sum) vs \(c.checksum)")
    }

    /// The per-level table (rescale in float64 then float32, normalise in float32) equals numpy's.
    @Test(arguments: Array(ImageTesting.manifest.tables.keys).sorted())
    func levelTableEqualsNumpy(_ name: String) throws {
        let config = try PreprocessorConfig.load(fileAt: ImageTesting.path("configs/\(name)/preprocessor_config.json"))
        let table = CLIPPreprocessor(config: config).levelTable()
        let want = try #require(ImageTesting.manifest.tables[name])
        for c in 0..<3 {
            for v in 0..<256 {
                #expect(table[256 * c + v].bitPattern == Float(want[c][v]).bitPattern, "\(name) channel \(c) level \(v)")
            }
        }
    }

    @Test func llava15Config() throws {
        let config = try PreprocessorConfig.load(fileAt: ImageTesting.path("configs/llava15"))
        #expect(config == PreprocessorConfig.llava15(padToSquare: false))
        #expect(config.size == .shortestEdge(336))
        #expect(config.cropHeight == 336 && config.cropWidth == 336)
        #expect(config.resample == .bicubic)
        #expect(config.rescaleFactor == 0.00392156862745098)
        #expect(config.padColor == RGBColor(red: 122, green: 116, blue: 104))
        let legacy = try PreprocessorConfig.load(fileAt: ImageTesting.path("configs/clip336_legacy/preprocessor_config.json"))
        #expect(legacy.size == .shortestEdge(336))
        #expect(legacy.cropHeight == 336 && legacy.cropWidth == 336)
        #expect(legacy.rescaleFactor == 1.0 / 255.0)
    }

    @Test func configVariants() throws {
        let exact = try PreprocessorConfig.load(fileAt: ImageTesting.path("configs/small_exact"))
        #expect(exact.size == .exact(height: 30, width: 20) && !exact.doCenterCrop)
        let longest = try PreprocessorConfig.load(fileAt: ImageTesting.path("configs/small_longest"))
        #expect(longest.size == .shortestAndLongestEdge(shortest: 20, longest: 28))
        let pad = try PreprocessorConfig.load(fileAt: ImageTesting.path("configs/llava_pad_small"))
        #expect(pad.padToSquare)
        let bilinear = try PreprocessorConfig.load(fileAt: ImageTesting.path("configs/small_bilinear_nonorm"))
        #expect(bilinear.resample == .bilinear && !bilinear.doNormalize)
        let list = try PreprocessorConfig(json: Data(#"{"size": [12, 34], "crop_size": [5, 6], "image_mean": 0.5, "image_std": 0.25}"#.utf8))
        #expect(list.size == .exact(height: 12, width: 34))
        #expect(list.cropHeight == 5 && list.cropWidth == 6)
        #expect(list.imageMean == [0.5, 0.5, 0.5] && list.imageStd == [0.25, 0.25, 0.25])
        let defaults = try PreprocessorConfig(json: Data("{}".utf8))
        #expect(defaults == PreprocessorConfig())
    }

    @Test func badConfigs() {
        let cases: [(String, String)] = [
            (#"{"size": {"longest_edge": 3}}"#, "longest_edge"),
            (#"{"resample": 0}"#, "resample 0"),
            (#"{"image_mean": [0.5, 0.5]}"#, "3 values"),
            (#"{"image_std": [0.5, 0, 0.5]}"#, "non-zero"),
            (#"{"size": {"shortest_edge": 0}}"#, "positive"),
            (#"{"size": "big"}"#, "size"),
            (#"{"crop_size": {"height": 3}}"#, "crop_size"),
            (#"{"do_resize": "yes"}"#, "do_resize"),
            (#"{"size": "#, "invalid JSON"),
        ]
        for (json, part) in cases {
            ImageTesting.expectFormatError(file: "cfg.json", part) {
                _ = try PreprocessorConfig(json: Data(json.utf8), file: "cfg.json")
            }
        }
        ImageTesting.expectFormatError(file: "/nonexistent/preprocessor_config.json", "no such file") {
            _ = try PreprocessorConfig.load(fileAt: "/nonexistent/preprocessor_config.json")
        }
    }

    /// transformers' size arithmetic: int() truncation of the long side, floor-centred crops.
    @Test func resizeTargets() {
        let llava = CLIPPreprocessor(config: .llava15(padToSquare: false))
        #expect(llava.resizeTarget(width: 448, height: 360) == (336, 418))
        #expect(llava.resizeTarget(width: 360, height: 448) == (418, 336))
        #expect(llava.resizeTarget(width: 1000, height: 3) == (336, 112000))
        #expect(llava.resizeTarget(width: 500, height: 500) == (336, 336))
        #expect(CLIPPreprocessor.sizeWithAspectRatio(height: 23, width: 37, size: 20, maxSize: 28) == (17, 28))
        #expect(CLIPPreprocessor.sizeWithAspectRatio(height: 20, width: 30, size: 20, maxSize: 40) == (20, 30))
        let image = RGBImage(width: 5, height: 4, pixels: (0..<60).map { UInt8($0) })
        let crop = image.centerCropped(width: 2, height: 3)
        #expect(crop == image.cropped(left: 1, top: 0, width: 2, height: 3))
        let padded = image.centerCropped(width: 8, height: 4)
        #expect(padded.width == 8 && padded[1, 0] == RGBColor(red: 0, green: 0, blue: 0))
        #expect(padded[2, 0] == image[0, 0] && padded[6, 3] == image[4, 3] && padded[7, 3] == RGBColor(red: 0, green: 0, blue: 0))
    }

    @Test func paddedToSquare() {
        let image = RGBImage(width: 5, height: 2, filledWith: RGBColor(red: 9, green: 9, blue: 9))
        let square = image.paddedToSquare(background: RGBColor(red: 1, green: 2, blue: 3))
        #expect(square.width == 5 && square.height == 5)
        // (5 - 2) // 2 = 1 row above, 2 below.
        #expect(square[0, 0] == RGBColor(red: 1, green: 2, blue: 3))
        #expect(square[0, 1] == RGBColor(red: 9, green: 9, blue: 9) && square[4, 2] == RGBColor(red: 9, green: 9, blue: 9))
        #expect(square[0, 3] == RGBColor(red: 1, green: 2, blue: 3))
        #expect(image.resized(width: 2, height: 5).paddedToSquare(background: RGBColor(red: 0, green: 0, blue: 0)).width == 5)
    }
}
