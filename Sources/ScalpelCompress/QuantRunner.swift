import Foundation
import ScalpelFormats
import ScalpelModels
import ScalpelTensor

/// Which algorithm rounds the decoder's linears.
public enum QuantMethod: String, CaseIterable, Sendable {
    case rtn, awq, gptq
    /// Whether the method needs calibration text.
    public var needsCalibration: Bool { self != .rtn }
}

/// Everything that decides how a decoder is quantized.
public struct QuantSettings: Sendable, Equatable {
    public var method: QuantMethod
    public var scheme: QuantScheme
    public var gptq: GPTQ.Options
    public var awq: AWQSearch.Options
    /// Accept a group size that does not divide a linear's inputs (the last group of each row is shorter,
    /// as in GPTQ's reference). Exports that need whole groups (AWQ GEMM) still refuse such a model.
    public var partialGroups: Bool

    public init(method: QuantMethod, scheme: QuantScheme, gptq: GPTQ.Options = GPTQ.Options(),
                awq: AWQSearch.Options = AWQSearch.Options(), partialGroups: Bool = false) {
        self.method = method
        self.scheme = scheme
        self.gptq = gptq
        self.awq = awq
        self.partialGroups = partialGroups
    }
}

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

/// A decoder whose blocks are quantized; embeddings, final norm and head stay in the source.
public final class QuantizedDecoder: @unchecked Sendable {
    public let source: any WeightSource
    public let config: ModelConfig.Llama
    public let names: LlamaTensorNames
    public let settings: QuantSettings
    public let blocks: [QuantizedBlock]
    /// The chosen AWQ exponents per block (input norm, v→o, post norm, up→down; nil when skipped).
    public let awqAlphas: [[Float?]]
    /// Parts left in 16-bit; the others are rounded with the blocks' scheme by RTN when exported
    /// (`QuantizedDecoder+KeepFP16.swift`).
    public var keepFP16 = KeepFP16.all

    init(source: any WeightSource, config: ModelConfig.Llama, names: LlamaTensorNames, settings: QuantSettings,
         blocks: [QuantizedBlock], awqAlphas: [[Float?]]) {
        self.source = source
        self.config = config
        self.names = names
        self.settings = settings
        self.blocks = blocks
        self.awqAlphas = awqAlphas
    }

    /// The fake-quantized f32 model (dequantized blocks, embeddings and head from the source) for evaluation.
    /// With `unquantizedAsF16` every tensor that is not a quantized linear is rounded to fp16, as the AWQ
    /// export stores it.
    public func model(unquantizedAsF16: Bool = false) throws -> LlamaModel {
        let c = config
        func load(_ name: String) throws -> FloatBuffer {
            if unkeptPart(name) != nil { return FloatBuffer(try otherValues(name)) }
            let v = try source.floats(name)
            return FloatBuffer(unquantizedAsF16 ? v.map { Float(Float16($0)) } : v)
        }
        let embed = try load(names.embedTokens)
        let norm = try load(names.finalNorm)
        let head = source.contains(names.head) ? try load(names.head) : nil
        return LlamaModel(config: c, embedTokens: embed, blocks: blocks.map { $0.weights(config: c, unquantizedAsF16: unquantizedAsF16) },
                          finalNorm: norm, lmHead: head)
    }
}

/// Quantizes a decoder block by block (DESIGN.md, memory discipline): block i is loaded from the weight
/// source, the calibration stream is run through it to collect what the method needs, its linears are
/// quantized, the stream moves on to block i + 1 and the f32 block is released.
///
/// - RTN needs no data.
/// - GPTQ collects `H = 2XXᵀ` for the input of every linear in one pass with the block's f32 weights (as
///   the reference `llama.py` without `--true-sequential`), quantizes, and feeds the next block the outputs
///   of the *quantized* block.
/// - AWQ (as AutoAWQ): inputs from the f32 block, scale search for the four scale pairs, scales folded
///   into the preceding norm or linear, clip search (not on q and k), RTN; the next block gets the f32
///   block's outputs.
public final class QuantRunner {
    public let source: any WeightSource
    public let config: ModelConfig.Llama
    public let names: LlamaTensorNames
    /// Called after each block: (block index, blocks).
    public var progress: ((Int, Int) -> Void)?

    public init(source: any WeightSource, config: ModelConfig.Llama, names: LlamaTensorNames? = nil) {
        self.source = source
        self.config = config
        self.names = names ?? LlamaTensorNames.detect(in: source)
    }

