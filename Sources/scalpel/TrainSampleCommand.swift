import ArgumentParser
import Foundation
import ScalpelData
import ScalpelFormats
import ScalpelModels
import ScalpelTrain

/// `scalpel train-sample --out DIR --seed S`: regenerates the bundled sample model
/// (`sample-models/derm-llava-tiny`) from scratch, following LLaVA's recipe in three stages:
///
/// 1. **pretrain**: the CLIP-style tower alone, with linear heads on its pooled features predicting
///    SynthDerm's ABCD labels (standing in for CLIP pretraining);
/// 2. **align**: tower frozen (its features computed once), projector and decoder trained on the
///    VQA conversations;
/// 3. **tune**: every part trained on the conversations at a lower rate;
/// 4. **single**: projector and decoder trained on single-question conversations, the form
///    questions are asked in at evaluation (the first turn of a conversation must read the image
///    alone, without earlier answers to lean on).
///
/// Everything derives from the seed: the data (`scalpel data synthderm`), the tokenizer (BPE on the
/// training text), the initial weights and each stage's batch order. Each stage checkpoints its
/// state every `--checkpoint-every` steps and a rerun with the same arguments resumes where it
/// stopped; a finished stage leaves a full model folder the next one starts from.
struct TrainSampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-sample",
        abstract: "Train the SynthDerm sample LLaVA model from scratch (pretrain tower, align, instruction-tune).",
        shouldDisplay: false
    )

    @Option(help: "Working and output folder (the model lands in OUT/model).")
    var out: String

    @Option(help: "Seed of the data, tokenizer, initial weights and batch order.")
    var seed: UInt64 = 2026

    @Option(help: "An existing SynthDerm folder (default: generated into OUT/data).")
    var data: String?

    @Option(help: "Training images to generate.")
    var trainImages = 6000

    @Option(help: "Images in each of the generated val and test splits.")
    var evalImages = 200

    @Option(help: "Optimizer steps of the four stages: pretrain,align,tune,single.")
    var steps = "1000,400,60,400"

    @Option(help: "Peak learning rates of the four stages: pretrain,align,tune,single.")
    var learningRates = "1e-3,1e-3,2e-4,3e-4"

    @Option(help: "Images per pretraining step.")
    var pretrainBatch = 32

    @Option(help: "Conversations (one image, every question) per align/tune step.")
    var conversationBatch = 4

    @Option(help: "Save each stage's state every N steps.")
    var checkpointEvery = 50

    @Option(help: "Questions of the val split to score at the end (0: none).")
    var evalQuestions = 300

    @Option(help: "Decoder blocks.")
    var decoderLayers = 12

    @Option(help: "Decoder width.")
    var decoderWidth = 128

    @Option(help: "BPE vocabulary size (special tokens included).")
    var vocabSize = 400

    func validate() throws {
        if out.isEmpty { throw ValidationError("--out must name a folder") }
        let parts = steps.split(separator: ",").compactMap { Int($0) }
        if parts.count != 4 || parts.contains(where: { $0 < 0 }) { throw ValidationError("--steps takes four counts: pretrain,align,tune,single") }
        let rates = learningRates.split(separator: ",").compactMap { Float($0) }
        if rates.count != 4 || rates.contains(where: { !($0 > 0 && $0.isFinite) }) {
            throw ValidationError("--learning-rates takes four positive rates: pretrain,align,tune,single")
        }
        if trainImages < 1 || evalImages < 1 { throw ValidationError("--train-images and --eval-images must be positive") }
        if pretrainBatch < 1 || conversationBatch < 1 || checkpointEvery < 1 { throw ValidationError("batch sizes and --checkpoint-every must be positive") }
        if decoderLayers < 1 || decoderWidth < 32 || decoderWidth % 32 != 0 { throw ValidationError("--decoder-width must be a positive multiple of 32") }
    }

    func run() throws {
        let stageSteps = steps.split(separator: ",").compactMap { Int($0) }
        let stageRates = learningRates.split(separator: ",").compactMap { Float($0) }
        let started = Date()
        let fm = FileManager.default
        try fm.createDirectory(atPath: out + "/work", withIntermediateDirectories: true)
        func say(_ line: String) {
            let t = Int(Date().timeIntervalSince(started))
            FileHandle.standardOutput.write(Data((String(format: "[%02d:%02d] ", t / 60, t % 60) + line + "\n").utf8))
        }

        // Data.
        let dataDir = data ?? out + "/data"
        if !fm.fileExists(atPath: dataDir + "/labels.json") {
            say("generating SynthDerm: \(trainImages) train, \(evalImages) val/test images at 96 px (seed \(seed))")
            try SynthDerm.write(to: dataDir, options: SynthDerm.Options(seed: seed, count: evalImages, trainCount: trainImages, size: 96))
        }
        let set = try SampleData(folder: dataDir)
        say("data: \(set.trainImages.count) train images, \(set.valRecords.count) val questions")

        // Tokenizer and model folder skeleton.
        let modelDir = out + "/model"
        try fm.createDirectory(atPath: modelDir, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: modelDir + "/tokenizer.json") {
            var trainer = try BPETokenizerTrainer(options: .init(vocabSize: vocabSize, minFrequency: 2))
            for text in set.corpus { trainer.add(text: text) }
            try trainer.train().write(to: modelDir + "/tokenizer.json")
            say("tokenizer: BPE trained on the training text")
        }
        try AtomicFile.write(Self.preprocessorJSON, to: modelDir + "/preprocessor_config.json")
        try AtomicFile.write(ChatFormat.llava1_5ChatTemplateFile, to: modelDir + "/chat_template.json")
        let tokenizer = try Tokenizer(directory: URL(fileURLWithPath: modelDir))
        guard let imageId = tokenizer.id(for: ChatFormat.imageToken), let eos = tokenizer.id(for: "</s>"),
              let bos = tokenizer.id(for: "<s>") else {
            throw ValidationError("the tokenizer lacks <image>, <s> or </s>")
        }
        let pad = tokenizer.id(for: "<pad>") ?? 0
        let config = sampleConfig(vocab: tokenizer.vocabularySize, imageToken: imageId, bos: bos, eos: eos, pad: pad)
        let settings = SFTImageSettings(llava: config, preprocessor: try CLIPPreprocessor(configFileAt: modelDir + "/preprocessor_config.json"))

        // Initial weights.
        let initDir = out + "/work/init"
        if !fm.fileExists(atPath: initDir + "/model.safetensors") {
            try LlavaInitializer.write(config, to: initDir, seed: SeededRandom.key(seed, 0x1417))
        }
        let pixels = PixelCache(settings: settings)

        // Stage 1: the tower alone, supervised on the labels.
        let stage1 = out + "/work/after-pretrain"
        if !fm.fileExists(atPath: stage1 + "/model.safetensors") {
            let model = try Self.load(initDir)
            let tower = TrainableVisionTower(tower: model.visionTower, trainable: true)
            let head = VisionPretrainingHead(tasks: SampleData.tasks, inFeatures: config.vision.hiddenSize, pooling: .flatten,
                                             tokens: config.vision.numPatches, seed: SeededRandom.key(seed, 0x4EAD))
            let total = stageSteps[0]
            let trainer = try StageTrainer(parameters: tower.parameters + head.parameters, options: SFTOptions(
                learningRate: stageRates[0], warmupSteps: min(100, total / 10), totalSteps: total, minLearningRateRatio: 0.05,
                weightDecay: 0.05, maxGradNorm: 1))
            let state = out + "/work/pretrain.state"
            if fm.fileExists(atPath: state) { try trainer.load(from: state); say("pretrain: resumed at step \(trainer.step)") }
            var correct = [Int](repeating: 0, count: SampleData.tasks.count), seen = 0, lossSum: Double = 0
            while trainer.step < total {
                let picks = set.batch(stage: 1, step: trainer.step, size: pretrainBatch, count: set.trainImages.count, seed: seed)
                let batchPixels = try picks.flatMap { try pixels.values(set.trainImages[$0].path) }
                let labels = picks.map { set.trainImages[$0].classes }
                let report = try trainer.step {
                    let (features, pass) = try tower.features(pixelValues: batchPixels, layers: config.visionFeatureLayers, keepClassToken: false)
                    let dFeatures = FloatBuffer(count: features.count)
                    let result = try head.evaluate(features: features, images: picks.count, tokens: config.vision.numPatches,
                                                   labels: labels, featureGradient: dFeatures)
                    tower.backward(dFeatures, pass: pass!)
                    for t in 0..<correct.count { correct[t] += result.correct[t] }
                    return result.loss
                }
                seen += picks.count
                lossSum += Double(report.loss)
                if trainer.step % 25 == 0 || trainer.step == total {
                    let acc = zip(SampleData.tasks, correct).map { "\($0.name) \(Int((100 * Double($1) / Double(max(seen, 1))).rounded()))" }
                    say("pretrain step \(trainer.step)/\(total) loss \(String(format: "%.3f", lossSum / 25)) lr \(String(format: "%.2e", report.learningRate)) | train acc % " + acc.joined(separator: ", "))
                    correct = correct.map { _ in 0 }
                    seen = 0
                    lossSum = 0
                }
                if trainer.step % checkpointEvery == 0 && trainer.step < total { try trainer.save(to: state) }
            }
            // The label heads on the val images: how much of the training accuracy is memorised.
            var valCorrect = [Int](repeating: 0, count: SampleData.tasks.count)
            for start in stride(from: 0, to: set.valImages.count, by: 64) {
                let slice = Array(set.valImages[start..<min(start + 64, set.valImages.count)])
                let batchPixels = try slice.flatMap { try pixels.values($0.path) }
                let (features, _) = try tower.features(pixelValues: batchPixels, layers: config.visionFeatureLayers, keepClassToken: false)
                let result = try head.evaluate(features: features, images: slice.count, tokens: config.vision.numPatches, labels: slice.map(\.classes))
                for t in 0..<valCorrect.count { valCorrect[t] += result.correct[t] }
            }
            let valAcc = zip(SampleData.tasks, valCorrect).map { "\($0.name) \(Int((100 * Double($1) / Double(max(set.valImages.count, 1))).rounded()))" }
            say("pretrain: val acc % over \(set.valImages.count) images " + valAcc.joined(separator: ", "))
            try LlavaCheckpointWriter.write(model, to: stage1)
            try? fm.removeItem(atPath: state)
            say("pretrain done")
        }

        // Stages 2 and 3: conversations.
        let stage2 = out + "/work/after-align"
        if !fm.fileExists(atPath: stage2 + "/model.safetensors") {
            let model = try Self.load(stage1)
            let llava = try TrainableLlava(model: model, trainProjector: true, full: .all(layers: config.text.numHiddenLayers))
            // The frozen tower's features of every training image, computed once.
            say("align: computing the frozen tower's features of \(set.trainImages.count) images")
            let perImage = model.featuresPerImage * config.vision.hiddenSize
            var cache = [Float](repeating: 0, count: set.trainImages.count * perImage)
            for start in stride(from: 0, to: set.trainImages.count, by: 64) {
                let end = min(start + 64, set.trainImages.count)
                let batchPixels = try (start..<end).flatMap { try pixels.values(set.trainImages[$0].path) }
                let f = try model.visionTower.features(pixelValues: batchPixels, layers: config.visionFeatureLayers, keepClassToken: false)
                for i in 0..<f.count { cache[start * perImage + i] = f.pointer[i] }
            }
            try conversationStage(name: "align", llava: llava, set: set, settings: settings, tokenizer: tokenizer, pixels: pixels,
                                  towerCache: (cache, perImage), total: stageSteps[1], lr: stageRates[1], stage: 2, turns: 6, batchSize: conversationBatch, say: say)
            try LlavaCheckpointWriter.write(model, to: stage2)
            try? fm.removeItem(atPath: out + "/work/align.state")
            say("align done")
        }
        let stage3 = out + "/work/after-tune"
        if !fm.fileExists(atPath: stage3 + "/model.safetensors") {
            let model = try Self.load(stage2)
            let llava = try TrainableLlava(model: model, trainTower: true, trainProjector: true, full: .all(layers: config.text.numHiddenLayers))
            try conversationStage(name: "tune", llava: llava, set: set, settings: settings, tokenizer: tokenizer, pixels: pixels,
                                  towerCache: nil, total: stageSteps[2], lr: stageRates[2], stage: 3, turns: 6, batchSize: conversationBatch, say: say)
            try LlavaCheckpointWriter.write(model, to: stage3)
            try? fm.removeItem(atPath: out + "/work/tune.state")
            say("tune done")
        }
        let stage4 = out + "/work/after-single"
        if !fm.fileExists(atPath: stage4 + "/model.safetensors") {
            let model = try Self.load(stage3)
            let llava = try TrainableLlava(model: model, trainProjector: true, full: .all(layers: config.text.numHiddenLayers))
            try conversationStage(name: "single", llava: llava, set: set, settings: settings, tokenizer: tokenizer, pixels: pixels,
                                  towerCache: nil, total: stageSteps[3], lr: stageRates[3], stage: 4, turns: 1, batchSize: conversationBatch * 4, say: say)
            try LlavaCheckpointWriter.write(model, to: stage4)
            try? fm.removeItem(atPath: out + "/work/single.state")
            say("single done")
        }
        for file in ["config.json", "model.safetensors"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: stage4 + "/" + file))
            try AtomicFile.write(Array(data), to: modelDir + "/" + file)
        }
        say("model written to \(modelDir)")

        if evalQuestions > 0 {
            let model = try Self.load(modelDir)
            let answerer = LlavaAnswerer(model: model, tokenizer: tokenizer, format: .llava1_5)
            let records = Array(set.valRecords.prefix(evalQuestions))
            var predictions: [String: String] = [:]
            for r in records {
                predictions[r.id] = try answerer.answer(question: r.question, pixelValues: try pixels.values(set.folder + "/" + r.image))
            }
            let report = VQAEvaluation.score(records: records, predictions: predictions)
            say("val accuracy \(String(format: "%.1f", 100 * report.accuracy))% over \(report.n) questions (majority \(String(format: "%.1f", 100 * report.majority))%)")
            for (type, s) in report.perType.sorted(by: { $0.key < $1.key }) {
                say("  \(type): \(String(format: "%.1f", 100 * s.accuracy))% of \(s.n) (majority \(String(format: "%.1f", 100 * s.majority))%)")
            }
        }
        say("done in \(Int(Date().timeIntervalSince(started))) s")
    }

    static func load(_ folder: String) throws -> LlavaModel {
        guard let model = try Checkpoint.open(folder).loadLlava() else { throw ValidationError("\(folder) is not a LLaVA model") }
        return model
    }

    /// Align or tune: multi-turn conversations (one image, its six questions in a seeded order) in the
    /// engine's LLaVA-1.5 rendering, as `scalpel sft` and `scalpel eval` build them (an answer ends with a
    /// space, then the next `USER:`), answer-only loss.
    func conversationStage(name: String, llava: TrainableLlava, set: SampleData, settings: SFTImageSettings, tokenizer: Tokenizer,
                           pixels: PixelCache, towerCache: (values: [Float], perImage: Int)?, total: Int, lr: Float, stage: UInt64,
                           turns: Int, batchSize: Int, say: (String) -> Void) throws {
        let trainer = try StageTrainer(parameters: llava.parameters, options: SFTOptions(
            learningRate: lr, warmupSteps: min(50, total / 10), totalSteps: total, minLearningRateRatio: 0.05,
            weightDecay: 0.01, maxGradNorm: 1))
        let state = out + "/work/\(name).state"
        if FileManager.default.fileExists(atPath: state) { try trainer.load(from: state); say("\(name): resumed at step \(trainer.step)") }
        var lossSum: Double = 0, count = 0
        while trainer.step < total {
            let picks = set.batch(stage: stage, step: trainer.step, size: batchSize, count: set.trainImages.count, seed: seed)
            var samples: [TrainingSample] = []
            for i in picks {
                let image = set.trainImages[i]
                let values = towerCache == nil ? try pixels.values(image.path) : []
                let messages = set.conversation(image: i, stage: stage, step: trainer.step, seed: seed, turns: turns)
                samples.append(try SFTData.conversation(messages, images: [values], format: .llava1_5, tokenizer: tokenizer, settings: settings))
            }
            let batch = SFTData.collate(samples, padId: llava.model.config.text.padTokenId ?? 0)
            var features: FloatBuffer?
            if let towerCache {
                let f = FloatBuffer(count: picks.count * towerCache.perImage)
                for (k, i) in picks.enumerated() {
                    towerCache.values.withUnsafeBufferPointer {
                        (f.pointer + k * towerCache.perImage).update(from: $0.baseAddress! + i * towerCache.perImage, count: towerCache.perImage)
                    }
                }
                features = f
            }
            let report = try trainer.step { try llava.lossAndGradients(batch, towerFeatures: features).loss }
            lossSum += Double(report.loss)
            count += 1
            if trainer.step % 10 == 0 || trainer.step == total {
                say("\(name) step \(trainer.step)/\(total) loss \(String(format: "%.4f", lossSum / Double(count))) lr \(String(format: "%.2e", report.learningRate)) grad norm \(String(format: "%.2f", report.gradNorm))")
                lossSum = 0
                count = 0
            }
            if trainer.step % checkpointEvery == 0 && trainer.step < total { try trainer.save(to: state) }
        }
    }

    func sampleConfig(vocab: Int, imageToken: Int, bos: Int, eos: Int, pad: Int) -> ModelConfig.Llava {
        let text = ModelConfig.Llama(vocabSize: vocab, hiddenSize: decoderWidth, intermediateSize: decoderWidth * 11 / 4,
                                     numHiddenLayers: decoderLayers, numAttentionHeads: decoderWidth / 32, numKeyValueHeads: decoderWidth / 64,
                                     rmsNormEps: 1e-5, ropeTheta: 10000, maxPositionEmbeddings: 512, tieWordEmbeddings: false,
                                     bosTokenId: bos, eosTokenIds: [eos], padTokenId: pad)
        let vision = ModelConfig.CLIPVision(hiddenSize: 128, intermediateSize: 512, numHiddenLayers: 4, numAttentionHeads: 4,
                                            imageSize: 96, patchSize: 16, numChannels: 3, layerNormEps: 1e-5, hiddenAct: "quick_gelu",
                                            projectionDim: 128)
        return ModelConfig.Llava(text: text, vision: vision, imageTokenIndex: imageToken, projectorHiddenAct: "gelu",
                                 visionFeatureLayers: [-1], visionFeatureSelectStrategy: "default",
                                 imageSeqLength: vision.numPatches, multimodalProjectorBias: true)
    }

    static let preprocessorJSON = """
    {
      "crop_size": {"height": 96, "width": 96},
      "do_center_crop": true,
      "do_convert_rgb": true,
      "do_normalize": true,
      "do_rescale": true,
      "do_resize": true,
      "image_mean": [0.48145466, 0.4578275, 0.40821073],
      "image_processor_type": "CLIPImageProcessor",
      "image_std": [0.26862954, 0.26130258, 0.27577711],
      "resample": 3,
      "rescale_factor": 0.00392156862745098,
      "size": {"shortest_edge": 96}
    }

    """
}

