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
    /// The checkpoint, read through a wrapper that hands mapped safetensors pages back to the kernel
    /// after each tensor is converted (`CalibrationWeightSource`).
    public let source: any WeightSource
    public let config: ModelConfig.Llama
    public let names: LlamaTensorNames
    /// Called after each block: (block index, blocks).
    public var progress: ((Int, Int) -> Void)?

    public init(source: any WeightSource, config: ModelConfig.Llama, names: LlamaTensorNames? = nil) {
        self.source = source is CalibrationWeightSource ? source : CalibrationWeightSource(source)
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
    /// Each finished block goes to a `QuantizedBlockStore` at `storage`: by default spilled to an unlinked
    /// file in the temporary folder, so the codes of the blocks done so far are not held in memory.
    /// - Throws: `QuantError` for settings or data that cannot work, `CompressError` when the spill file
    ///   cannot be created or written, `FormatError` for a tensor the checkpoint lacks or mis-shapes.
    public func run(_ settings: QuantSettings, calibration: [[Int]] = [],
                    storage: QuantizedBlockStore.Location = .spill(folder: nil)) throws -> QuantizedDecoder {
        try validate(settings)
        let c = config
        var stream: FloatBuffer?
        var forward: QuantBlockForward?
        if settings.method.needsCalibration {
            guard let first = calibration.first, first.count >= 2, calibration.allSatisfy({ $0.count == first.count }) else {
                throw QuantError("\(settings.method.rawValue) needs calibration text: at least one sample of ≥ 2 tokens, all of one length (use --data FILE)")
            }
            stream = try embed(calibration.flatMap { $0 })
            forward = try QuantBlockForward(config: c, batch: calibration.count, seqLen: first.count)
        }
        let store = try QuantizedBlockStore(storage)
        var alphas: [[Float?]] = []
        for i in 0..<c.numHiddenLayers {
            let block: QuantizedBlock
            switch settings.method {
            case .rtn:
                block = try rtn(LlamaBlockWeights(from: source, names: names, index: i, config: c), settings.scheme)
            case .gptq:
                block = try gptq(LlamaBlockWeights(from: source, names: names, index: i, config: c), settings, stream: stream!, forward: forward!)
            case .awq:
                let (b, a) = try awq(block: i, settings, stream: stream!, forward: forward!)
                block = b
                alphas.append(a)
            }
            try store.append(block)
            progress?(i + 1, c.numHiddenLayers)
        }
        return QuantizedDecoder(source: source, config: c, names: names, settings: settings, store: store, awqAlphas: alphas)
    }

    /// The embedding rows of `tokens`, converting only those rows when the table is stored as safetensors.
    private func embed(_ tokens: [Int]) throws -> FloatBuffer {
        let c = config, h = c.hiddenSize
        let rowCount = source.info(names.embedTokens)?.shape.first ?? c.vocabSize
        for t in tokens where t < 0 || t >= min(c.vocabSize, rowCount) {
            throw QuantError("calibration token \(t) is outside the vocabulary")
        }
        let x = FloatBuffer(count: tokens.count * h)
        if let wrapped = source as? CalibrationWeightSource, let rows = wrapped.rows(names.embedTokens, ids: tokens, width: h) {
            x.pointer.update(from: rows, count: rows.count)
            return x
        }
        let table = try source.floats(names.embedTokens)
        for (r, t) in tokens.enumerated() {
            table.withUnsafeBufferPointer { (x.pointer + r * h).update(from: $0.baseAddress! + t * h, count: h) }
        }
        return x
    }

    func shapes() -> [(rows: Int, cols: Int)] {
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
}