    /// Checks that the scheme fits every linear of the decoder.
    public func validate(_ settings: QuantSettings) throws {
        let c = config, p = settings.partialGroups
        try settings.scheme.validate(inFeatures: c.hiddenSize, tensor: "q/k/v/gate/up (\(c.hiddenSize) inputs)", partialGroups: p)
        try settings.scheme.validate(inFeatures: c.numAttentionHeads * c.headDim, tensor: "o_proj (\(c.numAttentionHeads * c.headDim) inputs)", partialGroups: p)
        try settings.scheme.validate(inFeatures: c.intermediateSize, tensor: "down_proj (\(c.intermediateSize) inputs)", partialGroups: p)
    }

    /// Runs the method. `calibration` holds equal-length token sequences (required by AWQ and GPTQ).
    public func run(_ settings: QuantSettings, calibration: [[Int]] = []) throws -> QuantizedDecoder {
        try validate(settings)
        let c = config, h = c.hiddenSize
        var stream: FloatBuffer?
        var forward: QuantBlockForward?
        if settings.method.needsCalibration {
            guard let first = calibration.first, first.count >= 2, calibration.allSatisfy({ $0.count == first.count }) else {
                throw QuantError("\(settings.method.rawValue) needs calibration text: at least one sample of ≥ 2 tokens, all of one length (use --data FILE)")
            }
            let table = try source.floats(names.embedTokens)
            let tokens = calibration.flatMap { $0 }
            let x = FloatBuffer(count: tokens.count * h)
            for (r, t) in tokens.enumerated() {
                guard t >= 0 && t < c.vocabSize else { throw QuantError("calibration token \(t) is outside the vocabulary") }
                table.withUnsafeBufferPointer { (x.pointer + r * h).update(from: $0.baseAddress! + t * h, count: h) }
            }
            stream = x
            forward = try QuantBlockForward(config: c, batch: calibration.count, seqLen: first.count)
        }
        var blocks: [QuantizedBlock] = []
        var alphas: [[Float?]] = []
        for i in 0..<c.numHiddenLayers {
            let w = try LlamaBlockWeights(from: source, names: names, index: i, config: c)
            let block: QuantizedBlock
            switch settings.method {
            case .rtn:
                block = try rtn(w, settings.scheme)
            case .gptq:
                block = try gptq(w, settings, stream: stream!, forward: forward!)
            case .awq:
                let (b, a) = try awq(w, settings, stream: stream!, forward: forward!)
                block = b
                alphas.append(a)
            }
            blocks.append(block)
            progress?(i + 1, c.numHiddenLayers)
        }
        return QuantizedDecoder(source: source, config: c, names: names, settings: settings, blocks: blocks, awqAlphas: alphas)
    }

    private func shapes() -> [(rows: Int, cols: Int)] {
        let c = config, h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        let f = c.intermediateSize
        return [(qd, h), (kvd, h), (kvd, h), (h, qd), (f, h), (f, h), (h, f)]
    }

    private func linearBuffers(_ w: LlamaBlockWeights) -> [FloatBuffer] { [w.q, w.k, w.v, w.o, w.gate, w.up, w.down] }

