import Foundation

/// An AutoAWQ GEMM checkpoint folder seen as ordinary f32 weights.
///
/// Every linear stored as `<prefix>.qweight`, `<prefix>.qzeros` and `<prefix>.scales` (layout in
/// `AWQPacking`) appears as one tensor `<prefix>.weight` in PyTorch layout `[out, in]`, dtype "AWQ4",
/// dequantized exactly as `(q − z) · s`; the three stored tensors are hidden. Every other tensor
/// (embeddings, norms, the head, biases, a vision tower left unquantized) passes through unchanged, so
/// models, the parameter inventory and the commands read an AWQ folder like any other. A lone
/// `<prefix>.scales` with neither `qweight` nor `qzeros` is not taken for a linear and passes through too.
///
/// Opening checks the configuration and every triple: the members are all present, `qweight`/`qzeros` are
/// I32 (or U32) words and `scales` is a float type, all three are matrices, `qweight [K, W]`,
/// `qzeros [G, W]`, `scales [G, N]` with `N = 8W`, the group size divides K and `K / group size = G`, and no
/// `<prefix>.weight` is stored beside the triple. Nothing is dequantized until `floats` is called.
public final class AWQWeightSource: WeightSource {
    /// The `quantization_config` of an AWQ checkpoint's `config.json`, as AutoAWQ and transformers write it.
    public struct Configuration: Sendable, Equatable {
        /// Bits per code (`bits`; must be 4).
        public var bits: Int
        /// Inputs per group (`group_size`); −1 means one group spanning all inputs, nil (key absent) means
        /// the group size is read off each linear's shapes.
        public var groupSize: Int?
        /// `zero_point` (true when absent). The stored `qzeros` are applied either way.
        public var zeroPoint: Bool
        /// `version`, lowercased; only "gemm" is accepted.
        public var version: String
        /// `modules_to_not_convert` (empty when null or absent): modules left unquantized.
        public var modulesToNotConvert: [String]

        public init(bits: Int = 4, groupSize: Int? = 128, zeroPoint: Bool = true, version: String = "gemm",
                    modulesToNotConvert: [String] = []) {
            self.bits = bits
            self.groupSize = groupSize
            self.zeroPoint = zeroPoint
            self.version = version
            self.modulesToNotConvert = modulesToNotConvert
        }

        /// Reads a `quantization_config` object whose `quant_method` is "awq"; `file` names it in errors.
        /// - Throws: `FormatError` for wrong types, bits other than 4, a version other than GEMM or a group
        ///   size that is neither positive nor −1.
        public init(object: [String: JSONValue], file: String) throws {
            let fields = JSONFields(object, file: file, path: "quantization_config")
            bits = try fields.optionalInt("bits") ?? 4
            guard bits == 4 else {
                throw fields.error("bits", "is \(bits); AWQ GEMM checkpoints hold 4-bit codes only")
            }
            groupSize = try fields.optionalInt("group_size")
            if let g = groupSize, g <= 0 && g != -1 {
                throw fields.error("group_size", "is \(g); expected a positive number of inputs per group, or -1 for one group per row")
            }
            zeroPoint = try fields.optionalBool("zero_point") ?? true
            version = (try fields.optionalString("version") ?? "gemm").lowercased()
            guard version == "gemm" else {
                throw fields.error("version", "is '\(version)'; only AWQ's GEMM layout (qweight [in, out/8]) can be read")
            }
            let modules = try fields.optionalArray("modules_to_not_convert") ?? []
            modulesToNotConvert = try modules.enumerated().map { index, value in
                guard let s = value.string else {
                    throw fields.error("modules_to_not_convert[\(index)]", "expected a string, found \(value.kindDescription)")
                }
                return s
            }
        }

        /// The AWQ configuration of the model folder `folder`: nil when it has no `config.json`, or one
        /// without a `quantization_config` whose `quant_method` is "awq".
        /// - Throws: `FormatError` when `config.json` cannot be read or parsed, or its AWQ settings are invalid.
        public init?(folder: String) throws {
            let path = folder + "/config.json"
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            let document = try JSONValue.read(contentsOf: URL(fileURLWithPath: path))
            guard let quant = document["quantization_config"], !quant.isNull else { return nil }
            guard let object = quant.object else {
                throw FormatError(file: path, "quantization_config: expected an object, found \(quant.kindDescription)")
            }
            guard object["quant_method"]?.string?.lowercased() == "awq" else { return nil }
            try self.init(object: object, file: path)
        }
    }