/// Preprocessed images by path, decoded once.
final class PixelCache {
    let settings: SFTImageSettings
    private var cache: [String: [Float]] = [:]
    init(settings: SFTImageSettings) { self.settings = settings }
    func values(_ path: String) throws -> [Float] {
        if let hit = cache[path] { return hit }
        let v = try settings.pixelValues(fileAt: path)
        cache[path] = v
        return v
    }
}

/// The SynthDerm folder as the sample training reads it: training images with their labels as
/// class indices for the pretraining head, their questions, and the val questions.
struct SampleData {
    struct Image {
        var path: String
        var classes: [Int]
        var turns: [(question: String, answer: String)]
    }

    static let tasks: [VisionPretrainingHead.Task] = {
        var list = [VisionPretrainingHead.Task(name: "asymmetry", classes: 3), .init(name: "border", classes: 9),
                    .init(name: "colour_count", classes: 6), .init(name: "structure_count", classes: 5), .init(name: "verdict", classes: 3)]
        list += (0..<8).map { .init(name: "segment\($0)", classes: 2) }
        list += SynthDerm.Colour.allCases.map { .init(name: $0.rawValue, classes: 2) }
        list += SynthDerm.Structure.allCases.map { .init(name: $0.rawValue, classes: 2) }
        return list
    }()

