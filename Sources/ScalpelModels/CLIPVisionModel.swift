import ScalpelFormats
import ScalpelTensor

/// A CLIP vision tower (transformers' `CLIPVisionModel`) with f32 weights: patch embedding, class
/// and position embeddings, `pre_layrnorm`, the encoder layers, and `post_layernorm` when the
/// checkpoint has it.
///
/// Images come as transformers' `pixel_values`: `[images, channels, imageSize, imageSize]`
/// row-major. The patch convolution (stride = kernel = `patchSize`, no bias) runs as one linear
/// over flattened patches: its weight `[hidden, channels, patch, patch]` is already the
/// `[hidden, channels·patch·patch]` matrix that multiplies a patch read channel by channel, row by row.
public final class CLIPVisionModel: @unchecked Sendable {
    public let config: ModelConfig.CLIPVision
    /// The encoder MLP's activation, from `hidden_act`.
    public let activation: HiddenActivation
    /// `[hidden, channels·patch·patch]`.
    public let patchEmbedding: FloatBuffer
    /// `[hidden]`.
    public let classEmbedding: FloatBuffer
    /// `[patches + 1, hidden]`, the class token's row first.
    public let positionEmbedding: FloatBuffer
    public let preNorm: FloatBuffer
    public let preNormBias: FloatBuffer
    public var layers: [CLIPEncoderLayerWeights]
    /// `post_layernorm`, when the checkpoint holds it (LLaVA's features never pass through it).
    public let postNorm: FloatBuffer?
    public let postNormBias: FloatBuffer?

    /// Loads the tower from `source`, checking every tensor's shape against `config`.
    ///
    /// - Throws: `FormatError` naming a missing or misshapen tensor; `ModelError` for an activation
    ///   Scalpel does not implement.
    public init(source: any WeightSource, config c: ModelConfig.CLIPVision, names: CLIPTensorNames? = nil) throws {
        let names = names ?? CLIPTensorNames.detect(in: source)
        let h = c.hiddenSize, p = c.patchSize
        let origin = "the vision config (hidden \(h), \(c.numChannels) channels, patch \(p), image \(c.imageSize))"
        func load(_ name: String, _ shape: [Int]) throws -> FloatBuffer {
            FloatBuffer(try source.floats(name, shape: shape, from: origin))
        }
        config = c
        activation = try Self.activation(c.hiddenAct)
        patchEmbedding = try load(names.patchEmbedding, [h, c.numChannels, p, p])
        classEmbedding = try load(names.classEmbedding, [h])
        positionEmbedding = try load(names.positionEmbedding, [c.numPatches + 1, h])
        preNorm = try load(names.preNorm("weight"), [h])
        preNormBias = try load(names.preNorm("bias"), [h])
        layers = try (0..<c.numHiddenLayers).map {
            try CLIPEncoderLayerWeights(from: source, names: names, index: $0, config: c)
        }
        if source.contains(names.postNorm("weight")) {
            postNorm = try load(names.postNorm("weight"), [h])
            postNormBias = try load(names.postNorm("bias"), [h])
        } else {
            postNorm = nil
            postNormBias = nil
        }
    }

    static func activation(_ name: String) throws -> HiddenActivation {
        do {
            return try HiddenActivation(configName: name)
        } catch {
            throw ModelError("vision tower: hidden_act '\(name)' is not supported (supported: quick_gelu, gelu, gelu_pytorch_tanh, gelu_new, silu)")
        }
    }

    /// Parameters of the tower, `post_layernorm` included when present.
    public var parameterCount: Int {
        patchEmbedding.count + classEmbedding.count + positionEmbedding.count + preNorm.count + preNormBias.count
            + layers.reduce(0) { $0 + $1.parameterCount } + (postNorm?.count ?? 0) + (postNormBias?.count ?? 0)
    }

    /// Positions per image: the class token and one per patch.
    public var tokensPerImage: Int { config.numPatches + 1 }
    /// Floats per image in `pixel_values`: `channels · imageSize²`.
    public var valuesPerImage: Int { config.numChannels * config.imageSize * config.imageSize }

    /// The number of images `pixelValues` holds; throws `ModelError` when it is not a whole number.
    public func imageCount(_ pixelValues: [Float]) throws -> Int {
        let per = valuesPerImage
        guard pixelValues.count % per == 0 else {
            let s = config.imageSize
            throw ModelError("pixel values hold \(pixelValues.count) floats, not a whole number of \(config.numChannels)×\(s)×\(s) images (\(per) floats each)")
        }
        return pixelValues.count / per
    }

