import ScalpelFormats
import ScalpelModels

/// One quantized decoder block: its seven linears as codes, its norms (AWQ divides them by its scales)
/// and its biases.
public struct QuantizedBlock: Sendable {
    /// Linear module suffixes in block order.
    public static let linearNames = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                     "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
    public var inputNorm: [Float]
    public var postNorm: [Float]
    /// By module suffix (`self_attn.q_proj`).
    public var linears: [String: QuantizedLinear]
    /// By tensor suffix (`self_attn.q_proj.bias`).
    public var biases: [String: [Float]]

    /// The f32 block the codes stand for.
    public func weights(config: ModelConfig.Llama, unquantizedAsF16: Bool = false) -> LlamaBlockWeights {
        let w = LlamaBlockWeights(config: config)
        defer {
            if unquantizedAsF16 {
                for (suffix, buffer) in w.named where !QuantizedBlock.linearNames.contains(where: { suffix == $0 + ".weight" }) {
                    for i in 0..<buffer.count { buffer.pointer[i] = Float(Float16(buffer.pointer[i])) }
                }
            }
        }
        w.inputNorm.pointer.update(from: inputNorm, count: inputNorm.count)
        w.postNorm.pointer.update(from: postNorm, count: postNorm.count)
        let targets = [w.q, w.k, w.v, w.o, w.gate, w.up, w.down]
        for (name, buffer) in zip(Self.linearNames, targets) {
            let values = linears[name]!.dequantized()
            buffer.pointer.update(from: values, count: values.count)
        }
        for (suffix, buffer) in w.named where suffix.hasSuffix(".bias") {
            if let b = biases[suffix] { buffer.pointer.update(from: b, count: b.count) }
        }
        return w
    }
}
