import Foundation
import ScalpelData
import ScalpelFormats

/// The result of a VQA evaluation: exact-match accuracy overall and per question type, the
/// majority-answer baseline beside each, the most frequent mistakes, and every answer given.
public struct VQAReport: Sendable, Equatable {
    /// One question's outcome.
    public struct Prediction: Sendable, Equatable {
        public var id: String
        public var type: String
        public var reference: String
        /// The generated answer (cut at the chat format's stop strings, trimmed).
        public var prediction: String
        public var correct: Bool
    }

    /// A wrong answer and how often it was given for that reference (normalised texts).
    public struct Confusion: Sendable, Equatable {
        public var reference: String
        public var prediction: String
        public var count: Int
    }

    /// Fraction answered correctly.
    public var accuracy: Double
    /// Questions scored.
    public var n: Int
    public var correct: Int
    /// Question-weighted mean of the per-type majority baselines.
    public var majority: Double
    /// Per question type: accuracy, n, correct and majority baseline (share of the most common reference).
    public var perType: [String: VQAEvaluation.TypeScore]
    /// Per question type, the most frequent wrong (reference, prediction) pairs, most frequent first.
    public var confusion: [String: [Confusion]]
    /// Every answer, in dataset order.
    public var predictions: [Prediction]
    /// Whether every image was replaced by a blank one.
    public var blankImages: Bool
    /// Mean negative log-likelihood of the reference answers' tokens (nats), when asked for.
    public var answerLoss: Double?
    /// Answer tokens the loss is averaged over.
    public var answerTokens: Int?

    /// Wrong-answer pairs kept per type.
    public static let confusionLimit = 5

    /// Scores answers (question id → text) against `items`, as `VQAEvaluation.score` does, and
    /// adds the confusion summary and the per-question outcomes.
    public static func score(items: [VQAEvaluation.Item], answers: [String: String], blankImages: Bool = false) -> VQAReport {
        let base = VQAEvaluation.score(items: items, predictions: answers)
        var predictions: [Prediction] = []
        var wrong: [String: [Pair: Int]] = [:]
        for item in items {
            let answer = answers[item.id] ?? ""
            let ok = answers[item.id] != nil && VQAEvaluation.matches(prediction: answer, reference: item.reference)
            predictions.append(Prediction(id: item.id, type: item.type, reference: item.reference, prediction: answer, correct: ok))
            if !ok {
                let pair = Pair(reference: Self.shown(item.reference), prediction: Self.shown(answer))
                wrong[item.type, default: [:]][pair, default: 0] += 1
            }
        }
        var confusion: [String: [Confusion]] = [:]
        for (type, pairs) in wrong {
            confusion[type] = pairs.sorted { a, b in
                a.value != b.value ? a.value > b.value
                    : (a.key.reference, a.key.prediction) < (b.key.reference, b.key.prediction)
            }.prefix(confusionLimit).map { Confusion(reference: $0.key.reference, prediction: $0.key.prediction, count: $0.value) }
        }
        return VQAReport(accuracy: base.accuracy, n: base.n, correct: base.correct, majority: base.majority,
                         perType: base.perType, confusion: confusion, predictions: predictions, blankImages: blankImages,
                         answerLoss: nil, answerTokens: nil)
    }

    /// The normalised text, list separators written as in prose ("a, b" rather than "a , b").
    static func shown(_ text: String) -> String {
        VQAEvaluation.normalise(text).replacingOccurrences(of: " , ", with: ", ").replacingOccurrences(of: " ; ", with: "; ")
    }

    struct Pair: Hashable {
        var reference: String
        var prediction: String
    }

    /// The report as JSON: `accuracy`, `n`, `correct`, `majority`, `blank_images`,
    /// `per_type` {type: {accuracy, n, correct, majority}} and `confusion` {type: [{reference,
    /// prediction, count}]}; with the answer loss, `answer_loss`, `answer_perplexity` (exp of the
    /// loss) and `answer_tokens`; with `includePredictions`, `predictions` [{id, type, reference,
    /// prediction, correct}].
    public func json(includePredictions: Bool = false) -> JSONValue {
        var perTypeJSON: [String: JSONValue] = [:]
        for (type, s) in perType {
            perTypeJSON[type] = .object(["accuracy": .double(s.accuracy), "n": .int(s.n), "correct": .int(s.correct),
                                         "majority": .double(s.majority)])
        }
        var confusionJSON: [String: JSONValue] = [:]
        for (type, pairs) in confusion {
            confusionJSON[type] = .array(pairs.map {
                .object(["reference": .string($0.reference), "prediction": .string($0.prediction), "count": .int($0.count)])
            })
        }
        var object: [String: JSONValue] = [
            "accuracy": .double(accuracy), "n": .int(n), "correct": .int(correct), "majority": .double(majority),
            "blank_images": .bool(blankImages), "per_type": .object(perTypeJSON), "confusion": .object(confusionJSON),
        ]
        if let answerLoss, let answerTokens {
            object["answer_loss"] = .double(answerLoss)
            object["answer_perplexity"] = .double(exp(answerLoss))
            object["answer_tokens"] = .int(answerTokens)
        }
        if includePredictions {
            object["predictions"] = .array(predictions.map {
                .object(["id": .string($0.id), "type": .string($0.type), "reference": .string($0.reference),
                         "prediction": .string($0.prediction), "correct": .bool($0.correct)])
            })
        }
        return .object(object)
    }
}