    /// One packed linear: where its triple is and what it dequantizes to.
    public struct Linear: Sendable, Hashable {
        /// The module name; the stored tensors are `<prefix>.qweight`, `.qzeros` and `.scales`.
        public var prefix: String
        /// K: inputs (rows of `qweight`).
        public var inFeatures: Int
        /// N: outputs (columns of `scales`, 8 per word of `qweight`).
        public var outFeatures: Int
        /// Inputs per group.
        public var groupSize: Int

        /// The name the dequantized weight goes by.
        public var weightName: String { prefix + ".weight" }
    }

    /// The folder holding the stored tensors (packed triples included).
    public let folder: SafetensorsFolder
    public let configuration: Configuration
    /// Packed linears by their logical weight name (`<prefix>.weight`).
    public let linears: [String: Linear]
    /// Logical names: each triple replaced by `<prefix>.weight` where its `qweight` stood.
    public let tensorNames: [String]
    private let hidden: Set<String>

    public var path: String { folder.path }

    /// The dtype reported for a dequantized linear.
    public static let dtypeName = "AWQ4"
    static let members = ["qweight", "qzeros", "scales"]

    /// Opens the folder (or index file) at `path` and its `config.json`, which must carry an AWQ
    /// `quantization_config`.
    public convenience init(path: String) throws {
        let folder = try SafetensorsFolder(path: path)
        guard let configuration = try Configuration(folder: folder.path) else {
            throw FormatError(file: folder.path + "/config.json", "has no quantization_config with quant_method \"awq\"")
        }
        try self.init(folder: folder, configuration: configuration)
    }

    /// Wraps `folder`, finding and checking every packed triple.
    public init(folder: SafetensorsFolder, configuration: Configuration) throws {
        self.folder = folder
        self.configuration = configuration
        let file = folder.path

        var found: [String: Set<String>] = [:]
        var prefixes: [String] = []
        for name in folder.tensorNames {
            guard let (prefix, member) = Self.split(name) else { continue }
            if found[prefix] == nil { prefixes.append(prefix) }
            found[prefix, default: []].insert(member)
        }

        var map: [String: Linear] = [:]
        var hidden: Set<String> = []
        for prefix in prefixes {
            let have = found[prefix]!
            if have == ["scales"] { continue }
            let absent = Self.members.filter { !have.contains($0) }
            if !absent.isEmpty {
                let present = Self.members.filter { have.contains($0) }.map { "\(prefix).\($0)" }
                throw FormatError(file: file, "AWQ linear '\(prefix)' has \(present.joined(separator: " and ")) but no "
                    + absent.map { "\(prefix).\($0)" }.joined(separator: " or ")
                    + " (each packed linear is stored as .qweight, .qzeros and .scales)")
            }
            let linear = try Self.check(prefix: prefix, folder: folder, configuration: configuration)
            if folder.info(linear.weightName) != nil {
                throw FormatError(file: file, "holds both '\(linear.weightName)' and the AWQ triple '\(prefix).qweight/.qzeros/.scales'; which one is the weight is ambiguous")
            }
            map[linear.weightName] = linear
            for m in Self.members { hidden.insert("\(prefix).\(m)") }
        }
        linears = map
        self.hidden = hidden

        var names: [String] = []
        names.reserveCapacity(folder.tensorNames.count)
        for name in folder.tensorNames {
            if !hidden.contains(name) {
                names.append(name)
            } else if let (prefix, member) = Self.split(name), member == "qweight" {
                names.append(prefix + ".weight")
            }
        }
        tensorNames = names
    }