    let folder: String
    let trainImages: [Image]
    /// The val split's images with their labels, to check the pretrained tower on images it never saw.
    let valImages: [Image]
    let valRecords: [SynthDerm.Record]
    /// Every training question and answer, for the tokenizer.
    let corpus: [String]

    init(folder: String) throws {
        self.folder = folder
        let decoder = JSONDecoder()
        func read<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            return try decoder.decode(T.self, from: data)
        }
        let labels = try read("labels.json", as: [SynthDerm.LabelRecord].self)
        let train = try read("train.json", as: [SynthDerm.Record].self)
        valRecords = try read("val.json", as: [SynthDerm.Record].self)
        var turns: [String: [(String, String)]] = [:]
        for r in train { turns[r.image, default: []].append((r.question, r.answer)) }
        func classes(_ l: SynthDerm.LabelRecord) -> [Int] {
            var classes = [l.asymmetry, l.border, l.colours.count - 1, l.structures.count - 1,
                           SynthDerm.Verdict.allCases.firstIndex(of: l.verdict)!]
            classes += l.abruptSegments.map { $0 ? 1 : 0 }
            classes += SynthDerm.Colour.allCases.map { l.colours.contains($0) ? 1 : 0 }
            classes += SynthDerm.Structure.allCases.map { l.structures.contains($0) ? 1 : 0 }
            return classes
        }
        trainImages = labels.filter { $0.split == .train }.map { l in
            Image(path: folder + "/" + l.image, classes: classes(l), turns: turns[l.image] ?? [])
        }
        valImages = labels.filter { $0.split == .val }.map { l in Image(path: folder + "/" + l.image, classes: classes(l), turns: []) }
        guard !trainImages.isEmpty else { throw ValidationError("\(folder) has no training images") }
        var texts = ["USER: ASSISTANT: </s>"]
        for r in train { texts.append("USER: " + r.question + " ASSISTANT: " + r.answer) }
        corpus = texts
    }

    /// Indices of `size` items for `step`: epochs of a seeded permutation of `count`.
    func batch(stage: UInt64, step: Int, size: Int, count: Int, seed: UInt64) -> [Int] {
        (0..<size).map { k in
            let flat = step * size + k, epoch = flat / count, index = flat % count
            var order = Array(0..<count)
            var rng = SeededRandom(seed: SeededRandom.key(seed, stage, UInt64(epoch)))
            for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            return order[index]
        }
    }

    /// Image `index`'s questions in a seeded order as one conversation (the first `turns` of them),
    /// rendered as conversation JSON is (no `</s>` after answers: generation stops at the next `USER:`).
    func conversation(image index: Int, stage: UInt64, step: Int, seed: UInt64, turns count: Int) -> [ChatMessage] {
        var turns = trainImages[index].turns
        var rng = SeededRandom(seed: SeededRandom.key(seed, stage, UInt64(step), UInt64(index)))
        if turns.count > 1 { for i in stride(from: turns.count - 1, to: 0, by: -1) { turns.swapAt(i, Int(rng.next() % UInt64(i + 1))) } }
        var messages: [ChatMessage] = []
        for (k, t) in turns.prefix(count).enumerated() {
            messages.append(ChatMessage(role: "user", text: t.question, images: k == 0 ? 1 : 0))
            messages.append(ChatMessage(role: "assistant", text: t.answer))
        }
        return messages
    }
}
