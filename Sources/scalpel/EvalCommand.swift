import ArgumentParser
import Foundation
import ScalpelData
import ScalpelEngine
import ScalpelFormats
import ScalpelModels

/// `scalpel eval MODEL --data FILE [--json] [--limit N] [--blank-images] [--max-new-tokens N]`:
/// exact-match VQA accuracy of a model's greedy answers.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Answer the questions of a conversation JSON file with a model and score them (exact match).",
        discussion: """
        Each record's turns up to its first gpt turn are the prompt (rendered in the model's chat format, \
        its image spliced in), the gpt turn is the reference. Answers are greedy, cut at the format's stop \
        strings, and compared after normalisation (see docs/evaluation.md). Reports accuracy overall and \
        per question type ("type" key) beside the majority-answer baseline, and the most frequent mistakes.
        """
    )

    @Argument(help: "A LLaVA-layout model folder (or a LLaMA-layout model for text-only questions).")
    var model: String

    @Option(help: "LLaVA conversation JSON (image paths relative to it).")
    var data: String

    @Option(help: "Evaluate the first N questions only.")
    var limit: Int?

    @Flag(help: "Replace every image by a blank one (the preprocessor's mean colour): the image-blind baseline.")
    var blankImages = false

    @Option(help: "Tokens generated at most per answer.")
    var maxNewTokens = 24

    @Option(help: "Chat format: llava1_5 or chatml (default: from the model).")
    var chatFormat: String?

    @Flag(help: "Also report the reference answers' loss and perplexity (teacher forcing, one more forward pass per question).")
    var perplexity = false

    @Option(help: "Also write every answer as JSON lines {question_id, text, reference, type, correct}.")
    var predictions: String?

    @Flag(help: "Print the report as JSON (accuracy, n, correct, majority, per_type, confusion, blank_images, answer_loss).")
    var json = false

    @Flag(help: "Print no progress.")
    var quiet = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if maxNewTokens < 1 { throw ValidationError("--max-new-tokens must be at least 1") }
    }

    func run() throws {
        let report: VQAReport
        do {
            let dataset = try VQADataset(contentsOf: data)
            let evaluator = try VQAEvaluator(checkpoint: try Checkpoint.open(model), chatFormat: chatFormat, maxNewTokens: maxNewTokens)
            var lastPrinted = -1
            report = try evaluator.evaluate(dataset: dataset, limit: limit, blankImages: blankImages, answerLoss: perplexity) { p in
                guard !quiet else { return }
                let tenth = p.done * 10 / p.total
                if tenth != lastPrinted || p.done == p.total {
                    lastPrinted = tenth
                    FileHandle.standardError.write(Data("\(p.done)/\(p.total) answered, \(p.correct) correct\n".utf8))
                }
            }
        } catch let error as EvaluationError {
            throw ValidationError(error.description)
        }
        if let predictions {
            var lines = ""
            for p in report.predictions {
                let object: [String: Any] = ["question_id": p.id, "text": p.prediction, "reference": p.reference,
                                             "type": p.type, "correct": p.correct]
                let line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                lines += String(decoding: line, as: UTF8.self) + "\n"
            }
            try AtomicFile.write(lines, to: predictions)
        }
        if json {
            print(report.json().prettyPrinted())
            return
        }
        func percent(_ x: Double) -> String { String(format: "%5.1f%%", 100 * x) }
        if blankImages { print("(every image replaced by a blank one)") }
        print("type                n   accuracy   majority")
        for type in report.perType.keys.sorted() {
            let s = report.perType[type]!
            print(type.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%5d", s.n)
                  + "     " + percent(s.accuracy) + "     " + percent(s.majority))
        }
        print("overall         " + String(format: "%5d", report.n) + "     " + percent(report.accuracy) + "     " + percent(report.majority))
        if let loss = report.answerLoss, let tokens = report.answerTokens {
            print(String(format: "answer loss %.4f nats/token, perplexity %.3f (%d answer tokens)", loss, exp(loss), tokens))
        }
        for type in report.confusion.keys.sorted() {
            let pairs = report.confusion[type]!.map { "\($0.reference) → \($0.prediction.isEmpty ? "(nothing)" : $0.prediction) ×\($0.count)" }
            print("\(type) mistakes: " + pairs.joined(separator: "; "))
        }
    }
}
