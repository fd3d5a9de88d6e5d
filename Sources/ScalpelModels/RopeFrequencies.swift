import Foundation
import ScalpelFormats
import ScalpelTensor

/// Rotary inverse frequencies for a decoder config, including the rope-scaling kinds LLaMA-family
/// checkpoints use, computed as transformers' `ROPE_INIT_FUNCTIONS` do (float32 arithmetic).
public enum RopeFrequencies {
    /// The inverse frequencies (`headDim/2` of them) and the attention scaling for `config`.
    /// `seqLen` matters only for `dynamic` scaling, which grows the base past the trained context.
    ///
    /// - Throws: `ModelError` for a rope type Scalpel does not implement or a scaling with missing fields.
    public static func compute(_ config: ModelConfig.Llama, seqLen: Int = 0) throws -> (invFreq: [Float], attentionScaling: Float) {
        let dim = config.headDim
        guard let scaling = config.ropeScaling, scaling.type != "default" else {
            return (Rope.defaultInvFreq(theta: config.ropeTheta, headDim: dim), 1)
        }
        func need(_ value: Double?, _ name: String) throws -> Double {
            guard let value else { throw ModelError("rope_scaling '\(scaling.type)' needs '\(name)'") }
            return value
        }
        switch scaling.type {
        case "linear":
            let factor = Float(try need(scaling.factor, "factor"))
            return (Rope.defaultInvFreq(theta: config.ropeTheta, headDim: dim).map { $0 / factor }, 1)
        case "dynamic":
            let factor = try need(scaling.factor, "factor")
            let trained = scaling.originalMaxPositionEmbeddings ?? config.maxPositionEmbeddings
            var base = config.ropeTheta
            if seqLen > trained {
                let grow = factor * Double(seqLen) / Double(trained) - (factor - 1)
                base *= Foundation.pow(grow, Double(dim) / Double(dim - 2))
            }
            return (Rope.defaultInvFreq(theta: base, headDim: dim), 1)
        case "llama3":
            let factor = Float(try need(scaling.factor, "factor"))
            let low = Float(try need(scaling.lowFreqFactor, "low_freq_factor"))
            let high = Float(try need(scaling.highFreqFactor, "high_freq_factor"))
            guard let original = scaling.originalMaxPositionEmbeddings else {
                throw ModelError("rope_scaling 'llama3' needs 'original_max_position_embeddings'")
            }
            let old = Float(original)
            let lowWavelen = old / low
            let highWavelen = old / high
            let inv = Rope.defaultInvFreq(theta: config.ropeTheta, headDim: dim).map { f -> Float in
                let wavelen = 2 * Float.pi / f
                let scaled = wavelen > lowWavelen ? f / factor : f
                guard !(wavelen < highWavelen) && !(wavelen > lowWavelen) else { return scaled }
                let smooth = (old / wavelen - low) / (high - low)
                return (1 - smooth) * scaled / factor + smooth * scaled
            }
            return (inv, 1)
        default:
            throw ModelError("rope type '\(scaling.type)' is not supported (supported: default, linear, dynamic, llama3)")
        }
    }
}