    /// `(prefix, member)` when `name` ends in one of the triple's member names.
    static func split(_ name: String) -> (String, String)? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let member = String(name[name.index(after: dot)...])
        guard members.contains(member) else { return nil }
        return (String(name[..<dot]), member)
    }

    /// Checks the dtypes and shapes of one triple and returns its dimensions.
    static func check(prefix: String, folder: SafetensorsFolder, configuration: Configuration) throws -> Linear {
        let file = folder.path
        let qweightName = prefix + ".qweight", qzerosName = prefix + ".qzeros", scalesName = prefix + ".scales"
        let qweight = folder.locate(qweightName)!.tensor
        let qzeros = folder.locate(qzerosName)!.tensor
        let scales = folder.locate(scalesName)!.tensor
        for t in [qweight, qzeros] where t.dtype != .i32 && t.dtype != .u32 {
            throw FormatError(file: file, "'\(t.name)' has dtype \(t.dtype.rawValue); AWQ packs 4-bit codes into I32 words")
        }
        guard [.f16, .bf16, .f32].contains(scales.dtype) else {
            throw FormatError(file: file, "'\(scalesName)' has dtype \(scales.dtype.rawValue); AWQ scales are F16 (or BF16/F32)")
        }
        for t in [qweight, qzeros, scales] where t.shape.count != 2 {
            throw FormatError(file: file, "'\(t.name)' has shape \(t.shape); AWQ stores it as a matrix")
        }
        let (k, words) = (qweight.shape[0], qweight.shape[1])
        let (groups, n) = (scales.shape[0], scales.shape[1])
        let shapes = "qweight \(qweight.shape), qzeros \(qzeros.shape), scales \(scales.shape)"
        guard n % AWQPacking.valuesPerWord == 0 else {
            throw FormatError(file: file, "AWQ linear '\(prefix)' has \(n) outputs (\(shapes)), not a multiple of 8; AWQ packs 8 outputs per word")
        }
        guard words * AWQPacking.valuesPerWord == n else {
            throw FormatError(file: file, "AWQ linear '\(prefix)': qweight packs \(words) × 8 = \(words * AWQPacking.valuesPerWord) outputs but scales has \(n) (\(shapes))")
        }
        guard qzeros.shape[1] == words else {
            throw FormatError(file: file, "AWQ linear '\(prefix)': qzeros has \(qzeros.shape[1]) words per row, qweight \(words) (\(shapes))")
        }
        guard qzeros.shape[0] == groups else {
            throw FormatError(file: file, "AWQ linear '\(prefix)': qzeros has \(qzeros.shape[0]) groups, scales \(groups) (\(shapes))")
        }
        let groupSize: Int
        switch configuration.groupSize {
        case .some(-1):
            groupSize = k
        case let g?:
            groupSize = g
        case nil:
            guard groups > 0, k % groups == 0 else {
                throw FormatError(file: file, "AWQ linear '\(prefix)': \(k) inputs do not split into \(groups) equal groups (\(shapes)) and the config names no group_size")
            }
            groupSize = k / groups
        }
        guard groupSize > 0, k % groupSize == 0 else {
            throw FormatError(file: file, "AWQ linear '\(prefix)' has \(k) inputs, not divisible by the group size \(groupSize) (\(shapes))")
        }
        guard k / groupSize == groups else {
            throw FormatError(file: file, "AWQ linear '\(prefix)': \(k) inputs in groups of \(groupSize) make \(k / groupSize) groups, but scales and qzeros have \(groups) (\(shapes))")
        }
        return Linear(prefix: prefix, inFeatures: k, outFeatures: n, groupSize: groupSize)
    }

    public func info(_ name: String) -> WeightInfo? {
        if let linear = linears[name] {
            return WeightInfo(dtype: Self.dtypeName, shape: [linear.outFeatures, linear.inFeatures])
        }
        return hidden.contains(name) ? nil : folder.info(name)
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let linear = linears[name] else {
            if hidden.contains(name) { throw missing(name) }
            return try folder.floats(name)
        }
        let qweight = try words(linear.prefix + ".qweight")
        let qzeros = try words(linear.prefix + ".qzeros")
        let scales = try folder.floats(linear.prefix + ".scales")
        return AWQPacking.dequantize(qweight: qweight, qzeros: qzeros, scales: scales, inFeatures: linear.inFeatures,
                                     outFeatures: linear.outFeatures, groupSize: linear.groupSize)
    }

    /// The stored triple of `linear`: `qweight` and `qzeros` words in row-major order, `scales` as f32.
    public func packed(_ linear: Linear) throws -> (qweight: [Int32], qzeros: [Int32], scales: [Float]) {
        (try words(linear.prefix + ".qweight"), try words(linear.prefix + ".qzeros"),
         try folder.floats(linear.prefix + ".scales"))
    }

    /// The stored I32/U32 tensor `name` as 32-bit words.
    private func words(_ name: String) throws -> [Int32] {
        let raw = try folder.rawBytes(name)
        let count = raw.count / 4
        return [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self) }
            initialized = count
        }
    }
}
