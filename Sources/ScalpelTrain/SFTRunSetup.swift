import Foundation
import ScalpelFormats
import ScalpelModels

/// What a run builds before its first step: the opened checkpoint, the trainable decoder (with the
/// frozen vision tower of a LLaVA model feeding its image rows), the training loader, the validation
/// batches, the trainer, and the settings recorded in `run.json`.
struct SFTRunSetup {
    let checkpoint: Checkpoint
    let trainer: SFTTrainer
    let loader: SFTDataLoader
    let validation: [TrainingBatch]
    let settings: JSONValue

    init(configuration c: SFTRunConfiguration) throws {
        checkpoint = try Checkpoint.open(c.model)
        let tokenizer = try checkpoint.tokenizer()
        let conversations = c.data.lowercased().hasSuffix(".json") || (c.validation?.lowercased().hasSuffix(".json") ?? false)
        // Plain text never uses the chat format; conversations need one the model (or the user) names.
        let format: ChatFormat = conversations
            ? try checkpoint.chatFormat(named: c.chatFormat, tokenizer: tokenizer)
            : (try? checkpoint.chatFormat(named: c.chatFormat, tokenizer: tokenizer)) ?? .chatml(defaultSystemPrompt: nil)

        let model: LlamaModel, names: LlamaTensorNames, llava: LlavaModel?, images: SFTImageSettings?
        if checkpoint.config.llava != nil {
            let whole = try checkpoint.loadLlava()!
            llava = whole
            model = whole.languageModel
            names = LlavaTensorNames.detect(in: checkpoint.weights).text
            images = try SFTImageSettings(checkpoint: checkpoint)
        } else {
            llava = nil
            model = try checkpoint.loadDecoder()
            names = LlamaTensorNames.detect(in: checkpoint.weights)
            images = nil
        }

        let all = try SFTData.load(path: c.data, tokenizer: tokenizer, format: format, seqLen: c.seqLen, images: images)
        let train: [TrainingSample], held: [TrainingSample]
        if let path = c.validation {
            train = all
            held = try SFTData.load(path: path, tokenizer: tokenizer, format: format, seqLen: c.seqLen, images: images)
        } else {
            (train, held) = SFTDataLoader.split(all, validationFraction: c.validationFraction, seed: c.seed)
        }
        guard train.contains(where: { $0.labels.dropFirst().contains { $0 != Int(TrainingBatch.ignoreIndex) } }) else {
            throw FormatError(file: c.data, "no training sample has a token to train on once the validation split is held out")
        }
        let padId = tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0
        loader = SFTDataLoader(samples: train, batchSize: c.batchSize, padId: padId, seed: c.seed)
        validation = stride(from: 0, to: held.count, by: c.batchSize).map {
            SFTData.collate(Array(held[$0..<min($0 + c.batchSize, held.count)]), padId: padId)
        }

        let lora: LoRAConfig?, full: FullFineTuning
        switch c.method {
        case .lora(let config):
            lora = config
            full = .none
        case .full(let parts):
            lora = nil
            full = try SFTRun.fullFineTuning(parts: parts, layers: model.config.numHiddenLayers)
        }
        let decoder = try TrainableDecoder(model: model, names: names, lora: lora, full: full)
        decoder.recompute = c.recompute
        if let llava { decoder.useFrozenVision(of: llava) }
        trainer = try SFTTrainer(decoder: decoder, options: SFTOptions(
            learningRate: c.learningRate, warmupSteps: c.warmup, totalSteps: c.steps,
            minLearningRateRatio: c.minLearningRateRatio, weightDecay: c.weightDecay, maxGradNorm: c.maxGradNorm))
        settings = Self.settings(c, lora: lora, full: full)
    }

    /// The settings that decide the run's trajectory: a resume must find the same ones in `run.json`.
    static func settings(_ c: SFTRunConfiguration, lora: LoRAConfig?, full: FullFineTuning) -> JSONValue {
        func path(_ p: String) -> JSONValue { .string(URL(fileURLWithPath: p).standardizedFileURL.path) }
        var object: [String: JSONValue] = [
            "format": .string("scalpel-sft-run-1"),
            "model": path(c.model), "data": path(c.data), "validation": c.validation.map(path) ?? .null,
            "validation_fraction": .double(c.validationFraction),
            "steps": .int(c.steps), "batch_size": .int(c.batchSize), "grad_accum": .int(c.gradAccum),
            "lr": .double(Double(c.learningRate)), "warmup": .int(c.warmup),
            "min_lr_ratio": .double(Double(c.minLearningRateRatio)), "weight_decay": .double(Double(c.weightDecay)),
            "max_grad_norm": c.maxGradNorm.map { .double(Double($0)) } ?? .null,
            "seq_len": .int(c.seqLen), "seed": .uint(c.seed), "chat_format": c.chatFormat.map(JSONValue.string) ?? .null,
        ]
        if let lora {
            let targets: JSONValue
            switch lora.targets {
            case .suffixes(let list): targets = .array(list.map(JSONValue.string))
            case .regex(let pattern): targets = .string(pattern)
            }
            object["method"] = .string("lora")
            object["lora"] = .object([
                "r": .int(lora.rank), "alpha": .double(lora.alpha), "dropout": .double(lora.dropout),
                "rslora": .bool(lora.useRSLoRA), "targets": targets, "seed": .uint(lora.seed),
            ])
        } else {
            object["method"] = .string("full")
            object["full"] = .object([
                "blocks": .array(full.blocks.sorted().map(JSONValue.int)), "embeddings": .bool(full.embeddings),
                "norm": .bool(full.finalNorm), "lm_head": .bool(full.lmHead),
            ])
        }
        return .object(object)
    }
}
