import ArgumentParser
import Foundation
import ScalpelCompress
import ScalpelEngine
import ScalpelFormats
import ScalpelModels
#if canImport(Glibc)
import Glibc
#endif

/// `scalpel quantize MODEL --method rtn|awq|gptq --bits B --group G --format awq|gguf|hf --out DIR`.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize the decoder's linears (RTN, AWQ or GPTQ) block by block and export the result.")

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String

    @Option(help: "rtn, awq or gptq.")
    var method: String = "rtn"

    @Option(help: "Bits per weight: 2, 3, 4 or 8.")
    var bits = 4

    @Option(help: "Inputs per group (32, 64, 128; 0 for per-channel). Default 128, or 32 for --format gguf.")
    var group: Int?

    @Flag(help: "Symmetric quantization (no zero points).")
    var symmetric = false

    @Flag(help: "GPTQ: visit columns by descending Hessian diagonal (groups stay static).")
    var actOrder = false

    @Option(help: "Calibration text (UTF-8) or token ids (.ids, whitespace-separated), required for awq and gptq.")
    var data: String?

    @Option(help: "Calibration samples.")
    var samples = 64

    @Option(help: "Tokens per calibration sample.")
    var seqLen = 256

    @Option(help: "Skip this many tokens at the start of the calibration text.")
    var skipTokens = 0

    @Option(help: "Parts left in fp16, comma-separated: embed_tokens, lm_head, vision_tower, projector (or none); the others are rounded with the same scheme (RTN).")
    var keepFp16 = "embed_tokens,lm_head,vision_tower,projector"

    @Option(help: "awq, gguf or hf (dequantized fp16 safetensors).")
    var format: String = "hf"

    @Option(help: "Output folder.")
    var out: String

    @Flag(help: "With --format hf, store f32 instead of f16.")
    var fp32 = false

    @Option(help: "After quantizing, report the perplexity of this text (first --eval-tokens tokens); repeatable.")
    var eval: [String] = []

    @Option(help: "Tokens of the --eval text.")
    var evalTokens = 2048

    @Flag(help: "Print a JSON summary.")
    var json = false

    @Option(help: "Write JSON-line events (progress, metric, artifact, done) to a file, or - for stdout.")
    var events: String?

    func run() throws {
        guard let method = QuantMethod(rawValue: method) else { throw ValidationError("--method must be rtn, awq or gptq (got \(self.method))") }
        guard let format = ExportFormat(rawValue: format) else { throw ValidationError("--format must be awq, gguf or hf (got \(self.format))") }
        let groupSize: Int?
        switch group {
        case nil: groupSize = format == .gguf ? 32 : 128
        case let g? where g <= 0: groupSize = nil
        case let g?: groupSize = g
        }
        let scheme = QuantScheme(bits: bits, groupSize: groupSize, symmetric: symmetric)
        do { try scheme.validate() } catch { throw ValidationError("\(error)") }
        switch format {
        case .awq:
            guard bits == 4 else { throw ValidationError("--format awq holds 4-bit weights only (AutoAWQ GEMM); got --bits \(bits)") }
        case .gguf:
            guard bits == 4 || bits == 8 else { throw ValidationError("--format gguf holds --bits 4 (Q4_0 with --symmetric, else Q4_1) or --bits 8 (Q8_0); got --bits \(bits)") }
            guard groupSize == 32 else { throw ValidationError("--format gguf stores groups of 32 weights; use --group 32") }
            if bits == 8 && !symmetric { throw ValidationError("--bits 8 in GGUF is Q8_0, which is symmetric: add --symmetric") }
        case .hf: break
        }
        let keep: KeepFP16
        do { keep = try KeepFP16(parsing: keepFp16) } catch { throw ValidationError("\(error)") }
        if format == .awq, !keep.keeps(.embeddings) || !keep.keeps(.head) {
            throw ValidationError("--format awq keeps embed_tokens and lm_head in fp16 (AutoAWQ's GEMM layout quantizes only the decoder's linears); use --format gguf or hf to quantize them")
        }
        if method.needsCalibration && data == nil { throw ValidationError("--method \(method.rawValue) needs calibration text: --data FILE") }

        let checkpoint = try Checkpoint.open(model)
        let names = checkpoint.config.llava != nil ? LlavaTensorNames.detect(in: checkpoint.weights).text : nil
        let runner = QuantRunner(source: checkpoint.weights, config: checkpoint.config.text, names: names)
        // A group that does not divide a row is an error, except for the dequantized hf export, where the
        // last group of each row is shorter (as in GPTQ's reference).
        var partial = false
        do { try runner.validate(QuantSettings(method: method, scheme: scheme)) } catch {
            guard format == .hf, (try? runner.validate(QuantSettings(method: method, scheme: scheme, partialGroups: true))) != nil else {
                throw ValidationError("\(error)")
            }
            partial = true
            FileHandle.standardError.write(Data("note: \(error); with --format hf the last group of each such row is shorter\n".utf8))
        }
        var calibration: [[Int]] = []
        let tokenizer = try? checkpoint.tokenizer()
        if let data, method.needsCalibration {
            let ids: [Int]
            if data.hasSuffix(".ids") {
                // Pre-tokenized ids, whitespace-separated (as `scalpel importance` reads them).
                ids = Array(try readText(data).split(whereSeparator: \.isWhitespace).map { word -> Int in
                    guard let id = Int(word) else { throw ValidationError("\(data): '\(word)' is not a token id") }
                    return id
                }.dropFirst(skipTokens))
            } else {
                guard let tokenizer else { throw ValidationError("\(model) has no tokenizer to turn --data into tokens") }
                ids = Array(tokenizer.encode(try readText(data), addSpecialTokens: false).dropFirst(skipTokens))
            }
            var start = 0
            while calibration.count < samples, start + seqLen <= ids.count {
                calibration.append(Array(ids[start..<(start + seqLen)]))
                start += seqLen
            }
            guard !calibration.isEmpty else { throw ValidationError("\(data) holds \(ids.count) tokens after --skip-tokens; one sample needs \(seqLen)") }
            if calibration.count < samples {
                FileHandle.standardError.write(Data("note: \(data) gave \(calibration.count) samples of \(seqLen) tokens (asked for \(samples))\n".utf8))
            }
        }
        let settings = QuantSettings(method: method, scheme: scheme, gptq: GPTQ.Options(actOrder: actOrder), partialGroups: partial)
        let emitter = try events.map { path -> EventEmitter in
            let sink = try EventSinks.named(path)
            return EventEmitter(run: "quantize-" + RunStore.runID(name: "cli", date: Date()), sinks: [sink])
        }
        let quiet = json || events == "-"
        let began = Date()
        runner.progress = { done, total in
            if !quiet { FileHandle.standardError.write(Data("\rblock \(done)/\(total)".utf8)) }
            emitter?.emit(.progress(stage: "quantize", done: done, total: total, unit: "block",
                                    rate: Double(done) / max(Date().timeIntervalSince(began), 1e-9)))
        }
        emitter?.emit(.hello(engine: "scalpel", version: ScalpelEngineVersion.string, backend: "swift", capabilities: ["quantize"]))
        emitter?.emit(.stage(name: "quantize", index: 0, count: 1, state: .started))
        let start = Date()
        let decoder = try runner.run(settings, calibration: calibration)
        decoder.keepFP16 = keep
        let seconds = Date().timeIntervalSince(start)
        if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }

        let folder = checkpoint.gguf == nil ? checkpoint.path : nil
        var files: [String] = []
        switch format {
        case .hf: files = try QuantExport.writeHF(decoder, to: out, dtype: fp32 ? .f32 : .f16, sourceFolder: folder)
        case .awq: files = try QuantExport.writeAWQ(decoder, to: out, sourceFolder: folder)
        case .gguf:
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let path = out + "/model.gguf"
            try QuantExport.writeGGUF(decoder, to: path, sourceGGUF: checkpoint.gguf)
            files = [path]
            if checkpoint.config.llava != nil {
                // llama.cpp reads a LLaVA as two files: the language model and the `clip` mmproj.
                let mmproj = out + "/" + MMProjExport.fileName
                try MMProjExport.write(checkpoint, to: mmproj, keep: keep, quantizedType: QuantExport.ggufType(for: scheme))
                files.append(mmproj)
            }
        }
        var summary: [String: Any] = ["keep_fp16": keep.description, "method": method.rawValue, "bits": bits, "group": groupSize ?? -1, "symmetric": symmetric,
                                      "format": format.rawValue, "seconds": seconds, "files": files,
                                      "calibration_tokens": calibration.reduce(0) { $0 + $1.count }]
        if !eval.isEmpty {
            guard let tokenizer else { throw ValidationError("\(model) has no tokenizer for --eval") }
            // The model the output holds: the GGUF file as written (ggml's rounding), else the fake-quantized
            // decoder (what the hf and awq folders hold, up to their fp16 storage of unquantized tensors).
            let evaluated = format == .gguf ? try Checkpoint.open(files[0]).loadDecoder() : try decoder.model()
            var perplexities: [String: Double] = [:]
            for file in eval {
                let ids = Array(tokenizer.encode(try readText(file), addSpecialTokens: false).prefix(evalTokens))
                perplexities[file] = try Perplexity.evaluate(evaluated, tokens: ids, context: evalTokens).perplexity
            }
            summary["perplexity"] = perplexities[eval[0]]
            summary["perplexities"] = perplexities
        }
        summary["peak_rss_bytes"] = peakResidentBytes()
        if let emitter {
            for (file, p) in ((summary["perplexities"] as? [String: Double]) ?? [:]).sorted(by: { $0.key < $1.key }) {
                emitter.emit(.metric(name: "perplexity", value: p, split: file, step: nil))
            }
            for f in files {
                let bytes = (try? FileManager.default.attributesOfItem(atPath: f)[.size] as? Int) ?? 0
                emitter.emit(.artifact(kind: format.rawValue, path: f, bytes: bytes))
            }
            emitter.emitMemory()
            emitter.emit(.stage(name: "quantize", index: 0, count: 1, state: .completed))
            emitter.emit(.done(status: .completed, summary: .object([
                "method": .string(method.rawValue), "scheme": .string("\(scheme)"), "format": .string(format.rawValue),
                "seconds": .double(seconds), "files": .array(files.map(JSONValue.string)),
            ])))
            if events == "-" { return }
        }
        if json {
            try JSONOutput.print(summary)
        } else {
            print("\(method.rawValue) \(scheme) in \(String(format: "%.1f", seconds)) s, peak RSS \(peakResidentBytes() / (1 << 20)) MiB")
            for file in eval {
                if let p = (summary["perplexities"] as? [String: Double])?[file] { print(String(format: "perplexity %.4f  ", p) + file) }
            }
            for f in files { print("wrote \(f)") }
        }
    }

}
