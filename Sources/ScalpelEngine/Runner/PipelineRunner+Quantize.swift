import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels

extension PipelineRunner {
    /// Quantizes the current model's decoder linears block by block and writes the dequantized model
    /// (fp16 safetensors) to `model/`, the model the evaluations read. The quantized decoder stays in
    /// memory for the export stage.
    func runQuantize(in work: String) throws -> StageOutcome {
        let source = context.model
        let decoder = try quantize(source, progressStage: .quantize)
        let checkpoint = try Checkpoint.open(source)
        try QuantExport.writeHF(decoder, to: work + "/model", dtype: .f16, sourceFolder: checkpoint.gguf == nil ? checkpoint.path : nil)
        context.quantized = decoder
        return StageOutcome(artifacts: ["model": "model"], results: ["source": .string(source)])
    }

    /// Runs the recipe's quantization on the model at `path`.
    func quantize(_ path: String, progressStage: PipelineStage) throws -> QuantizedDecoder {
        guard let q = recipe.quantize else { throw StageError(code: "quantize_settings", "the recipe has no quantize section") }
        let checkpoint = try Checkpoint.open(path)
        let names = checkpoint.config.llava != nil ? LlavaTensorNames.detect(in: checkpoint.weights).text : nil
        let runner = QuantRunner(source: checkpoint.weights, config: checkpoint.config.text, names: names)
        let settings = QuantSettings(method: q.method, scheme: q.scheme, gptq: GPTQ.Options(actOrder: q.actOrder))
        do { try runner.validate(settings) } catch {
            throw StageError(code: "quantize_settings", "\(error)", hint: "choose a group_size that divides every width")
        }
        var sequences: [[Int]] = []
        if q.method.needsCalibration {
            guard let calibration = recipe.calibration else {
                throw StageError(code: "quantize_settings", "\(q.method.rawValue) needs calibration data", hint: "add calibration: {domain: FILE}")
            }
            let set = try CalibrationData.load(calibration.domain, checkpoint: checkpoint, samples: q.samples, seqLen: calibration.seqLen)
            sequences = try CalibrationData.tokenSequences(set, samples: q.samples, seqLen: calibration.seqLen)
            log("\(q.method.rawValue) calibration: \(sequences.count) sequences of \(sequences.first?.count ?? 0) tokens")
        }
        let began = emitter.elapsed
        runner.progress = { [self] done, total in progress(progressStage, done: done, total: total, unit: "blocks", since: began) }
        let decoder = try runner.run(settings, calibration: sequences)
        // The recipe's keep_fp16 names are checked when it loads; the exporters honour what is kept.
        decoder.keepFP16 = KeepFP16(parts: Set(q.keepFP16.compactMap(KeepFP16.Part.init(rawValue:))))
        return decoder
    }
}
