import ScalpelFormats
import ScalpelModels
import ScalpelTensor

extension QuantRunner {
    /// Tensor `suffix` of block `i` as f32, checked against `shape` and for non-finite values.
    func blockTensor(_ i: Int, _ suffix: String, _ shape: [Int]) throws -> [Float] {
        let name = names.layer(i, suffix), c = config
        guard let info = source.info(name) else {
            throw FormatError(file: source.path, "no tensor named '\(name)' (expected by the config, \(c.numHiddenLayers) layers)")
        }
        guard info.shape == shape else {
            throw FormatError(file: source.path, "tensor '\(name)' has shape \(info.shape) but the config (hidden \(c.hiddenSize), \(c.numAttentionHeads) heads, \(c.numKeyValueHeads) kv heads, MLP \(c.intermediateSize)) implies \(shape)")
        }
        let values = try source.floats(name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FormatError(file: source.path, "tensor '\(name)' holds a non-finite value (\(values[bad])) at element \(bad)")
        }
        return values
    }

    /// AWQ on block `i` (AutoAWQ's order of operations; see the type's summary), one half of the block at a
    /// time so that only half of its f32 weights is resident: the attention half (input norm → q/k/v,
    /// v → o) is loaded, run in f32, searched, folded, clipped and rounded and its f32 weights dropped
    /// before the MLP half (post norm → gate/up, up → down) is loaded. The halves share nothing but the
    /// stream, so this is the whole-block computation, value for value. Candidate weights are formed one
    /// linear at a time while a loss is evaluated. `x` becomes the f32 block's output.
    func awq(block i: Int, _ settings: QuantSettings, stream x: FloatBuffer,
             forward f: QuantBlockForward) throws -> (QuantizedBlock, [Float?]) {
        let c = config, h = c.hiddenSize, qd = f.qDim, kvd = f.kvDim, ff = c.intermediateSize
        let biasShapes: [(suffix: String, present: Bool, count: Int)] = [
            ("self_attn.q_proj.bias", c.attentionBias, qd), ("self_attn.k_proj.bias", c.attentionBias, kvd),
            ("self_attn.v_proj.bias", c.attentionBias, kvd), ("self_attn.o_proj.bias", c.attentionBias, h),
            ("mlp.gate_proj.bias", c.mlpBias, ff), ("mlp.up_proj.bias", c.mlpBias, ff), ("mlp.down_proj.bias", c.mlpBias, h),
        ]
        var biases: [String: [Float]] = [:]
        for b in biasShapes where b.present { biases[b.suffix] = try blockTensor(i, b.suffix, [b.count]) }
        func buffer(_ suffix: String) -> FloatBuffer? { biases[suffix].map(FloatBuffer.init) }
        let forwardBiases = QuantBlockForward.Biases(q: buffer("self_attn.q_proj.bias"), k: buffer("self_attn.k_proj.bias"),
                                                     v: buffer("self_attn.v_proj.bias"), o: buffer("self_attn.o_proj.bias"),
                                                     gate: buffer("mlp.gate_proj.bias"), up: buffer("mlp.up_proj.bias"),
                                                     down: buffer("mlp.down_proj.bias"))
        let attention = try awqAttention(block: i, settings, stream: x, forward: f, biases: forwardBiases)
        let mlp = try awqMLP(block: i, settings, stream: x, forward: f, biases: forwardBiases)
        if let vBias = attention.vBias { biases["self_attn.v_proj.bias"] = vBias }
        if let upBias = mlp.upBias { biases["mlp.up_proj.bias"] = upBias }
        let linears = Dictionary(uniqueKeysWithValues: zip(QuantizedBlock.linearNames, attention.linears + mlp.linears))
        let block = QuantizedBlock(inputNorm: attention.norm, postNorm: mlp.norm, linears: linears, biases: biases)
        return (block, [attention.alphas[0], attention.alphas[1], mlp.alphas[0], mlp.alphas[1]])
    }

    /// One half of an AWQ block: its rounded linears, its folded norm and bias, the exponents chosen.
    struct AWQHalf {
        var linears: [QuantizedLinear]
        var norm: [Float]
        var vBias: [Float]?
        var upBias: [Float]?
        var alphas: [Float?]
    }

    /// `access(ws)(j, body)` hands `body` the storage of `ws[j]`.
    private func access(_ ws: [[Float]]) -> QuantBlockForward.WeightAccess {
        { j, body in ws[j].withUnsafeBufferPointer { body($0.baseAddress!) } }
    }

