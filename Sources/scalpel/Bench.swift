import ArgumentParser
import Foundation
import ScalpelEngine
import ScalpelModels
import ScalpelTensor

/// `scalpel bench`: Scalpel's kernels against this machine's own sgemm.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure kernels against raw sgemm at the same shapes and print the ratios.")

    @Option(help: "BLAS threads (default: OpenBLAS's choice).")
    var threads: Int?

    @Option(help: "Minimum seconds per measurement round.")
    var minSeconds: Double = 0.1

    @Option(help: "Also measure a whole model (a Hugging Face folder or GGUF): prompt and decode tokens/s.")
    var model: String?

    @Flag(help: "With --model, run its quantized linears packed (GGUF Q4_0/Q4_1/Q8_0, AWQ) instead of dequantized to f32.")
    var packed = false

    @Option(help: "Measure only these groups (comma-separated: linear, attention, block, packed, model); the sgemm roof is always measured.")
    var only: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let info = try BLAS.load()
        if let threads { BLAS.setThreads(threads) }
        let threadCount = threads ?? info.threads
        if !json {
            print("BLAS: \(info.library) — \(info.config)")
            print("core: \(info.core) (from \(info.coreSource)), threads: \(threadCount)")
            print("")
        }
        let roof = KernelBenchmark.sgemmRoof(minSeconds: minSeconds)
        let groups = only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        func wanted(_ group: String) -> Bool { groups?.contains(group) ?? true }
        var rows = [roof]
        if wanted("linear") { rows += KernelBenchmark.linear(minSeconds: minSeconds) }
        if wanted("attention") { rows += KernelBenchmark.attentionProducts(minSeconds: minSeconds) }
        if wanted("block") { rows += BlockBenchmark.llamaBlock(minSeconds: minSeconds) }
        if wanted("packed") { rows += try PackedBenchmark.rows(minSeconds: minSeconds) }
        if let model, wanted("model") {
            let checkpoint = try Checkpoint.open(model)
            rows += try ModelBenchmark.run(packed ? checkpoint.loadPackedDecoder() : checkpoint.loadDecoder(), minSeconds: minSeconds)
        }

        if json {
            let objects: [[String: Any]] = rows.map { row in
                var o: [String: Any] = ["name": row.name, "flops": row.flops, "seconds": row.seconds,
                                        "gflops": row.gflops, "roof_ratio": row.gflops / roof.gflops]
                if let r = row.referenceSeconds { o["reference_seconds"] = r }
                if let r = row.ratio { o["reference_ratio"] = r }
                if let t = row.tokensPerSecond { o["tokens_per_s"] = t }
                return o
            }
            let top: [String: Any] = ["blas": info.library, "config": info.config, "core": info.core,
                                      "core_source": info.coreSource, "threads": threadCount, "rows": objects]
            let data = try JSONSerialization.data(withJSONObject: top, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        func fmt(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        print(pad("kernel", 44), lpad("ms", 8), lpad("GFLOPS", 8), lpad("sgemm", 8), lpad("ratio", 7), lpad("of roof", 8), lpad("tok/s", 9))
        for row in rows {
            print(pad(row.name, 44), lpad(fmt(row.seconds * 1e3, 3), 8), lpad(fmt(row.gflops), 8),
                  lpad(row.referenceGflops.map { fmt($0) } ?? "", 8),
                  lpad(row.ratio.map { fmt($0 * 100, 0) + "%" } ?? "", 7),
                  lpad(fmt(row.gflops / roof.gflops * 100, 0) + "%", 8),
                  lpad(row.tokensPerSecond.map { fmt($0, 0) } ?? "", 9))
        }
    }
}
