import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelModels

@Suite("LLaVA (CLIP tower, projector, decoder) against transformers")
struct LlavaModelTests {
    static func load(_ fixture: String) throws -> (LlavaModel, Fixtures.Reference) {
        let config = try #require(try Fixtures.config(fixture).llava)
        let model = try LlavaModel(source: try WeightSources.open(Fixtures.folder(fixture)), config: config)
        return (model, try Fixtures.reference(fixture))
    }

    @Test("logits match transformers within 1e-4", arguments: [
        "llava-classic", "llava-model-prefixed", "llava-full-select", "llava-image",
    ])
    func logitsMatch(fixture: String) throws {
        let (model, reference) = try Self.load(fixture)
        let pixels = try #require(reference.pixel_values)
        let shape = try #require(reference.pixel_shape)
        #expect(pixels.count == shape.reduce(1, *))
        let logits = try model.logits(tokens: reference.tokens, pixelValues: pixels)
        let diff = Fixtures.maxAbsDiff(logits, reference.logits.flatMap { $0 })
        #expect(diff <= 1e-4, "\(fixture): max |Δ| = \(diff)")
        print("\(fixture): max |Δ| = \(diff)")
    }

    @Test("real images decoded and preprocessed in Swift give transformers' pixel values and logits")
    func imagePathEndToEnd() throws {
        let fixture = "llava-image"
        let folder = Fixtures.folder(fixture)
        let (model, reference) = try Self.load(fixture)
        let preprocessor = try CLIPPreprocessor(configFileAt: folder)
        #expect(preprocessor.config.padToSquare)
        let images = try ["images/fundus.jpg", "images/microaneurysms.png"].map {
            try preprocessor.pixelValues(fileAt: folder + "/" + $0)
        }
        let pixels = images.flatMap(\.values)
        let expected = try #require(reference.pixel_values)
        #expect(images.allSatisfy { $0.shape == [3, 28, 28] })
        #expect(Fixtures.maxAbsDiff(pixels, expected) == 0, "pixel values differ from LlavaProcessor's")
        let logits = try model.logits(tokens: reference.tokens, images: images)
        let diff = Fixtures.maxAbsDiff(logits, reference.logits.flatMap { $0 })
        #expect(diff <= 1e-4, "max |Δ| = \(diff)")
        print("\(fixture) from decoded images: max |Δ| = \(diff)")
    }

    @Test("incremental decoding after an image prefill equals the full forward pass")
    func kvCacheAfterPrefill() throws {
        let fixture = "llava-classic"
        let (model, reference) = try Self.load(fixture)
        let tokens = reference.tokens, vocab = model.config.text.vocabSize
        let cache = KVCache(config: model.config.text, capacity: 32)
        // The prompt with its image (and one text token after it), then the rest a token at a time.
        let prefill = tokens.count - 2
        var logits = try model.logits(tokens: Array(tokens[..<prefill]), pixelValues: reference.pixel_values ?? [],
                                      cache: cache)
        for t in tokens[prefill...] {
            logits += try model.logits(tokens: [t], cache: cache)
        }
        #expect(cache.length == tokens.count)
        #expect(logits.count == tokens.count * vocab)
        let diff = Fixtures.maxAbsDiff(logits, reference.logits.flatMap { $0 })
        #expect(diff <= 1e-4, "max |Δ| = \(diff)")
    }

    @Test("a wrong number of image tokens is an error naming both counts")
    func imageTokenCountMismatch() throws {
        let (model, reference) = try Self.load("llava-classic")
        let pixels = try #require(reference.pixel_values)
        var tokens = reference.tokens
        tokens.remove(at: tokens.firstIndex(of: 99)!)
        do {
            _ = try model.logits(tokens: tokens, pixelValues: pixels)
            Issue.record("expected an error for 15 image tokens")
        } catch let error as ModelError {
            #expect(error.description.contains("15 image tokens"), "\(error)")
            #expect(error.description.contains("1 image(s) × 16 features need 16"), "\(error)")
        }
        // Image tokens without an image, and an image without tokens.
        #expect(throws: ModelError.self) { try model.logits(tokens: reference.tokens) }
        #expect(throws: ModelError.self) { try model.logits(tokens: [1, 7, 8], pixelValues: pixels) }
        // Two images need twice the tokens.
        #expect(throws: ModelError.self) { try model.logits(tokens: reference.tokens, pixelValues: pixels + pixels) }
        // Text alone runs the decoder only.
        #expect(try model.logits(tokens: [1, 7, 8]).count == 3 * model.config.text.vocabSize)
    }

