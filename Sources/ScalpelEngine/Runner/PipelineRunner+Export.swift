import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels

extension PipelineRunner {
    /// Writes the final model in each export format: `hf/` (a copy of the final model folder: dense, or
    /// dequantized when quantized), `awq/` (AutoAWQ GEMM), `gguf/model.gguf`.
    func runExport(in work: String) throws -> StageOutcome {
        guard let export = recipe.export else { return StageOutcome() }
        var outcome = StageOutcome()
        var sizes: [String: JSONValue] = [:]
        let began = emitter.elapsed
        for (i, format) in export.formats.enumerated() {
            try cancellation.check()
            let relative: String
            switch format {
            case .hf:
                relative = "hf"
                try FileManager.default.copyItem(atPath: context.model, toPath: work + "/hf")
            case .awq:
                relative = "awq"
                let (decoder, folder) = try quantizedForExport()
                try QuantExport.writeAWQ(decoder, to: work + "/awq", sourceFolder: folder)
            case .gguf:
                relative = "gguf/model.gguf"
                let (decoder, _) = try quantizedForExport()
                try FileManager.default.createDirectory(atPath: work + "/gguf", withIntermediateDirectories: true)
                try QuantExport.writeGGUF(decoder, to: work + "/" + relative)
            }
            let bytes = RunFolder.bytes(at: work + "/" + relative)
            context.exported[format.rawValue] = bytes
            sizes[format.rawValue] = .int(bytes)
            outcome.artifacts[format.rawValue] = relative
            progress(.export, done: i + 1, total: export.formats.count, unit: "formats", since: began)
        }
        outcome.results["exported"] = .object(sizes)
        return outcome
    }

    /// The quantized decoder and the source folder its side files come from: the decoder this process
    /// made, or (on a resumed run) the quantization redone on the model the quantize stage started from —
    /// the same settings and data give the same codes.
    private func quantizedForExport() throws -> (QuantizedDecoder, String?) {
        guard let source = state.stage(PipelineStage.quantize.rawValue)?.results["source"]?.string else {
            throw StageError(code: "export_unquantized", "awq and gguf export need the quantize stage", hint: "add a quantize section")
        }
        let checkpoint = try Checkpoint.open(source)
        let folder = checkpoint.gguf == nil ? checkpoint.path : nil
        if let decoder = context.quantized { return (decoder, folder) }
        log("re-quantizing \(source) for export (the quantized decoder of an earlier attempt is not kept in memory)")
        let decoder = try quantize(source, progressStage: .export)
        context.quantized = decoder
        return (decoder, folder)
    }
}
