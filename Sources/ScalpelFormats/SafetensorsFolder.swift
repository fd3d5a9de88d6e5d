#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint split into safetensors shards by a `model.safetensors.index.json`, or a folder with a
/// single `model.safetensors`.
///
/// Opening reads the index's `weight_map` (tensor name → shard file name), maps every shard it names and
/// checks that each listed tensor is really in its shard. Shard names must be plain file names inside the
/// folder. Tensors a shard holds but the index does not list are ignored, as other loaders do.
public final class SafetensorsFolder: WeightSource {
    /// The folder.
    public let path: String
    /// The index file, or nil when the folder holds a single `model.safetensors`.
    public let indexPath: String?
    /// The index's `metadata` object, values rendered as text (e.g. `total_size`).
    public let metadata: [String: String]
    /// The shards, by file name.
    public let shards: [String: SafetensorsFile]
    /// Tensor name → shard file name.
    public let weightMap: [String: String]
    /// Every tensor name, in shard order then data order.
    public let tensorNames: [String]

    /// Opens a folder (with `model.safetensors.index.json` or `model.safetensors`) or an index file.
    public init(path: String) throws {
        var folder = path
        var index: String
        if Self.isFolder(path) {
            while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
            index = folder + "/model.safetensors.index.json"
            if !Self.exists(index) {
                let single = folder + "/model.safetensors"
                guard Self.exists(single) else {
                    throw FormatError(file: folder, "holds neither model.safetensors.index.json nor model.safetensors")
                }
                let file = try SafetensorsFile(path: single)
                self.path = folder
                indexPath = nil
                metadata = file.metadata
                shards = ["model.safetensors": file]
                weightMap = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, "model.safetensors") })
                tensorNames = file.tensorNames
                return
            }
        } else {
            index = path
            let (f, _) = AtomicFile.split(path)
            folder = f.isEmpty ? "." : f
        }
        self.path = folder
        indexPath = index

        let indexFile = try MappedFile(path: index)
        let json: JSONValue
        do {
            json = try JSONValue.parse(indexFile.bytes, options: .strict)
        } catch {
            throw FormatError(file: index, "is not valid JSON at \(error.location): \(error.problem)")
        }
        guard case .object(let top) = json else {
            throw FormatError(file: index, "is \(json.kindDescription), expected a JSON object")
        }
        var meta: [String: String] = [:]
        if case .object(let pairs)? = top["metadata"] {
            for (k, v) in pairs {
                switch v {
                case .string(let s): meta[k] = s
                case .int(let i): meta[k] = String(i)
                case .uint(let i): meta[k] = String(i)
                case .double(let d): meta[k] = String(d)
                case .bool(let b): meta[k] = b ? "true" : "false"
                default: break
                }
            }
        }
        metadata = meta
        guard let wm = top["weight_map"] else {
            throw FormatError(file: index, "has no 'weight_map'")
        }
        guard case .object(let entryMap) = wm else {
            throw FormatError(file: index, "'weight_map' is \(wm.kindDescription), expected an object of tensor name → shard file")
        }
        // Tensor names in byte order: the order Hugging Face writes them in (sort_keys), so shards come in
        // the order of their first tensor, and the first problem reported is the same on every run.
        let entries = entryMap.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }

        var map: [String: String] = [:]
        var shardOrder: [String] = []
        for (tensor, v) in entries {
            guard case .string(let shard) = v else {
                throw FormatError(file: index, "weight_map entry '\(tensor)' is \(v.kindDescription), expected a shard file name")
            }
            if shard.isEmpty || shard.contains("/") || shard == "." || shard == ".." || shard.contains("\0") {
                throw FormatError(file: index, "weight_map names shard '\(shard)' for tensor '\(tensor)', which is not a file name inside the folder")
            }
            if !shardOrder.contains(shard) { shardOrder.append(shard) }
            map[tensor] = shard
        }
        weightMap = map

        var opened: [String: SafetensorsFile] = [:]
        for shard in shardOrder {
            let shardPath = folder + "/" + shard
            if !Self.exists(shardPath) {
                let example = entries.first { $0.value.string == shard }?.key ?? ""
                throw FormatError(file: index, "names shard '\(shard)' (for tensor '\(example)' and others), but \(shardPath) is missing")
            }
            opened[shard] = try SafetensorsFile(path: shardPath)
        }
        shards = opened

        var names: [String] = []
        names.reserveCapacity(map.count)
        for shard in shardOrder {
            let file = opened[shard]!
            for t in file.tensors where map[t.name] == shard { names.append(t.name) }
        }
        for (tensor, shard) in entries.map({ ($0.key, $0.value.string ?? "") }) where opened[shard]?.tensor(tensor) == nil {
            throw FormatError(file: index, "lists tensor '\(tensor)' in shard '\(shard)', but that shard does not hold it")
        }
        tensorNames = names
    }

    /// The shard holding `name` and its header entry.
    public func locate(_ name: String) -> (file: SafetensorsFile, tensor: SafetensorsTensor)? {
        guard let shard = weightMap[name], let file = shards[shard], let t = file.tensor(name) else { return nil }
        return (file, t)
    }

    public func info(_ name: String) -> WeightInfo? {
        locate(name).map { WeightInfo(dtype: $0.tensor.dtype.rawValue, shape: $0.tensor.shape) }
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let (file, _) = locate(name) else { throw missing(name) }
        return try file.floats(name)
    }

    /// The stored bytes of `name`, pointing into its shard's mapping.
    public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let (file, t) = locate(name) else { throw missing(name) }
        return file.rawBytes(t)
    }

    static func isFolder(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}
