/// The shape and storage type of one tensor in a `WeightSource`.
public struct WeightInfo: Sendable, Hashable {
    /// The storage type as the file names it: "F32", "BF16", "Q4_1", …
    public var dtype: String
    /// Dimensions in PyTorch order, slowest-varying first (a linear layer is [out, in]).
    public var shape: [Int]

    public init(dtype: String, shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
    }

    /// The number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Read-only access to named tensors, whatever file format holds them.
///
/// Names are Hugging Face names (`model.layers.0.self_attn.q_proj.weight`), shapes are in PyTorch order and
/// values come out as f32 in row-major order of that shape. `SafetensorsFile`, `SafetensorsFolder` and
/// `GGUFWeightSource` (which maps llama.cpp names and layouts) implement it, so a model can load from any.
/// Sources are immutable after opening and safe to share between threads.
public protocol WeightSource: AnyObject, Sendable {
    /// The file or folder the tensors come from, for messages.
    var path: String { get }
    /// Every tensor name, in a stable order.
    var tensorNames: [String] { get }
    /// The storage type and shape of `name`, or nil when there is no such tensor.
    func info(_ name: String) -> WeightInfo?
    /// The values of `name` converted to f32; throws `FormatError` for a missing tensor or a type that
    /// cannot be converted.
    func floats(_ name: String) throws -> [Float]
}

extension WeightSource {
    /// Whether the source holds `name`.
    public func contains(_ name: String) -> Bool { info(name) != nil }

    /// The error for a name the source does not hold.
    func missing(_ name: String) -> FormatError {
        FormatError(file: path, "no tensor named '\(name)'")
    }
}

/// Opening a checkpoint by path, whatever its format.
public enum WeightSources {
    /// Opens `path` as a weight source: a `.gguf` file (names mapped to Hugging Face), a `.safetensors`
    /// file, a `model.safetensors.index.json`, or a folder holding either an index or `model.safetensors`.
    /// A folder whose `config.json` has an AWQ `quantization_config` opens as an `AWQWeightSource`.
    /// Other files are recognised by their first bytes.
    public static func open(_ path: String) throws -> any WeightSource {
        if path.hasSuffix(".gguf") { return try GGUFWeightSource(path: path) }
        if path.hasSuffix(".safetensors") { return try SafetensorsFile(path: path) }
        if path.hasSuffix(".json") || SafetensorsFolder.isFolder(path) {
            let folder = try SafetensorsFolder(path: path)
            if let awq = try AWQWeightSource.Configuration(folder: folder.path) {
                return try AWQWeightSource(folder: folder, configuration: awq)
            }
            return folder
        }
        let head = try MappedFile(path: path)
        if head.count >= 4, head.bytes.loadUnaligned(as: UInt32.self) == GGUFFile.magic {
            return try GGUFWeightSource(file: GGUFFile(file: head))
        }
        return try SafetensorsFile(file: head)
    }
}