    private func biases(_ w: LlamaBlockWeights) -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (suffix, buffer) in w.named where suffix.hasSuffix(".bias") { out[suffix] = buffer.array }
        return out
    }

    private func assemble(_ w: LlamaBlockWeights, _ linears: [QuantizedLinear], inputNorm: [Float]? = nil,
                          postNorm: [Float]? = nil) -> QuantizedBlock {
        QuantizedBlock(inputNorm: inputNorm ?? w.inputNorm.array, postNorm: postNorm ?? w.postNorm.array,
                       linears: Dictionary(uniqueKeysWithValues: zip(QuantizedBlock.linearNames, linears)), biases: biases(w))
    }

    func rtn(_ w: LlamaBlockWeights, _ scheme: QuantScheme) throws -> QuantizedBlock {
        let linears = try zip(linearBuffers(w), shapes()).map { buffer, shape in
            try RTN.quantize(buffer.array, rows: shape.rows, cols: shape.cols, scheme: scheme)
        }
        return assemble(w, linears)
    }

    func gptq(_ w: LlamaBlockWeights, _ settings: QuantSettings, stream x: FloatBuffer, forward f: QuantBlockForward) throws -> QuantizedBlock {
        let c = config, n = f.rows, h = c.hiddenSize
        let y = FloatBuffer(count: n * h)
        y.pointer.update(from: x.pointer, count: n * h)
        f.run(y, weights: w)
        let h1 = GPTQHessian(dim: h), ho = GPTQHessian(dim: f.qDim), h2 = GPTQHessian(dim: h), hd = GPTQHessian(dim: c.intermediateSize)
        h1.add(f.normed1.readPointer, rows: n)
        ho.add(f.attended.readPointer, rows: n)
        h2.add(f.normed2.readPointer, rows: n)
        hd.add(f.hidden.readPointer, rows: n)
        let hessians = [h1.hessian, ho.hessian, h2.hessian, hd.hessian]
        let which = [0, 0, 0, 1, 2, 2, 3]
        var linears: [QuantizedLinear] = []
        for (k, (buffer, shape)) in zip(linearBuffers(w), shapes()).enumerated() {
            linears.append(try GPTQ.quantize(weight: buffer.array, rows: shape.rows, cols: shape.cols, hessian: hessians[which[k]],
                                             scheme: settings.scheme, options: settings.gptq))
        }
        let block = assemble(w, linears)
        f.run(x, weights: block.weights(config: c))
        return block
    }

    func awq(_ w: LlamaBlockWeights, _ settings: QuantSettings, stream x: FloatBuffer,
             forward f: QuantBlockForward) throws -> (QuantizedBlock, [Float?]) {
        let c = config, n = f.rows, h = c.hiddenSize, qd = f.qDim, kvd = f.kvDim, ff = c.intermediateSize
        let scheme = settings.scheme, grid = settings.awq.grid
        // f32 pass: every linear's input, and the next block's input (AutoAWQ feeds the f32 outputs on).
        f.run(x, weights: w)
        let normed1 = f.normed1.array, attended = f.attended.array, normed2 = f.normed2.array, hidden = f.hidden.array
        let attnRef = FloatBuffer(count: n * h), mlpRef = FloatBuffer(count: n * h), out = FloatBuffer(count: n * h)
        f.output(attended, weight: w.o.readPointer, bias: w.oBias, inFeatures: qd, out: attnRef.pointer)
        f.output(hidden, weight: w.down.readPointer, bias: w.downBias, inFeatures: ff, out: mlpRef.pointer)
        func mse(_ ref: FloatBuffer) -> Double {
            var s = 0.0
            for i in 0..<(n * h) { let d = Double(out.pointer[i] - ref.pointer[i]); s += d * d }
            return s / Double(n * h)
        }
        // 1. input norm → q, k, v; loss on the attention output.
        let s1 = AWQSearch.searchScale(weights: [w.q.array, w.k.array, w.v.array], rows: [qd, kvd, kvd], cols: h,
                                       xMean: AWQSearch.channelMeans(normed1, rows: n, cols: h), scheme: scheme, grid: grid) { t in
            f.attention(normed1, wq: t[0], wk: t[1], wv: t[2], wo: w.o.readPointer, weights: w, out: out.pointer)
            return mse(attnRef)
        }
        // 2. v → o, only when their shapes match (not under grouped-query attention).
        var s2: AWQSearch.ScaleResult?
        if kvd == qd {
            s2 = AWQSearch.searchScale(weights: [w.o.array], rows: [h], cols: qd, xMean: AWQSearch.channelMeans(attended, rows: n, cols: qd),
                                       scheme: scheme, grid: grid) { t in
                f.output(attended, weight: t[0], bias: w.oBias, inFeatures: qd, out: out.pointer)
                return mse(attnRef)
            }
        }
        // 3. post-attention norm → gate, up; loss on the MLP output.
        let s3 = AWQSearch.searchScale(weights: [w.gate.array, w.up.array], rows: [ff, ff], cols: h,
                                       xMean: AWQSearch.channelMeans(normed2, rows: n, cols: h), scheme: scheme, grid: grid) { t in
            f.mlp(normed2, wg: t[0], wu: t[1], wd: w.down.readPointer, weights: w, out: out.pointer)
            return mse(mlpRef)
        }
        // 4. up → down.
        let s4 = AWQSearch.searchScale(weights: [w.down.array], rows: [h], cols: ff, xMean: AWQSearch.channelMeans(hidden, rows: n, cols: ff),
                                       scheme: scheme, grid: grid) { t in
            f.output(hidden, weight: t[0], bias: w.downBias, inFeatures: ff, out: out.pointer)
            return mse(mlpRef)
        }

        // Fold: the preceding op divides, the linears multiply.
        var t = AWQFold.Tensors(q: w.q.array, k: w.k.array, v: w.v.array, o: w.o.array, gate: w.gate.array, up: w.up.array,
                                down: w.down.array, inputNorm: w.inputNorm.array, postNorm: w.postNorm.array,
                                vBias: w.vBias?.array, upBias: w.upBias?.array)
        t.fold(hidden: h, qDim: qd, intermediate: ff, inputNorm: s1.scales, vToO: s2?.scales, postNorm: s3.scales, upToDown: s4.scales)
        var (q, k, v, o, gate, up, down) = (t.q, t.k, t.v, t.o, t.gate, t.up, t.down)
        let (inputNorm, postNorm, vBias, upBias) = (t.inputNorm, t.postNorm, t.vBias, t.upBias)

        // Clip search on the scaled inputs (q and k are skipped).
        if settings.awq.clip {
            let x1 = AWQFold.dividedColumns(normed1, cols: h, s1.scales)
            let xo = s2.map { AWQFold.dividedColumns(attended, cols: qd, $0.scales) } ?? attended
            let x2 = AWQFold.dividedColumns(normed2, cols: h, s3.scales)
            let xd = AWQFold.dividedColumns(hidden, cols: ff, s4.scales)
            x1.withUnsafeBufferPointer { _ = AWQSearch.clip(&v, rows: kvd, cols: h, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq) }
            xo.withUnsafeBufferPointer { _ = AWQSearch.clip(&o, rows: h, cols: qd, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq) }
            x2.withUnsafeBufferPointer {
                _ = AWQSearch.clip(&gate, rows: ff, cols: h, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq)
                _ = AWQSearch.clip(&up, rows: ff, cols: h, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq)
            }
            xd.withUnsafeBufferPointer { _ = AWQSearch.clip(&down, rows: h, cols: ff, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq) }
        }
        let linears = try zip([q, k, v, o, gate, up, down], shapes()).map { values, shape in
            try RTN.quantize(values, rows: shape.rows, cols: shape.cols, scheme: scheme)
        }
        var block = assemble(w, linears, inputNorm: inputNorm, postNorm: postNorm)
        if let vBias { block.biases["self_attn.v_proj.bias"] = vBias }
        if let upBias { block.biases["mlp.up_proj.bias"] = upBias }
        return (block, [s1.alpha, s2?.alpha, s3.alpha, s4.alpha])
    }
}

