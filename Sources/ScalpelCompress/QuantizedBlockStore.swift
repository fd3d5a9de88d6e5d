import Foundation

/// Where the finished blocks of a quantization run are kept until they are exported: in memory, or
/// spilled as they are finished to an unlinked temporary file (`SpillFile`) with their codes bit-packed
/// (`bits` bits per weight), so that only one block at a time is resident. Norms and biases (a few
/// vectors per block) stay in memory either way; linears are read back one at a time.
public final class QuantizedBlockStore: @unchecked Sendable {
    /// Where blocks go.
    public enum Location: Sendable, Equatable {
        /// Kept in memory (one byte per weight).
        case memory
        /// Written to an unlinked file in `folder` (nil: the system temporary folder, `TMPDIR`).
        case spill(folder: String?)
    }

    /// Where one spilled linear's parts lie in the file.
    private struct Record {
        var rows: Int, cols: Int, scheme: QuantScheme
        var codes: Int, codeBytes: Int, scales: Int, zeros: Int
    }

    private let file: SpillFile?
    /// In memory: the whole blocks. Spilled: the blocks without their linears.
    private var blocks: [QuantizedBlock] = []
    private var records: [[String: Record]] = []

    /// An empty store.
    /// - Throws: `CompressError` when the spill file cannot be created.
    public init(_ location: Location = .memory) throws {
        switch location {
        case .memory: file = nil
        case .spill(let folder): file = try SpillFile(role: "the quantized-block spill file", folder: folder)
        }
    }

    /// A store spilling to an open descriptor (tests use one whose writes fail).
    init(spillDescriptor fd: Int32) {
        file = SpillFile(role: "the quantized-block spill file", descriptor: fd)
    }

    /// Whether blocks are written to a file.
    public var spills: Bool { file != nil }

    /// Blocks stored so far.
    public var count: Int { blocks.count }

    /// Bytes written to the spill file so far (0 in memory).
    public var spilledBytes: Int { file?.size ?? 0 }

    /// Stores `block` as the next one; a spilled block's linears are written out and not kept.
    /// - Throws: `CompressError` when the spill file cannot be written (a full disk, say).
    public func append(_ block: QuantizedBlock) throws {
        guard let file else {
            blocks.append(block)
            return
        }
        var shell = block
        shell.linears = [:]
        var written: [String: Record] = [:]
        for name in QuantizedBlock.linearNames {
            guard let lin = block.linears[name] else { continue }
            let packed = QuantizedLinear.packCodes(lin.codes, bits: lin.scheme.bits)
            let codes = try file.append(contentsOf: packed)
            let scales = try file.append(contentsOf: lin.scales)
            let zeros = try file.append(contentsOf: lin.zeros)
            written[name] = Record(rows: lin.rows, cols: lin.cols, scheme: lin.scheme, codes: codes, codeBytes: packed.count,
                                   scales: scales, zeros: zeros)
        }
        blocks.append(shell)
        records.append(written)
    }

    /// Block `i` with the linears named in `modules` (module suffixes, `self_attn.q_proj`) loaded; pass
    /// `[]` for its norms and biases alone.
    /// - Throws: `CompressError` when the spill file cannot be read.
    public func block(_ i: Int, linears modules: [String] = QuantizedBlock.linearNames) throws -> QuantizedBlock {
        precondition(i >= 0 && i < blocks.count, "block \(i) of \(blocks.count)")
        var b = blocks[i]
        if file == nil {
            b.linears = b.linears.filter { modules.contains($0.key) }
            return b
        }
        for m in modules where records[i][m] != nil { b.linears[m] = try linear(i, m) }
        return b
    }

    /// The linear `module` (a suffix such as `mlp.down_proj`) of block `i`.
    /// - Throws: `CompressError` when the spill file cannot be read.
    public func linear(_ i: Int, _ module: String) throws -> QuantizedLinear {
        precondition(i >= 0 && i < blocks.count, "block \(i) of \(blocks.count)")
        guard let file else {
            guard let lin = blocks[i].linears[module] else { preconditionFailure("block \(i) has no \(module)") }
            return lin
        }
        guard let r = records[i][module] else { preconditionFailure("block \(i) has no \(module)") }
        let groups = r.scheme.groupCount(inFeatures: r.cols)
        let packed = try file.read(UInt8.self, count: r.codeBytes, at: r.codes)
        return QuantizedLinear(rows: r.rows, cols: r.cols, scheme: r.scheme,
                               codes: QuantizedLinear.unpackCodes(packed, count: r.rows * r.cols, bits: r.scheme.bits),
                               scales: try file.read(Float.self, count: r.rows * groups, at: r.scales),
                               zeros: try file.read(UInt8.self, count: r.rows * groups, at: r.zeros))
    }
}
