import ScalpelFormats
import ScalpelModels
import ScalpelTensor

/// A CLIP vision tower set up for full fine-tuning: a forward pass to LLaVA's image features that
/// keeps what backward needs, and a backward pass from the features' gradient to every weight:
///
///     patches → linear (the patch convolution) → + class / position embeddings → pre_layrnorm
///       → encoder layers → chosen hidden states (class token dropped under "default") → features
///
/// Backward walks the layers down from the deepest hidden state the features use, releasing each
/// layer's activations once its backward has run. `post_layernorm` is not on LLaVA's path and gets
/// no gradient. Frozen, the tower runs forward only (`CLIPVisionModel.features`).
public final class TrainableVisionTower: @unchecked Sendable {
    public let tower: CLIPVisionModel
    public let names: CLIPTensorNames
    public let trainable: Bool
    /// Gradients laid out as the weights (nil: frozen).
    public let patchEmbeddingGrad, classEmbeddingGrad, positionEmbeddingGrad, preNormGrad, preNormBiasGrad: FloatBuffer?
    public let layerGrads: [CLIPEncoderLayerWeights]?

    public init(tower: CLIPVisionModel, names: CLIPTensorNames = .llavaSaved, trainable: Bool) {
        self.tower = tower
        self.names = names
        self.trainable = trainable
        let c = tower.config
        func grad(_ b: FloatBuffer) -> FloatBuffer? { trainable ? FloatBuffer(count: b.count) : nil }
        patchEmbeddingGrad = grad(tower.patchEmbedding)
        classEmbeddingGrad = grad(tower.classEmbedding)
        positionEmbeddingGrad = grad(tower.positionEmbedding)
        preNormGrad = grad(tower.preNorm)
        preNormBiasGrad = grad(tower.preNormBias)
        layerGrads = trainable ? (0..<c.numHiddenLayers).map { _ in CLIPEncoderLayerWeights(config: c) } : nil
    }

    /// The trainable weights with their checkpoint names (none when frozen), in checkpoint order.
    public var parameters: [TrainableParameter] {
        guard trainable, let layerGrads else { return [] }
        let c = tower.config, h = c.hiddenSize, f = c.intermediateSize, p = c.patchSize
        var list = [
            TrainableParameter(name: names.patchEmbedding, value: tower.patchEmbedding, grad: patchEmbeddingGrad!, shape: [h, c.numChannels, p, p]),
            TrainableParameter(name: names.classEmbedding, value: tower.classEmbedding, grad: classEmbeddingGrad!, shape: [h]),
            TrainableParameter(name: names.positionEmbedding, value: tower.positionEmbedding, grad: positionEmbeddingGrad!, shape: [c.numPatches + 1, h]),
            TrainableParameter(name: names.preNorm("weight"), value: tower.preNorm, grad: preNormGrad!, shape: [h]),
            TrainableParameter(name: names.preNorm("bias"), value: tower.preNormBias, grad: preNormBiasGrad!, shape: [h]),
        ]
        let shapes: [String: [Int]] = [
            "self_attn.q_proj.weight": [h, h], "self_attn.k_proj.weight": [h, h], "self_attn.v_proj.weight": [h, h],
            "self_attn.out_proj.weight": [h, h], "mlp.fc1.weight": [f, h], "mlp.fc1.bias": [f], "mlp.fc2.weight": [h, f],
        ]
        for (i, grads) in layerGrads.enumerated() {
            for ((suffix, value), (_, grad)) in zip(tower.layers[i].named, grads.named) {
                list.append(TrainableParameter(name: names.layer(i, suffix), value: value, grad: grad, shape: shapes[suffix] ?? [h]))
            }
        }
        return list
    }

    /// What a training forward pass keeps for backward.
    public final class Pass: @unchecked Sendable {
        let images: Int
        let stateIndices: [Int]
        let keepClassToken: Bool
        /// Every patch as a row, `[images·patches, channels·patch²]`.
        let patchRows: FloatBuffer
        /// The embeddings before `pre_layrnorm`, and its statistics.
        let embedded, preMean, preRstd: FloatBuffer
        var layers: [CLIPLayerActivations?]