/// Folding AWQ scales: a linear `[rows, cols]` multiplies its input columns by `s`; the op before it
/// (a norm's weight, or the rows of the linear that produces the input) divides by `s`.
public enum AWQFold {
    /// One block's tensors that AWQ scales.
    public struct Tensors: Sendable, Equatable {
        public var q, k, v, o, gate, up, down, inputNorm, postNorm: [Float]
        public var vBias, upBias: [Float]?

        public init(q: [Float], k: [Float], v: [Float], o: [Float], gate: [Float], up: [Float], down: [Float],
                    inputNorm: [Float], postNorm: [Float], vBias: [Float]? = nil, upBias: [Float]? = nil) {
            (self.q, self.k, self.v, self.o, self.gate, self.up, self.down) = (q, k, v, o, gate, up, down)
            (self.inputNorm, self.postNorm, self.vBias, self.upBias) = (inputNorm, postNorm, vBias, upBias)
        }

        /// Folds the four scale vectors: input norm → q/k/v, v → o (nil: skipped), post norm → gate/up,
        /// up → down. In exact arithmetic the block computes the same function afterwards.
        public mutating func fold(hidden h: Int, qDim qd: Int, intermediate ff: Int, inputNorm s1: [Float], vToO s2: [Float]?,
                                  postNorm s3: [Float], upToDown s4: [Float]) {
            scaleColumns(&q, cols: h, s1); scaleColumns(&k, cols: h, s1); scaleColumns(&v, cols: h, s1)
            divide(&inputNorm, s1)
            if let s2 {
                divideRows(&v, cols: h, s2)
                if vBias != nil { divide(&vBias!, s2) }
                scaleColumns(&o, cols: qd, s2)
            }
            scaleColumns(&gate, cols: h, s3); scaleColumns(&up, cols: h, s3)
            divide(&postNorm, s3)
            divideRows(&up, cols: h, s4)
            if upBias != nil { divide(&upBias!, s4) }
            scaleColumns(&down, cols: ff, s4)
        }
    }

    public static func scaleColumns(_ w: inout [Float], cols: Int, _ s: [Float]) {
        for i in w.indices { w[i] *= s[i % cols] }
    }

    public static func divideRows(_ w: inout [Float], cols: Int, _ s: [Float]) {
        for i in w.indices { w[i] /= s[i / cols] }
    }

    public static func divide(_ v: inout [Float], _ s: [Float]) {
        for i in v.indices { v[i] /= s[i] }
    }

    public static func dividedColumns(_ x: [Float], cols: Int, _ s: [Float]) -> [Float] {
        var out = x
        for i in out.indices { out[i] /= s[i % cols] }
        return out
    }
}
