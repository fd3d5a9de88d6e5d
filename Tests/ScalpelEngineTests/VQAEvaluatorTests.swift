import Foundation
import ScalpelData
import ScalpelFormats
import ScalpelModels
import ScalpelTrain
import Testing
@testable import ScalpelEngine

/// The evaluator on the tiny LLaVA fixture (random weights, so the answers are noise: what is
/// checked is that they are the model's greedy answers and that the report adds them up right).
@Suite("VQA evaluator")
struct VQAEvaluatorTests {
    static let modelsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ScalpelModelsTests/Fixtures/models")

    static let corpus = """
    USER: <image>
    What colour is the lesion? ASSISTANT: dark brown
    USER: <image>
    Is it benign or suspicious? ASSISTANT: suspicious
    USER: <image>
    How many colours? ASSISTANT: two
    the lesion is benign; the lesion is suspicious; colours are red, black and white.
    """

    /// A temporary folder with a copy of a fixture model, a tokenizer trained for it (`<image>` last,
    /// at the fixture's image_token_index 99 when `vocab` is 100), images and a conversation file.
    struct Workspace {
        let root: URL
        var model: String { root.appendingPathComponent("model").path }
        var data: String { root.appendingPathComponent("data/questions.json").path }

        init(fixture: String = "llava-image", vocab: Int = 100, trailing: [String] = ["<pad>", "<image>"],
             withTokenizer: Bool = true, records: [[String: Any]]? = nil) throws {
            let fm = FileManager.default
            root = fm.temporaryDirectory.appendingPathComponent("vqa-eval-\(UUID().uuidString)")
            try fm.createDirectory(at: root.appendingPathComponent("data/images"), withIntermediateDirectories: true)
            try fm.copyItem(at: modelsFolder.appendingPathComponent(fixture), to: root.appendingPathComponent("model"))
            if withTokenizer {
                var trainer = try BPETokenizerTrainer(options: .init(vocabSize: vocab, minFrequency: 1, trailingSpecialTokens: trailing,
                                                                     fullByteAlphabet: false))
                trainer.add(text: corpus)
                let trained = try trainer.train()
                try #require(trained.vocabularySize == vocab)
                try trained.write(to: root.appendingPathComponent("model/tokenizer.json").path)
            }
            let images = modelsFolder.appendingPathComponent("llava-image/images")
            for name in ["fundus.jpg", "microaneurysms.png"] {
                try fm.copyItem(at: images.appendingPathComponent(name), to: root.appendingPathComponent("data/images/\(name)"))
            }
            let list = records ?? Self.defaultRecords
            let json = try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])
            try json.write(to: root.appendingPathComponent("data/questions.json"))
        }

        static var defaultRecords: [[String: Any]] { [
            record("q1", "colour", "images/fundus.jpg", "What colour is the lesion?", "dark brown"),
            record("q2", "colour", "images/microaneurysms.png", "What colour is the lesion?", "red"),
            record("q3", "verdict", "images/fundus.jpg", "Is it benign or suspicious?", "benign"),
            record("q4", "verdict", "images/microaneurysms.png", "Is it benign or suspicious?", "suspicious"),
            record("q5", "verdict", "images/fundus.jpg", "Is it benign or suspicious?", "benign"),
        ] }

        static func record(_ id: String, _ type: String, _ image: String?, _ question: String, _ answer: String) -> [String: Any] {
            var r: [String: Any] = [
                "id": id, "type": type,
                "conversations": [["from": "human", "value": (image == nil ? "" : "<image>\n") + question], ["from": "gpt", "value": answer]],
            ]
            if let image { r["image"] = image }
            return r
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    @Test("report arithmetic on a hand-computed case: accuracy, per-type majority, question-weighted majority, confusion")
    func handComputedReport() throws {
        let items = [
            VQAEvaluation.Item(id: "a1", type: "A", reference: "x"),
            VQAEvaluation.Item(id: "a2", type: "A", reference: "x"),
            VQAEvaluation.Item(id: "a3", type: "A", reference: "y"),
            VQAEvaluation.Item(id: "a4", type: "A", reference: "x"),
            VQAEvaluation.Item(id: "b1", type: "B", reference: "3"),
            VQAEvaluation.Item(id: "b2", type: "B", reference: "4"),
        ]
        // A: a1 right, a2 and a4 answer "y" for "x" (the same mistake twice), a3 right → 2/4, majority 3/4.
        // B: "three" reads as 3 (right), b2 missing (wrong, empty prediction) → 1/2, majority 1/2.
        // Overall 3/6; majority (3 + 1) / 6.
        let answers = ["a1": "x", "a2": "Y.", "a3": "y", "a4": "y", "b1": "three"]
        let report = VQAReport.score(items: items, answers: answers)
        #expect(report.n == 6 && report.correct == 3)
        #expect(report.accuracy == 0.5)
        #expect(abs(report.majority - 4.0 / 6.0) < 1e-12)
        let a = try #require(report.perType["A"]), b = try #require(report.perType["B"])
        #expect(a.accuracy == 0.5 && a.n == 4 && a.correct == 2 && a.majority == 0.75)
        #expect(b.accuracy == 0.5 && b.n == 2 && b.correct == 1 && b.majority == 0.5)
        #expect(report.confusion["A"] == [VQAReport.Confusion(reference: "x", prediction: "y", count: 2)])
        #expect(report.confusion["B"] == [VQAReport.Confusion(reference: "4", prediction: "", count: 1)])
        let outcomes = report.predictions.map { $0.correct }
        #expect(outcomes == [true, false, true, false, true, false])
        let json = report.json()
        #expect(json["accuracy"]?.double == 0.5)
        #expect(json["per_type"]?["A"]?["majority"]?.double == 0.75)
        #expect(json["confusion"]?["A"]?.array?.first?["count"]?.int == 2)
    }

    /// Greedy decoding without the KV cache: the whole sequence through the model at every step.
    static func referenceAnswer(_ llava: LlavaModel, tokenizer: Tokenizer, input: VQAEvaluator.Input, stops: Set<Int>, maxTokens: Int) throws -> String {
        var ids = input.ids
        var produced: [Int] = []
        let vocab = llava.languageModel.config.vocabSize
        for _ in 0..<maxTokens {
            let logits = try llava.logits(tokens: ids, pixelValues: input.pixelValues)
            let last = Array(logits[(ids.count - 1) * vocab..<(ids.count * vocab)])
            var best = 0
            for i in 1..<vocab where last[i] > last[best] { best = i }
            if stops.contains(best) { break }
            produced.append(best)
            ids.append(best)
        }
        var text = tokenizer.decode(produced, skipSpecialTokens: true)
        for stop in ["</s>", "USER:"] { if let r = text.range(of: stop) { text = String(text[..<r.lowerBound]) } }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("answers are the model's greedy answers (checked without the KV cache) and the report scores them")
    func endToEnd() throws {
        let w = try Workspace()
        defer { w.remove() }
        let checkpoint = try Checkpoint.open(w.model)
        let evaluator = try VQAEvaluator(checkpoint: checkpoint, maxNewTokens: 6)
        let dataset = try VQADataset(contentsOf: w.data)
        let types = dataset.records.map { $0.type }
        #expect(types == ["colour", "colour", "verdict", "verdict", "verdict"])
        var seen: [Int] = []
        let report = try evaluator.evaluate(dataset: dataset, limit: 4) { seen.append($0.done) }
        #expect(seen == [1, 2, 3, 4])
        #expect(report.n == 4 && !report.blankImages)
        let llava = try #require(try checkpoint.loadLlava())
        let stops: Set<Int> = [2]
        for (record, p) in zip(dataset.records, report.predictions) {
            let input = try evaluator.input(for: record)
            #expect(input.ids.filter { $0 == 99 }.count == llava.featuresPerImage)
            #expect(input.ids.first == 1)
            #expect(p.prediction == (try Self.referenceAnswer(llava, tokenizer: evaluator.tokenizer, input: input, stops: stops, maxTokens: 6)))
        }
        let answers = Dictionary(uniqueKeysWithValues: report.predictions.map { ($0.id, $0.prediction) })
        let base = VQAEvaluation.score(items: Array(dataset.items.prefix(4)), predictions: answers)
        #expect(report.accuracy == base.accuracy && report.perType == base.perType && report.majority == base.majority)
        #expect(report.perType["verdict"]?.majority == 0.5)
        #expect(report.perType["colour"]?.majority == 0.5)
    }

    @Test("--blank-images: the same ids, every image replaced by the preprocessor's mean colour (≈ 0 after normalisation)")
    func blankImages() throws {
        let w = try Workspace()
        defer { w.remove() }
        let evaluator = try VQAEvaluator(checkpoint: try Checkpoint.open(w.model), maxNewTokens: 3)
        let dataset = try VQADataset(contentsOf: w.data)
        let real = try evaluator.input(for: dataset.records[0])
        let blank = try evaluator.input(for: dataset.records[0], blankImage: true)
        let otherBlank = try evaluator.input(for: dataset.records[1], blankImage: true)
        #expect(real.ids == blank.ids)
        #expect(blank.pixelValues.count == 3 * 28 * 28 && real.pixelValues.count == blank.pixelValues.count)
        #expect(real.pixelValues != blank.pixelValues)
        #expect(blank.pixelValues == otherBlank.pixelValues)
        #expect(blank.pixelValues.allSatisfy { abs($0) < 0.01 })
        let report = try evaluator.evaluate(dataset: dataset, limit: 2, blankImages: true)
        #expect(report.blankImages && report.json()["blank_images"]?.bool == true)
    }

    @Test("bad input: missing image, empty dataset, no tokenizer, wrong image token, image for a text-only model")
    func badInput() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch let e as EvaluationError { return e.description } catch { return "other: \(error)" }
            return "no error"
        }
        let missing = try Workspace(records: [Workspace.record("m1", "t", "images/nope.png", "Q?", "a")])
        defer { missing.remove() }
        let evaluator = try VQAEvaluator(checkpoint: try Checkpoint.open(missing.model), maxNewTokens: 2)
        #expect(message { _ = try evaluator.evaluate(dataset: try VQADataset(contentsOf: missing.data)) }.contains("does not exist"))

        let empty = try Workspace(records: [])
        defer { empty.remove() }
        #expect(message { _ = try evaluator.evaluate(dataset: try VQADataset(contentsOf: empty.data)) }.contains("no questions"))

        let noAnswer = try Workspace(records: [["id": "x", "conversations": [["from": "human", "value": "hi"]]]])
        defer { noAnswer.remove() }
        #expect(message { _ = try VQADataset(contentsOf: noAnswer.data) }.contains("no gpt answer"))

        let bare = try Workspace(withTokenizer: false)
        defer { bare.remove() }
        #expect(message { _ = try VQAEvaluator(checkpoint: try Checkpoint.open(bare.model)) }.contains("without a tokenizer"))

        let shifted = try Workspace(trailing: ["<image>", "<pad>"])
        defer { shifted.remove() }
        let wrongToken = try VQAEvaluator(checkpoint: try Checkpoint.open(shifted.model), maxNewTokens: 2)
        #expect(message { _ = try wrongToken.evaluate(dataset: try VQADataset(contentsOf: shifted.data)) }.contains("image_token_index 99"))

        let text = try Workspace(fixture: "llama-fp32", vocab: 96)
        defer { text.remove() }
        let textModel = try VQAEvaluator(checkpoint: try Checkpoint.open(text.model), chatFormat: "llava1_5", maxNewTokens: 2)
        #expect(message { _ = try textModel.evaluate(dataset: try VQADataset(contentsOf: text.data)) }.contains("text-only"))
        #expect(message { _ = try VQAEvaluator(checkpoint: try Checkpoint.open(text.model)) }.contains("chat"))
    }

    @Test("answer loss equals the training loss of the same conversation (TrainableLlava, answer-only labels)")
    func answerLossMatchesTraining() throws {
        let w = try Workspace()
        defer { w.remove() }
        let checkpoint = try Checkpoint.open(w.model)
        let evaluator = try VQAEvaluator(checkpoint: checkpoint, maxNewTokens: 2)
        let dataset = try VQADataset(contentsOf: w.data)
        let llava = try #require(try checkpoint.loadLlava())
        let trainable = try TrainableLlava(model: llava)
        let settings = SFTImageSettings(llava: llava.config, preprocessor: try checkpoint.imagePreprocessor())
        var totalNLL = 0.0, totalTokens = 0
        for record in dataset.records.prefix(3) {
            let mine = try evaluator.answerLoss(for: record)
            #expect(mine.tokens > 0)
            let pixels = try settings.pixelValues(fileAt: try #require(record.image))
            let sample = try SFTData.conversation(record.prompt + [ChatMessage(role: "assistant", text: record.reference)],
                                                  images: [pixels], format: .llava1_5, tokenizer: evaluator.tokenizer, settings: settings)
            let batch = SFTData.collate([sample], padId: 0)
            let reference = try trainable.lossAndGradients(batch, backward: false)
            #expect(reference.count == mine.tokens)
            #expect(abs(Double(reference.loss) - mine.nll / Double(mine.tokens)) < 1e-4 * max(1, Double(reference.loss)))
            totalNLL += mine.nll
            totalTokens += mine.tokens
        }
        let report = try evaluator.evaluate(dataset: dataset, limit: 3, answerLoss: true)
        #expect(report.answerTokens == totalTokens)
        #expect(abs(try #require(report.answerLoss) - totalNLL / Double(totalTokens)) < 1e-9)
        #expect(report.json()["answer_perplexity"]?.double != nil)
    }

    @Test("a text-only LLaMA model answers text questions")
    func textOnly() throws {
        let w = try Workspace(fixture: "llama-fp32", vocab: 96, records: [
            Workspace.record("t1", "verdict", nil, "Is it benign or suspicious?", "benign"),
            Workspace.record("t2", "verdict", nil, "Is it benign?", "benign"),
        ])
        defer { w.remove() }
        let evaluator = try VQAEvaluator(checkpoint: try Checkpoint.open(w.model), chatFormat: "llava1_5", maxNewTokens: 4)
        #expect(!evaluator.takesImages)
        let report = try evaluator.evaluate(dataset: try VQADataset(contentsOf: w.data), answerLoss: true)
        #expect(report.n == 2 && report.perType["verdict"]?.majority == 1)
        #expect((report.answerTokens ?? 0) > 0 && (report.answerLoss ?? 0) > 0)
    }
}