        init(images: Int, stateIndices: [Int], keepClassToken: Bool, patchRows: FloatBuffer, embedded: FloatBuffer,
             preMean: FloatBuffer, preRstd: FloatBuffer, layers: [CLIPLayerActivations?]) {
            self.images = images
            self.stateIndices = stateIndices
            self.keepClassToken = keepClassToken
            self.patchRows = patchRows
            self.embedded = embedded
            self.preMean = preMean
            self.preRstd = preRstd
            self.layers = layers
        }
    }

    /// LLaVA's image features of the images in `pixelValues` (see `CLIPVisionModel.features`):
    /// `[images·featureTokens, hidden·layers.count]`, with the pass backward needs when the tower is
    /// trainable (nil when frozen: the inference forward runs).
    public func features(pixelValues: [Float], layers: [Int], keepClassToken: Bool) throws -> (features: FloatBuffer, pass: Pass?) {
        guard trainable else {
            return (try tower.features(pixelValues: pixelValues, layers: layers, keepClassToken: keepClassToken), nil)
        }
        guard !layers.isEmpty else { throw ModelError("no vision feature layer given") }
        let c = tower.config, h = c.hiddenSize, t = tower.tokensPerImage
        let images = try tower.imageCount(pixelValues)
        let indices = try layers.map(tower.hiddenStateIndex)
        let deepest = indices.max() ?? 0
        let (x, pass) = pixelValues.withUnsafeBufferPointer { embed($0.baseAddress!, images: images, indices: indices, keepClassToken: keepClassToken) }
        try Self.requireFinite(x, "the vision embeddings")
        var states: [Int: FloatBuffer] = [:]
        func keep(_ index: Int) { if indices.contains(index) { states[index] = FloatBuffer(x.array) } }
        keep(0)
        let step = BlockStep(batch: images, seqLen: t)
        for i in 0..<deepest {
            let saved = CLIPLayerActivations(config: c, batch: images, seqLen: t)
            CLIPEncoderLayer(config: c, weights: tower.layers[i], activation: tower.activation)
                .forward(x.pointer, step: step, saving: saved)
            pass.layers[i] = saved
            try Self.requireFinite(x, "vision layer \(i)")
            keep(i + 1)
        }
        let kept = tower.featureTokens(keepClassToken: keepClassToken), skip = keepClassToken ? 0 : 1
        let width = h * layers.count
        let out = FloatBuffer(count: images * kept * width)
        for b in 0..<images {
            for i in 0..<kept {
                let row = out.pointer + (b * kept + i) * width
                for (l, index) in indices.enumerated() {
                    (row + l * h).update(from: states[index]!.readPointer + (b * t + skip + i) * h, count: h)
                }
            }
        }
        return (out, pass)
    }

    static func requireFinite(_ x: FloatBuffer, _ stage: String) throws {
        for i in 0..<x.count where !x.pointer[i].isFinite {
            throw ModelError("non-finite activations after \(stage): the weights or inputs hold NaN/inf or overflow")
        }
    }

    /// Patch rows → linear → class and position embeddings → `pre_layrnorm`, keeping the pieces.
    private func embed(_ pixels: UnsafePointer<Float>, images: Int, indices: [Int], keepClassToken: Bool) -> (FloatBuffer, Pass) {
        let c = tower.config, h = c.hiddenSize, p = c.patchSize
        let patches = c.numPatches, width = c.numChannels * p * p, t = tower.tokensPerImage
        let rows = tower.patchRows(pixels, images: images)
        let projected = FloatBuffer(count: images * patches * h)
        Linear.forward(out: projected.pointer, x: rows.readPointer, weight: tower.patchEmbedding.readPointer, bias: nil,
                       n: images * patches, inFeatures: width, outFeatures: h)
        let embedded = FloatBuffer(count: images * t * h)
        for b in 0..<images {
            for i in 0..<t {
                let out = embedded.pointer + (b * t + i) * h
                let source = i == 0 ? tower.classEmbedding.readPointer : projected.readPointer + (b * patches + i - 1) * h
                let position = tower.positionEmbedding.readPointer + i * h
                for j in 0..<h { out[j] = source[j] + position[j] }
            }
        }
        let mean = FloatBuffer(count: images * t), rstd = FloatBuffer(count: images * t)
        let x = FloatBuffer(count: images * t * h)
        LayerNorm.forward(out: x.pointer, mean: mean.pointer, rstd: rstd.pointer, x: embedded.readPointer, weight: tower.preNorm.readPointer,
                          bias: tower.preNormBias.readPointer, n: images * t, dim: h, eps: Float(c.layerNormEps))
        let pass = Pass(images: images, stateIndices: indices, keepClassToken: keepClassToken, patchRows: rows, embedded: embedded,
                        preMean: mean, preRstd: rstd, layers: Array(repeating: nil, count: c.numHiddenLayers))
        return (x, pass)
    }