    /// Mean squared difference of the first `count` floats of `a` and `b`.
    private func mse(_ a: FloatBuffer, _ b: FloatBuffer, count: Int) -> Double {
        var s = 0.0
        for i in 0..<count { let d = Double(a.pointer[i] - b.pointer[i]); s += d * d }
        return s / Double(count)
    }

    /// Input norm → q, k, v (loss on the attention output) and v → o (only when their shapes match, i.e.
    /// not under grouped-query attention).
    private func awqAttention(block i: Int, _ settings: QuantSettings, stream x: FloatBuffer, forward f: QuantBlockForward,
                              biases b: QuantBlockForward.Biases) throws -> AWQHalf {
        let c = config, n = f.rows, h = c.hiddenSize, qd = f.qDim, kvd = f.kvDim
        let scheme = settings.scheme, grid = settings.awq.grid
        var norm = try blockTensor(i, "input_layernorm.weight", [h])
        var q = try blockTensor(i, "self_attn.q_proj.weight", [qd, h])
        var k = try blockTensor(i, "self_attn.k_proj.weight", [kvd, h])
        var v = try blockTensor(i, "self_attn.v_proj.weight", [kvd, h])
        var o = try blockTensor(i, "self_attn.o_proj.weight", [h, qd])
        // f32 pass: the linears' inputs and the stream moved on (AutoAWQ feeds the f32 outputs on).
        norm.withUnsafeBufferPointer { np in
            o.withUnsafeBufferPointer { op in f.runAttention(x, inputNorm: np.baseAddress!, qkv: access([q, k, v]), wo: op.baseAddress!, biases: b) }
        }
        let normed1 = f.normed1
        let attended = FloatBuffer(count: n * qd)
        attended.pointer.update(from: f.attended.pointer, count: n * qd)
        let ref = FloatBuffer(count: n * h), out = FloatBuffer(count: n * h)
        let (s1, s2): (AWQSearch.ScaleResult, AWQSearch.ScaleResult?) = o.withUnsafeBufferPointer { op in
            let wo = op.baseAddress!
            f.output(attended.readPointer, weight: wo, bias: b.o, inFeatures: qd, out: ref.pointer)
            let s1 = AWQSearch.searchScale(weights: [q, k, v], rows: [qd, kvd, kvd], cols: h,
                                           xMean: AWQSearch.channelMeans(normed1.readPointer, rows: n, cols: h),
                                           scheme: scheme, grid: grid, lossOfTrials: { trial in
                f.attention(normed1.readPointer, qkv: { j, body in trial(j).withUnsafeBufferPointer { body($0.baseAddress!) } }, wo: wo, biases: b, out: out.pointer)
                return mse(out, ref, count: n * h)
            })
            guard kvd == qd else { return (s1, nil) }
            let s2 = AWQSearch.searchScale(weights: [o], rows: [h], cols: qd,
                                           xMean: AWQSearch.channelMeans(attended.readPointer, rows: n, cols: qd),
                                           scheme: scheme, grid: grid, lossOfTrials: { trial in
                trial(0).withUnsafeBufferPointer { f.output(attended.readPointer, weight: $0.baseAddress!, bias: b.o, inFeatures: qd, out: out.pointer) }
                return mse(out, ref, count: n * h)
            })
            return (s1, s2)
        }
        f.releaseAttention()

        // Fold: the preceding op divides, the linears multiply.
        AWQFold.scaleColumns(&q, cols: h, s1.scales); AWQFold.scaleColumns(&k, cols: h, s1.scales); AWQFold.scaleColumns(&v, cols: h, s1.scales)
        AWQFold.divide(&norm, s1.scales)
        var vBias = b.v?.array
        if let s2 {
            AWQFold.divideRows(&v, cols: h, s2.scales)
            if vBias != nil { AWQFold.divide(&vBias!, s2.scales) }
            AWQFold.scaleColumns(&o, cols: qd, s2.scales)
        }
        // Clip search on the scaled inputs (q and k are skipped), then round, dropping each f32 weight.
        if settings.awq.clip {
            let x1 = AWQFold.dividedColumns(normed1.array, cols: h, s1.scales)
            x1.withUnsafeBufferPointer { _ = AWQSearch.clip(&v, rows: kvd, cols: h, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq) }
        }
        var linears: [QuantizedLinear] = []
        linears.append(try RTN.quantize(q, rows: qd, cols: h, scheme: scheme)); q = []
        linears.append(try RTN.quantize(k, rows: kvd, cols: h, scheme: scheme)); k = []
        linears.append(try RTN.quantize(v, rows: kvd, cols: h, scheme: scheme)); v = []
        if settings.awq.clip {
            let xo = s2.map { AWQFold.dividedColumns(attended.array, cols: qd, $0.scales) } ?? attended.array
            xo.withUnsafeBufferPointer { _ = AWQSearch.clip(&o, rows: h, cols: qd, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq) }
        }
        linears.append(try RTN.quantize(o, rows: h, cols: qd, scheme: scheme))
        return AWQHalf(linears: linears, norm: norm, vBias: vBias, upBias: nil, alphas: [s1.alpha, s2?.alpha])
    }

