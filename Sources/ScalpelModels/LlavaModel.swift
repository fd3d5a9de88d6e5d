import ScalpelFormats
import ScalpelTensor

/// A LLaVA model with f32 weights: a CLIP vision tower, the multimodal projector and a LLaMA
/// decoder. The text's `<image>` tokens (`image_token_index`) are placeholders: each image fills
/// `featuresPerImage` of them, in order, with its projected patch features, and the decoder runs
/// over the result.
public final class LlavaModel: @unchecked Sendable {
    public let config: ModelConfig.Llava
    public let visionTower: CLIPVisionModel
    public let projector: LlavaProjector
    public let languageModel: LlamaModel

    /// Loads the three parts from `source`, checking every tensor's shape against `config`. Both
    /// tensor layouts (`save_pretrained`'s and transformers ≥ 4.52's in-memory one) are detected.
    ///
    /// - Throws: `FormatError` naming a missing or misshapen tensor; `ModelError` for an
    ///   activation Scalpel does not implement.
    public init(source: any WeightSource, config c: ModelConfig.Llava, names: LlavaTensorNames? = nil) throws {
        let names = names ?? LlavaTensorNames.detect(in: source)
        config = c
        visionTower = try CLIPVisionModel(source: source, config: c.vision, names: names.vision)
        projector = try LlavaProjector(source: source, config: c, names: names)
        languageModel = try LlamaModel(source: source, config: c.text, names: names.text)
    }

    /// Parameters of all three parts.
    public var parameterCount: Int {
        visionTower.parameterCount + projector.parameterCount + languageModel.parameterCount
    }

    /// Whether image features keep the class token (`vision_feature_select_strategy` "full").
    public var keepsClassToken: Bool { config.visionFeatureSelectStrategy == "full" }

    /// `<image>` positions one image fills: its patches, plus the class token under "full". This is
    /// what the vision tower produces; a consistent config's `image_seq_length` equals it.
    public var featuresPerImage: Int { visionTower.featureTokens(keepClassToken: keepsClassToken) }

    /// Projected features of the images in `pixelValues` (`[images, channels, imageSize, imageSize]`,
    /// as transformers' `pixel_values`): `[images·featuresPerImage, text hidden]`.
    public func imageFeatures(pixelValues: [Float]) throws -> FloatBuffer {
        let images = try visionTower.imageCount(pixelValues)
        let features = try visionTower.features(pixelValues: pixelValues, layers: config.visionFeatureLayers,
                                                keepClassToken: keepsClassToken)
        return projector.forward(features.readPointer, rows: images * featuresPerImage)
    }

    /// The decoder's input for `tokens`: token embeddings, with the positions holding
    /// `image_token_index` replaced, in order, by the projected features of the images in
    /// `pixelValues`. `[tokens.count, text hidden]`.
    ///
    /// - Throws: `ModelError` when the number of image tokens is not `featuresPerImage` × images,
    ///   or for a token id outside the vocabulary.
    public func embed(tokens: [Int], pixelValues: [Float]) throws -> FloatBuffer {
        let images = try visionTower.imageCount(pixelValues)
        let imageToken = config.imageTokenIndex
        let placeholders = tokens.reduce(0) { $0 + ($1 == imageToken ? 1 : 0) }
        let needed = images * featuresPerImage
        guard placeholders == needed else {
            throw ModelError("the text holds \(placeholders) image tokens (id \(imageToken)) but \(images) image(s) × \(featuresPerImage) features need \(needed)")
        }
        let features = images > 0 ? try imageFeatures(pixelValues: pixelValues) : FloatBuffer(count: 0)
        let text = languageModel.config, h = text.hiddenSize
        let out = FloatBuffer(count: tokens.count * h)
        var next = 0
        for (i, t) in tokens.enumerated() {
            let row = out.pointer + i * h
            if t == imageToken {
                row.update(from: features.pointer + next * h, count: h)
                next += 1
            } else {
                guard t >= 0 && t < text.vocabSize else {
                    throw ModelError("token id \(t) at position \(i) is outside the vocabulary (0..<\(text.vocabSize))")
                }
                row.update(from: languageModel.embedTokens.pointer + t * h, count: h)
            }
        }
        return out
    }

    /// Logits for every position of `tokens`, `[count, vocab]` row-major, with the images in
    /// `pixelValues` spliced in (see `embed(tokens:pixelValues:)`). With `cache`, the tokens continue
    /// the cached sequence (positions start at `cache.length`) and their keys and values are
    /// appended: prefill with the prompt and its images, then pass further tokens with no pixels.
    public func logits(tokens: [Int], pixelValues: [Float] = [], cache: KVCache? = nil) throws -> [Float] {
        let x = try embed(tokens: tokens, pixelValues: pixelValues)
        let step = BlockStep(batch: 1, seqLen: tokens.count, past: cache?.length ?? 0)
        try languageModel.runDecoder(x, step: step, cache: cache)
        let out = FloatBuffer(count: tokens.count * languageModel.config.vocabSize)
        languageModel.logits(hidden: x.pointer, rows: tokens.count, into: out.pointer)
        return out.array
    }

    /// `logits(tokens:pixelValues:cache:)` for preprocessed images (`CLIPPreprocessor` output), each
    /// checked to be the tower's `imageSize` square.
    public func logits(tokens: [Int], images: [CLIPPixelValues], cache: KVCache? = nil) throws -> [Float] {
        let size = config.vision.imageSize
        for (i, image) in images.enumerated() where image.height != size || image.width != size {
            throw ModelError("image \(i) is \(image.width)×\(image.height) but the vision tower takes \(size)×\(size)")
        }
        return try logits(tokens: tokens, pixelValues: images.flatMap(\.values), cache: cache)
    }
}