    /// Adds the gradients of every weight given `dFeatures` (∂L/∂features, laid out as `features`
    /// returned them), releasing the pass's activations layer by layer.
    public func backward(_ dFeatures: FloatBuffer, pass: Pass) {
        guard trainable, let layerGrads else { return }
        let c = tower.config, h = c.hiddenSize, t = tower.tokensPerImage, images = pass.images
        let kept = tower.featureTokens(keepClassToken: pass.keepClassToken), skip = pass.keepClassToken ? 0 : 1
        let width = h * pass.stateIndices.count, n = images * t
        precondition(dFeatures.count == images * kept * width, "feature gradient of the wrong size")
        // ∂L/∂(hidden state) for each state the features read.
        var dStates: [Int: FloatBuffer] = [:]
        for (l, index) in pass.stateIndices.enumerated() {
            let d = dStates[index] ?? FloatBuffer(count: n * h)
            dStates[index] = d
            for b in 0..<images {
                for i in 0..<kept {
                    let src = dFeatures.readPointer + (b * kept + i) * width + l * h
                    let dst = d.pointer + (b * t + skip + i) * h
                    for j in 0..<h { dst[j] += src[j] }
                }
            }
        }
        let deepest = pass.stateIndices.max() ?? 0
        let dx = dStates[deepest]!
        let step = BlockStep(batch: images, seqLen: t)
        for i in stride(from: deepest - 1, through: 0, by: -1) {
            CLIPEncoderLayer(config: c, weights: tower.layers[i], activation: tower.activation)
                .backward(dx.pointer, step: step, saved: pass.layers[i]!, grads: layerGrads[i])
            pass.layers[i] = nil
            if let extra = dStates[i] {
                for j in 0..<(n * h) { dx.pointer[j] += extra.pointer[j] }
            }
        }
        let dEmbedded = FloatBuffer(count: n * h)
        LayerNorm.backward(dX: dEmbedded.pointer, dWeight: preNormGrad?.pointer, dBias: preNormBiasGrad?.pointer, dOut: dx.readPointer,
                           x: pass.embedded.readPointer, weight: tower.preNorm.readPointer, mean: pass.preMean.readPointer,
                           rstd: pass.preRstd.readPointer, n: n, dim: h)
        let patches = c.numPatches, patchWidth = c.numChannels * c.patchSize * c.patchSize
        let dProjected = FloatBuffer(count: images * patches * h)
        let dClass = classEmbeddingGrad!.pointer, dPosition = positionEmbeddingGrad!.pointer
        for b in 0..<images {
            for i in 0..<t {
                let g = dEmbedded.readPointer + (b * t + i) * h
                let position = dPosition + i * h
                for j in 0..<h { position[j] += g[j] }
                if i == 0 {
                    for j in 0..<h { dClass[j] += g[j] }
                } else {
                    (dProjected.pointer + (b * patches + i - 1) * h).update(from: g, count: h)
                }
            }
        }
        Linear.backward(dX: nil, dWeight: patchEmbeddingGrad?.pointer, dBias: nil, dOut: dProjected.readPointer, x: pass.patchRows.readPointer,
                        weight: tower.patchEmbedding.readPointer, n: images * patches, inFeatures: patchWidth, outFeatures: h)
    }
}
