import ScalpelFormats
import ScalpelTensor

/// LLaVA's multimodal projector: `linear_2(act(linear_1(features)))`, mapping image features
/// (`vision hidden · feature layers` wide) to the decoder's hidden size. Biases when the config's
/// `multimodal_projector_bias` says so; `act` is `projector_hidden_act` ("gelu" is the erf form).
public final class LlavaProjector: @unchecked Sendable {
    /// Width of the features it takes.
    public let inFeatures: Int
    /// The decoder's hidden size.
    public let outFeatures: Int
    public let activation: HiddenActivation
    /// `[out, in]`.
    public let linear1: FloatBuffer
    public let linear1Bias: FloatBuffer?
    /// `[out, out]`.
    public let linear2: FloatBuffer
    public let linear2Bias: FloatBuffer?

    /// Loads the projector of `config` from `source`, checking every shape.
    public init(source: any WeightSource, config c: ModelConfig.Llava, names: LlavaTensorNames? = nil) throws {
        let names = names ?? LlavaTensorNames.detect(in: source)
        inFeatures = c.vision.hiddenSize * c.visionFeatureLayers.count
        outFeatures = c.text.hiddenSize
        let origin = "the config (vision hidden \(c.vision.hiddenSize) × \(c.visionFeatureLayers.count) feature layer(s), text hidden \(outFeatures))"
        func load(_ layer: Int, _ part: String, _ shape: [Int]) throws -> FloatBuffer {
            FloatBuffer(try source.floats(names.projector(layer, part), shape: shape, from: origin))
        }
        do {
            activation = try HiddenActivation(configName: c.projectorHiddenAct)
        } catch {
            throw ModelError("projector_hidden_act '\(c.projectorHiddenAct)' is not supported (supported: gelu, gelu_pytorch_tanh, gelu_new, quick_gelu, silu)")
        }
        linear1 = try load(1, "weight", [outFeatures, inFeatures])
        linear2 = try load(2, "weight", [outFeatures, outFeatures])
        linear1Bias = c.multimodalProjectorBias ? try load(1, "bias", [outFeatures]) : nil
        linear2Bias = c.multimodalProjectorBias ? try load(2, "bias", [outFeatures]) : nil
    }

    /// Projects `rows` feature rows `[rows, inFeatures]` to `[rows, outFeatures]`.
    public func forward(_ features: UnsafePointer<Float>, rows: Int) -> FloatBuffer {
        let hidden = FloatBuffer(count: rows * outFeatures)
        let out = FloatBuffer(count: rows * outFeatures)
        Linear.forward(out: hidden.pointer, x: features, weight: linear1.pointer, bias: linear1Bias?.readPointer,
                       n: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        activation.forward(out: hidden.pointer, x: hidden.pointer, count: rows * outFeatures)
        Linear.forward(out: out.pointer, x: hidden.pointer, weight: linear2.pointer, bias: linear2Bias?.readPointer,
                       n: rows, inFeatures: outFeatures, outFeatures: outFeatures)
        return out
    }

    /// Every parameter buffer with its Hugging Face suffix (`linear_1.weight`, …).
    public var named: [(suffix: String, buffer: FloatBuffer)] {
        let all: [(String, FloatBuffer?)] = [
            ("linear_1.weight", linear1), ("linear_1.bias", linear1Bias),
            ("linear_2.weight", linear2), ("linear_2.bias", linear2Bias),
        ]
        return all.compactMap { name, buffer in buffer.map { (name, $0) } }
    }

    /// Number of parameters in the projector.
    public var parameterCount: Int { named.reduce(0) { $0 + $1.buffer.count } }
}
