import Foundation
import ScalpelFormats

extension BlockPruner {
    /// Prunes a GGUF file into a new GGUF file: `blk.N.` tensors of dropped blocks are left out, the
    /// rest renumbered in order with their stored bytes (any quantization type) unchanged;
    /// `<arch>.block_count` is updated and per-layer metadata arrays are cut to match; every other
    /// metadata key (tokenizer included) and tensor is copied. Written atomically; the input is only read.
    @discardableResult
    public static func pruneGGUF(input: String, drop: [Int], output: String) throws -> Summary {
        let file = try GGUFFile(path: input)
        guard let arch = file.architecture else { throw CompressError("\(input) has no general.architecture") }
        let countKey = "\(arch).block_count"
        guard let layers = file.metadata[countKey]?.int else { throw CompressError("\(input) has no \(countKey)") }
        let dropped = try validate(drop: drop, layers: layers)
        guard !FileManager.default.fileExists(atPath: output) else { throw CompressError("\(output) already exists") }
        var newIndex = [Int: Int]()
        for old in 0..<layers where !dropped.contains(old) { newIndex[old] = newIndex.count }
        var writer = GGUFWriter()
        for key in file.metadataKeys {
            var value = file.metadata[key]!
            if key == countKey {
                value = .uint32(UInt32(layers - dropped.count))
            } else if key.hasPrefix(arch + "."), let list = value.array, list.count == layers {
                value = .array(list.enumerated().filter { !dropped.contains($0.offset) }.map(\.element))
            }
            writer.set(key, value)
        }
        var written = 0, bytes = 0
        for t in file.tensors {
            var name = t.name
            if name.hasPrefix("blk.") {
                let rest = name.dropFirst(4)
                guard let dot = rest.firstIndex(of: "."), let old = Int(rest[..<dot]) else { throw CompressError("tensor '\(name)' has no block number") }
                guard let new = newIndex[old] else { continue }
                name = "blk.\(new)" + rest[dot...]
            }
            try writer.addTensor(name, dims: t.dims, type: t.type) { Array(file.rawBytes(t)) }
            written += 1
            bytes += t.byteCount
        }
        try writer.write(to: output)
        return Summary(originalLayers: layers, keptLayers: layers - dropped.count, dropped: dropped,
                       tensorsWritten: written, bytesWritten: bytes, shards: 1)
    }
}