    /// Post-attention norm → gate, up (loss on the MLP output) and up → down.
    private func awqMLP(block i: Int, _ settings: QuantSettings, stream x: FloatBuffer, forward f: QuantBlockForward,
                        biases b: QuantBlockForward.Biases) throws -> AWQHalf {
        let c = config, n = f.rows, h = c.hiddenSize, ff = c.intermediateSize
        let scheme = settings.scheme, grid = settings.awq.grid
        var norm = try blockTensor(i, "post_attention_layernorm.weight", [h])
        var gate = try blockTensor(i, "mlp.gate_proj.weight", [ff, h])
        var up = try blockTensor(i, "mlp.up_proj.weight", [ff, h])
        var down = try blockTensor(i, "mlp.down_proj.weight", [h, ff])
        norm.withUnsafeBufferPointer { np in
            down.withUnsafeBufferPointer { dp in f.runMLP(x, postNorm: np.baseAddress!, gateUp: access([gate, up]), wd: dp.baseAddress!, biases: b) }
        }
        let normed2 = f.normed2
        let hidden = FloatBuffer(count: n * ff)
        hidden.pointer.update(from: f.hidden.pointer, count: n * ff)
        let ref = FloatBuffer(count: n * h), out = FloatBuffer(count: n * h)
        let (s3, s4): (AWQSearch.ScaleResult, AWQSearch.ScaleResult) = down.withUnsafeBufferPointer { dp in
            let wd = dp.baseAddress!
            f.output(hidden.readPointer, weight: wd, bias: b.down, inFeatures: ff, out: ref.pointer)
            let s3 = AWQSearch.searchScale(weights: [gate, up], rows: [ff, ff], cols: h,
                                           xMean: AWQSearch.channelMeans(normed2.readPointer, rows: n, cols: h),
                                           scheme: scheme, grid: grid, lossOfTrials: { trial in
                f.mlp(normed2.readPointer, gateUp: { j, body in trial(j).withUnsafeBufferPointer { body($0.baseAddress!) } }, wd: wd, biases: b, out: out.pointer)
                return mse(out, ref, count: n * h)
            })
            let s4 = AWQSearch.searchScale(weights: [down], rows: [h], cols: ff,
                                           xMean: AWQSearch.channelMeans(hidden.readPointer, rows: n, cols: ff),
                                           scheme: scheme, grid: grid, lossOfTrials: { trial in
                trial(0).withUnsafeBufferPointer { f.output(hidden.readPointer, weight: $0.baseAddress!, bias: b.down, inFeatures: ff, out: out.pointer) }
                return mse(out, ref, count: n * h)
            })
            return (s3, s4)
        }
        f.releaseMLP()

        AWQFold.scaleColumns(&gate, cols: h, s3.scales); AWQFold.scaleColumns(&up, cols: h, s3.scales)
        AWQFold.divide(&norm, s3.scales)
        AWQFold.divideRows(&up, cols: h, s4.scales)
        var upBias = b.up?.array
        if upBias != nil { AWQFold.divide(&upBias!, s4.scales) }
        AWQFold.scaleColumns(&down, cols: ff, s4.scales)
        if settings.awq.clip {
            let x2 = AWQFold.dividedColumns(normed2.array, cols: h, s3.scales)
            x2.withUnsafeBufferPointer {
                _ = AWQSearch.clip(&gate, rows: ff, cols: h, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq)
                _ = AWQSearch.clip(&up, rows: ff, cols: h, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq)
            }
        }
        var linears: [QuantizedLinear] = []
        linears.append(try RTN.quantize(gate, rows: ff, cols: h, scheme: scheme)); gate = []
        linears.append(try RTN.quantize(up, rows: ff, cols: h, scheme: scheme)); up = []
        if settings.awq.clip {
            let xd = AWQFold.dividedColumns(hidden.array, cols: ff, s4.scales)
            xd.withUnsafeBufferPointer { _ = AWQSearch.clip(&down, rows: h, cols: ff, inputs: $0.baseAddress!, tokens: n, scheme: scheme, options: settings.awq) }
        }
        linears.append(try RTN.quantize(down, rows: h, cols: ff, scheme: scheme))
        return AWQHalf(linears: linears, norm: norm, vBias: nil, upBias: upBias, alphas: [s3.alpha, s4.alpha])
    }
}
