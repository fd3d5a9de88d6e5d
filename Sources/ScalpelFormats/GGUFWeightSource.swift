/// A GGUF file seen through Hugging Face eyes: LLaMA names, PyTorch shapes, Q/K rows in HF order.
///
/// llama.cpp names map with `GGUFNameMap` (names it does not know pass through unchanged); shapes are
/// the GGUF dimensions reversed ([out, in] for a linear layer); values are dequantized to f32. For the
/// `llama` architecture the converter permuted the rows of `attn_q` with `head_count` heads and of
/// `attn_k` with `head_count_kv` heads for its RoPE layout; `floats` undoes that, so the result equals
/// the original Hugging Face tensor.
public final class GGUFWeightSource: WeightSource {
    public let file: GGUFFile
    /// Hugging Face names in file order.
    public let tensorNames: [String]
    /// Whether Q/K rows are un-permuted.
    public let undoesRopePermutation: Bool
    private let toGGUF: [String: String]
    private let headsForRows: [String: Int]

    public var path: String { file.path }

    /// Opens and validates the GGUF file at `path`.
    public convenience init(path: String) throws {
        try self.init(file: GGUFFile(path: path))
    }

    /// Wraps `file`. `undoRopePermutation` defaults to whether the architecture is `llama`; when on, the
    /// head counts (`<arch>.attention.head_count`, `head_count_kv`, a number or one per layer) must be
    /// present and divide the rows of every Q/K tensor into whole head pairs.
    public init(file: GGUFFile, undoRopePermutation: Bool? = nil) throws {
        self.file = file
        let arch = file.architecture ?? "llama"
        let undo = undoRopePermutation ?? (arch == "llama")
        undoesRopePermutation = undo

        func heads(_ key: String, layer: Int) throws -> Int? {
            guard let v = file.metadata[key] else { return nil }
            if let a = v.array {
                guard layer < a.count, let n = a[layer].int else {
                    throw FormatError(file: file.path, "\(key) has no integer for layer \(layer)")
                }
                return n
            }
            guard let n = v.int else { throw FormatError(file: file.path, "\(key) is not an integer") }
            return n
        }

        var names: [String] = []
        var map: [String: String] = [:]
        var rowHeads: [String: Int] = [:]
        for t in file.tensors {
            let hf = GGUFNameMap.huggingFaceName(forGGUF: t.name) ?? t.name
            if let other = map[hf] {
                throw FormatError(file: file.path, "tensors '\(other)' and '\(t.name)' both map to '\(hf)'")
            }
            map[hf] = t.name
            names.append(hf)
            guard undo, let role = GGUFNameMap.ropeRole(ofGGUF: t.name) else { continue }
            let qKey = "\(arch).attention.head_count", kKey = "\(arch).attention.head_count_kv"
            let n: Int
            switch role {
            case .query(let layer):
                guard let h = try heads(qKey, layer: layer) else {
                    throw FormatError(file: file.path, "metadata \(qKey) is missing; it is needed to undo the Q/K permutation of '\(t.name)'")
                }
                n = h
            case .key(let layer):
                guard let h = try heads(kKey, layer: layer) ?? heads(qKey, layer: layer) else {
                    throw FormatError(file: file.path, "metadata \(qKey) is missing; it is needed to undo the Q/K permutation of '\(t.name)'")
                }
                n = h
            }
            let rows = t.dims.count >= 2 ? t.dims[t.dims.count - 1] : (t.dims.first ?? 1)
            guard n > 0, rows % (2 * n) == 0 else {
                throw FormatError(file: file.path, "tensor '\(t.name)' has \(rows) rows, which \(n) heads cannot split into pairs (from \(role.isQuery ? qKey : kKey))")
            }
            rowHeads[t.name] = n
        }
        tensorNames = names
        toGGUF = map
        headsForRows = rowHeads
    }

    /// The GGUF tensor behind a Hugging Face name.
    public func ggufTensor(_ name: String) -> GGUFTensorInfo? {
        toGGUF[name].flatMap { file.tensor($0) }
    }

    public func info(_ name: String) -> WeightInfo? {
        ggufTensor(name).map { WeightInfo(dtype: $0.type.name, shape: $0.shape) }
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let t = ggufTensor(name) else { throw missing(name) }
        let values = try file.floats(t.name)
        guard let heads = headsForRows[t.name] else { return values }
        let shape = t.shape
        let rows = shape.first ?? 1
        let cols = rows == 0 ? 0 : values.count / rows
        guard let out = GGUFNameMap.unpermuteRows(values, rows: rows, cols: cols, heads: heads) else {
            throw FormatError(file: path, "tensor '\(t.name)' cannot be un-permuted with \(heads) heads")
        }
        return out
    }
}

extension GGUFNameMap.RopeRole {
    var isQuery: Bool {
        if case .query = self { return true }
        return false
    }
}