    /// Every patch of `images` preprocessed images as one row of `channels × patch × patch` values, in the
    /// patch convolution's (channel, row, column) order: the input of the patch embedding as a linear.
    public func patchRows(_ pixelValues: UnsafePointer<Float>, images: Int) -> FloatBuffer {
        let c = config, p = c.patchSize, s = c.imageSize, side = c.patchesPerSide
        let patches = c.numPatches, width = c.numChannels * p * p
        let rows = FloatBuffer(count: images * patches * width)
        for b in 0..<images {
            let image = pixelValues + b * valuesPerImage
            for py in 0..<side {
                for px in 0..<side {
                    var dst = rows.pointer + ((b * patches) + py * side + px) * width
                    for ch in 0..<c.numChannels {
                        for ky in 0..<p {
                            dst.update(from: image + (ch * s + py * p + ky) * s + px * p, count: p)
                            dst += p
                        }
                    }
                }
            }
        }
        return rows
    }

    /// `hidden_states[0]` for `images` images at `pixelValues`: patch embeddings behind the class
    /// embedding, plus position embeddings, through `pre_layrnorm`; `[images·(patches+1), hidden]`.
    public func embed(pixelValues: UnsafePointer<Float>, images: Int) -> FloatBuffer {
        let c = config, h = c.hiddenSize, p = c.patchSize
        let patches = c.numPatches, width = c.numChannels * p * p, t = tokensPerImage
        let rows = patchRows(pixelValues, images: images)
        let embedded = FloatBuffer(count: images * patches * h)
        Linear.forward(out: embedded.pointer, x: rows.pointer, weight: patchEmbedding.pointer, bias: nil,
                       n: images * patches, inFeatures: width, outFeatures: h)
        let x = FloatBuffer(count: images * t * h)
        for b in 0..<images {
            for i in 0..<t {
                let out = x.pointer + (b * t + i) * h
                let source = i == 0 ? classEmbedding.pointer : embedded.pointer + (b * patches + i - 1) * h
                let position = positionEmbedding.pointer + i * h
                for j in 0..<h { out[j] = source[j] + position[j] }
            }
        }
        LayerNorm.forward(out: x.pointer, mean: nil, rstd: nil, x: x.pointer, weight: preNorm.pointer,
                          bias: preNormBias.readPointer, n: images * t, dim: h, eps: Float(c.layerNormEps))
        return x
    }

    /// The index into transformers' `hidden_states` tuple that `layer` names: `0` the embeddings
    /// after `pre_layrnorm`, `i` the output of layer `i`, negative values counted from the end
    /// (`-1` the last layer's output).
    public func hiddenStateIndex(_ layer: Int) throws -> Int {
        let count = config.numHiddenLayers
        let index = layer < 0 ? count + 1 + layer : layer
        guard index >= 0 && index <= count else {
            throw ModelError("vision feature layer \(layer) does not exist: a \(count)-layer tower has hidden states 0...\(count) (or -\(count + 1)...-1)")
        }
        return index
    }

    /// The hidden states `layers` name (see `hiddenStateIndex`), in the order asked, each
    /// `[images·(patches+1), hidden]`, for the images in `pixelValues`
    /// (`[images, channels, imageSize, imageSize]`). Runs only as many layers as the deepest needs.
    public func hiddenStates(pixelValues: [Float], layers wanted: [Int]) throws -> [FloatBuffer] {
        let images = try imageCount(pixelValues)
        let indices = try wanted.map(hiddenStateIndex)
        let deepest = indices.max() ?? 0
        guard images > 0 else { return indices.map { _ in FloatBuffer(count: 0) } }
        let x = pixelValues.withUnsafeBufferPointer { embed(pixelValues: $0.baseAddress!, images: images) }
        try LlamaModel.checkFinite(x, after: "the vision embeddings")
        var states: [Int: FloatBuffer] = [:]
        func keep(_ index: Int) {
            guard indices.contains(index) else { return }
            states[index] = index == deepest ? x : FloatBuffer(x.array)
        }
        keep(0)
        let step = BlockStep(batch: images, seqLen: tokensPerImage)
        let scratch = CLIPEncoderLayer.Scratch(config: config, batch: images, seqLen: tokensPerImage)
        for i in 0..<deepest {
            CLIPEncoderLayer(config: config, weights: layers[i], activation: activation)
                .forward(x.pointer, step: step, scratch: scratch)
            try LlamaModel.checkFinite(x, after: "vision layer \(i)")
            keep(i + 1)
        }
        return indices.map { states[$0]! }
    }
}
