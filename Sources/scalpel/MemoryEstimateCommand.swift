import ArgumentParser
import Foundation
import ScalpelCompress
import ScalpelFormats

/// `scalpel estimate MODEL [--drop 1,2] [--bits 4] [--group 128] [--ctx 2048]`: deploy memory from the config.
struct MemoryEstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Deploy memory of a (pruned, quantized) model from its config alone: weights by part, KV cache, activations.")

    @Argument(help: "A model folder with config.json, a config.json file, or a GGUF file.")
    var model: String

    @Option(help: "Decoder blocks to drop, comma-separated (0-based).")
    var drop: String = ""

    @Option(help: "Bits per quantized weight (2, 3, 4, 8); 16 keeps everything fp16.")
    var bits = 4

    @Option(help: "Inputs per group (0 for per-channel).")
    var group = 128

    @Flag(help: "Symmetric (no zero points).")
    var symmetric = false

    @Option(help: "Zero-point storage: awq-gemm, fp16-zeros, symmetric, gguf.")
    var zeroFormat: String = "awq-gemm"

    @Option(name: [.customLong("ctx"), .customLong("context")], help: "Context length for the KV cache.")
    var ctx = 2048

    @Option(help: "Sequences decoded at once.")
    var batch = 1

    @Option(help: "Parts kept in fp16, comma-separated from embed_tokens, lm_head, vision_tower, projector (or none), as scalpel quantize takes them; the others are quantized like the decoder linears.")
    var keepFp16: String = "embed_tokens,lm_head,vision_tower,projector"

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let config = try Self.loadConfig(model)
        // A GGUF carries its tokenizer in the metadata; a GGUF written from it carries the same keys.
        let metadata = model.hasSuffix(".gguf") && zeroFormat == "gguf" ? ((try? GGUFFile(path: model))?.dataStart ?? 0) : 0
        let dropped = try Set(drop.split(separator: ",").map { s -> Int in
            guard let i = Int(s.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--drop takes block indices like 3,17,22 (got '\(s)')") }
            return i
        })
        guard let zf = MemoryEstimate.ZeroFormat(rawValue: zeroFormat) else { throw ValidationError("--zero-format must be awq-gemm, fp16-zeros, symmetric or gguf") }
        let keep: KeepFP16
        do { keep = try KeepFP16(parsing: keepFp16) } catch { throw ValidationError("\(error)") }
        let scheme: QuantScheme? = bits >= 16 ? nil : QuantScheme(bits: bits, groupSize: group > 0 ? group : nil, symmetric: symmetric)
        let options = MemoryEstimate.Options(drop: dropped, scheme: scheme, zeroFormat: symmetric && zf == .awqGemm ? .symmetric : zf,
                                             keepEmbeddings: keep.keeps(.embeddings), keepHead: keep.keeps(.head),
                                             keepVision: keep.keeps(.vision), keepProjector: keep.keeps(.projector),
                                             context: ctx, batch: batch, metadataBytes: metadata)
        let e: MemoryEstimate
        do {
            if let scheme { try scheme.validate() }
            e = try MemoryEstimate.estimate(config: config, options: options)
        } catch let error as QuantError { throw ValidationError(error.description) }
        if json {
            try JSONOutput.print([
                "weights_bytes": e.weightsBytes, "kv_cache_bytes": e.kvCacheBytes, "activations_bytes": e.activationsBytes,
                "total_bytes": e.totalBytes, "file_bytes": e.fileBytes, "params": e.params,
                "parts": e.parts.map { ["name": $0.name, "params": $0.params, "bits": $0.bits, "bytes": $0.bytes] as [String: Any] },
            ])
            return
        }
        func gb(_ b: Int) -> String { String(format: "%9.3f GB", Double(b) / 1e9) }
        func pad(_ s: String) -> String { s.count >= 36 ? s + " " : s.padding(toLength: 36, withPad: " ", startingAt: 0) }
        for p in e.parts {
            print(pad(p.name) + String(format: "%10.3f M params %7.3f bits ", Double(p.params) / 1e6, p.bits) + gb(p.bytes))
        }
        print(pad("weights") + String(format: "%10.3f M params              ", Double(e.params) / 1e6) + gb(e.weightsBytes))
        let blank = String(repeating: " ", count: 31)
        print(pad("KV cache (fp16, ctx \(ctx) × \(batch))") + blank + gb(e.kvCacheBytes))
        print(pad("activations") + blank + gb(e.activationsBytes))
        print(pad("total") + blank + gb(e.totalBytes))
        print(pad("file (predicted)") + blank + gb(e.fileBytes))
    }

    static func loadConfig(_ path: String) throws -> ModelConfig {
        if path.hasSuffix(".gguf") { return try ModelConfig(gguf: GGUFFile(path: path)) }
        var isDir: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
        let file = isDir.boolValue ? path + "/config.json" : path
        return try ModelConfig(contentsOf: URL(fileURLWithPath: file))
    }
}