    @Test("pixel values that are not whole images, or images of the wrong size, are errors")
    func badPixels() throws {
        let (model, reference) = try Self.load("llava-classic")
        let pixels = try #require(reference.pixel_values)
        do {
            _ = try model.logits(tokens: reference.tokens, pixelValues: Array(pixels.dropLast()))
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(error.description.contains("3×28×28"), "\(error)")
        }
        let small = CLIPPixelValues(height: 24, width: 24, values: [Float](repeating: 0, count: 3 * 24 * 24))
        #expect(throws: ModelError.self) { try model.logits(tokens: reference.tokens, images: [small]) }
        #expect(throws: ModelError.self) { try model.logits(tokens: [1, 100, 2]) }
    }

    @Test("a missing vision or projector tensor is a FormatError naming it, in every layout", arguments: [
        // published names (transformers 4)
        ("llava-image", ["vision_tower.vision_model.encoder.layers.1.self_attn.out_proj.bias",
                         "vision_tower.vision_model.embeddings.class_embedding",
                         "vision_tower.vision_model.embeddings.patch_embedding.weight",
                         "vision_tower.vision_model.pre_layrnorm.weight",
                         "multi_modal_projector.linear_1.weight"]),
        // transformers 5's save_pretrained
        ("llava-classic", ["vision_tower.encoder.layers.2.mlp.fc2.weight",
                           "vision_tower.embeddings.position_embedding.weight",
                           "multi_modal_projector.linear_2.bias"]),
        // transformers 5's in-memory names
        ("llava-model-prefixed", ["model.vision_tower.encoder.layers.0.mlp.fc1.weight",
                                  "model.vision_tower.embeddings.class_embedding",
                                  "model.multi_modal_projector.linear_1.bias"]),
    ])
    func missingTensor(fixture: String, names: [String]) throws {
        let config = try #require(try Fixtures.config(fixture).llava)
        let source = try WeightSources.open(Fixtures.folder(fixture))
        for name in names {
            #expect(source.contains(name), "the fixture has no \(name)")
            do {
                _ = try LlavaModel(source: HidingSource(source, hiding: name), config: config)
                Issue.record("expected an error for missing \(name)")
            } catch let error as FormatError {
                #expect(error.description.contains("no tensor named '\(name)'"), "\(error)")
            }
        }
    }

    @Test("a vision config that does not match the weights is a clear error")
    func mismatchedVisionConfig() throws {
        let fixture = "llava-classic"
        var config = try #require(try Fixtures.config(fixture).llava)
        let source = try WeightSources.open(Fixtures.folder(fixture))
        config.vision.intermediateSize = 48
        do {
            _ = try LlavaModel(source: source, config: config)
            Issue.record("expected a shape error")
        } catch let error as FormatError {
            #expect(error.description.contains("'vision_tower.encoder.layers.0.mlp.fc1.weight' has shape [64, 32] but"), "\(error)")
        }
        config = try #require(try Fixtures.config(fixture).llava)
        config.visionFeatureLayers = [-2, -1]
        do {
            _ = try LlavaModel(source: source, config: config)
            Issue.record("expected a shape error")
        } catch let error as FormatError {
            #expect(error.description.contains("multi_modal_projector.linear_1.weight' has shape [64, 32] but"), "\(error)")
        }
        config = try #require(try Fixtures.config(fixture).llava)
        config.vision.hiddenAct = "relu"
        #expect(throws: ModelError.self) { try LlavaModel(source: source, config: config) }
    }

    @Test("every tensor of the checkpoint is loaded exactly once", arguments: [
        "llava-classic", "llava-model-prefixed", "llava-image",
    ])
    func parameterCount(fixture: String) throws {
        let (model, _) = try Self.load(fixture)
        let source = try WeightSources.open(Fixtures.folder(fixture))
        let total = source.tensorNames.reduce(0) { $0 + (source.info($1)?.elementCount ?? 0) }
        #expect(model.parameterCount == total)
        #expect(model.visionTower.postNorm != nil)
    }
}

/// A weight source that hides one tensor of another.
final class HidingSource: WeightSource, @unchecked Sendable {
    let base: any WeightSource
    let hidden: String

    init(_ base: any WeightSource, hiding name: String) {
        self.base = base
        hidden = name
    }

    var path: String { base.path }
    var tensorNames: [String] { base.tensorNames.filter { $0 != hidden } }
    func info(_ name: String) -> WeightInfo? { name == hidden ? nil : base.info(name) }
    func floats(_ name: String) throws -> [Float] {
        guard name != hidden else { throw FormatError(file: path, "no tensor named '\(name)'") }
        return try base.floats(name)
    }
}
