import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelTrain

/// LLaVA conversation JSON with images: paths relative to the JSON file, preprocessing, the image
/// token expanded to the feature count with masked labels, and collation of images and positions.
@Suite("SFT data with images")
struct ImageSFTDataTests {
    /// The byte-level test tokenizer with `<image>` as added token 260.
    static func tokenizer() throws -> Tokenizer {
        var vocab: [String: JSONValue] = [:]
        for b in 0..<256 { vocab[String(ByteLevel.byteToScalar[b])] = .int(b) }
        func added(_ id: Int, _ content: String) -> JSONValue {
            .object(["id": .int(id), "content": .string(content), "special": .bool(true), "single_word": .bool(false),
                     "lstrip": .bool(false), "rstrip": .bool(false), "normalized": .bool(false)])
        }
        let json: JSONValue = .object([
            "added_tokens": .array([added(260, "<image>")]),
            "pre_tokenizer": .object(["type": .string("ByteLevel"), "add_prefix_space": .bool(false),
                                      "trim_offsets": .bool(true), "use_regex": .bool(true)]),
            "decoder": .object(["type": .string("ByteLevel")]),
            "model": .object(["type": .string("BPE"), "vocab": .object(vocab), "merges": .array([])]),
        ])
        return try Tokenizer(json: json)
    }

    /// 8×8 images, no resize or crop, mean 0 / std 1: pixel values are the levels / 255.
    static func settings(features: Int = 4) -> SFTImageSettings {
        let config = PreprocessorConfig(doResize: false, doCenterCrop: false, imageMean: [0, 0, 0], imageStd: [1, 1, 1])
        return SFTImageSettings(preprocessor: CLIPPreprocessor(config: config), imageTokenId: 260, featuresPerImage: features, imageSize: 8)
    }

    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-img-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        try RGBImage(width: 8, height: 8, filledWith: RGBColor(red: 51, green: 102, blue: 255)).writePNG(to: dir + "/images/a.png")
        try RGBImage(width: 8, height: 8, filledWith: RGBColor(red: 0, green: 0, blue: 0)).writePNG(to: dir + "/images/b.png")
        return dir
    }

    @Test("images load relative to the JSON file, once per file; <image> expands with masked labels")
    func loadWithImages() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"""
        [{"id": "x1", "image": "images/a.png", "conversations": [{"from": "human", "value": "<image>\nhue?"}, {"from": "gpt", "value": "blue"}]},
         {"id": "x2", "image": "images/a.png", "conversations": [{"from": "human", "value": "size?"}, {"from": "gpt", "value": "8"}]},
         {"id": "x3", "image": "images/b.png", "conversations": [{"from": "human", "value": "<image>\nhue?"}, {"from": "gpt", "value": "black"}]}]
        """#.write(toFile: dir + "/d.json", atomically: true, encoding: .utf8)
        let samples = try SFTData.load(path: dir + "/d.json", tokenizer: try Self.tokenizer(), format: .llava1_5,
                                       seqLen: 64, images: Self.settings())
        #expect(samples.count == 3)
        for s in samples {
            #expect(s.images.count == 1 && s.images[0].count == 3 * 64)
            #expect(s.imagePositions.count == 4)
            #expect(s.imagePositions.allSatisfy { s.tokens[$0] == 260 && s.labels[$0] == -100 })
            #expect(s.tokens.filter { $0 == 260 }.count == 4)
            // Positions are consecutive: one placeholder became four.
            #expect(s.imagePositions == Array(s.imagePositions[0]..<(s.imagePositions[0] + 4)))
        }
        // A sample with an image but no placeholder gets one (LLaVA's data preparation).
        #expect(samples[1].tokens.filter { $0 == 260 }.count == 4)
        #expect(abs(samples[0].images[0][0] - 0.2) < 1e-6 && abs(samples[0].images[0][64 * 2] - 1) < 1e-6)
        #expect(samples[2].images[0].allSatisfy { $0 == 0 })
        // The answer keeps its labels.
        let answer = Array("blue".utf8).map(Int.init)
        #expect(samples[0].labels.filter { $0 != -100 }.starts(with: answer))

        let batch = SFTData.collate(samples, padId: 0)
        #expect(batch.pixelValues.count == 3 * 3 * 64)
        #expect(batch.imagePositions.count == 12)
        #expect(batch.imagePositions.allSatisfy { batch.inputs[$0] == 260 })
        #expect(batch.imagePositions[8] == 2 * batch.seqLen + samples[2].imagePositions[0])
    }

    @Test("clear errors: no image file, a placeholder without an image, text-only loading, a cut image")
    func errors() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tok = try Self.tokenizer()
        func load(_ json: String, seqLen: Int = 64, images: SFTImageSettings? = ImageSFTDataTests.settings()) throws -> [TrainingSample] {
            try json.write(toFile: dir + "/e.json", atomically: true, encoding: .utf8)
            return try SFTData.load(path: dir + "/e.json", tokenizer: tok, format: .llava1_5, seqLen: seqLen, images: images)
        }
        let missing = #"[{"id": "m", "image": "images/none.png", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}]"#
        #expect { try load(missing) } throws: { "\($0)".contains("none.png") }
        let orphan = #"[{"id": "o", "conversations": [{"from": "human", "value": "<image>\nq"}, {"from": "gpt", "value": "a"}]}]"#
        #expect { try load(orphan) } throws: { "\($0)".contains("no \"image\" file") }
        let ok = #"[{"id": "k9", "image": "images/a.png", "conversations": [{"from": "human", "value": "<image>\nq"}, {"from": "gpt", "value": "a"}]}]"#
        #expect { try load(ok, images: nil) } throws: { "\($0)".contains("k9") && "\($0)".contains("LLaVA") }
        #expect { try load(ok, seqLen: 8, images: Self.settings(features: 16)) } throws: { "\($0)".contains("cuts into the image") }
    }

    @Test("collate leaves out an image that truncation cuts")
    func collateCut() {
        let s = TrainingSample(tokens: [1, 7, 7, 7, 2, 3], labels: [-100, -100, -100, -100, 2, 3], images: [[0.5, 0.5]], imagePositions: [1, 2, 3])
        let whole = SFTData.collate([s], padId: 0, seqLen: 6)
        #expect(whole.imagePositions == [1, 2, 3] && whole.pixelValues == [0.5, 0.5])
        let cut = SFTData.collate([s], padId: 0, seqLen: 3)
        #expect(cut.imagePositions.isEmpty && cut.pixelValues.isEmpty)
    }
}
