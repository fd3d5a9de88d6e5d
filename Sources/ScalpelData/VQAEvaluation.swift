import Foundation

/// Exact-match scoring of answers to closed-form questions, per question type.
///
/// Answers are normalised before comparison: lower case, punctuation dropped (hyphens become spaces),
/// number words read as digits ("two" → "2"), British and American spellings merged ("gray" → "grey",
/// "color" → "colour"), a trailing full stop or filler ("the answer is ...") ignored. For numeric
/// references the first number in the prediction is compared; for list references the items
/// (split at commas, "and", "&" or ";") are compared as sets, in any order.
public enum VQAEvaluation {
    /// One question to score.
    public struct Item: Sendable {
        public var id: String
        public var type: String
        public var reference: String
        public init(id: String, type: String, reference: String) {
            self.id = id
            self.type = type
            self.reference = reference
        }
    }

    public struct TypeScore: Equatable, Sendable {
        /// Fraction answered correctly (0 when n is 0).
        public var accuracy: Double
        /// Questions of this type.
        public var n: Int
        /// Correct answers.
        public var correct: Int
        /// Accuracy of always giving the most common reference answer of this type.
        public var majority: Double
    }

    public struct Report: Equatable, Sendable {
        public var accuracy: Double
        public var n: Int
        public var correct: Int
        /// Question-weighted mean of the per-type majority baselines.
        public var majority: Double
        public var perType: [String: TypeScore]
        /// Ids with no prediction (scored as wrong).
        public var missing: [String]
    }

    static let numberWords: [String: String] = [
        "zero": "0", "none": "0", "no": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
        "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
    ]

    static let spellings: [String: String] = ["gray": "grey", "color": "colour", "colors": "colours"]

    /// Lower case, punctuation removed, number words as digits, spellings merged, spaces collapsed.
    public static func normalise(_ text: String) -> String {
        var cleaned = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "," || ch == ";" || ch == "&" { cleaned.append(ch) } else { cleaned.append(" ") }
        }
        let words = cleaned.replacingCommaSpacing().split(separator: " ").map { w -> String in
            let s = String(w)
            return spellings[s] ?? s
        }
        var text = words.joined(separator: " ")
        for filler in ["the answer is ", "answer ", "it is ", "the lesion is ", "this lesion is ", "the lesion has "] where text.hasPrefix(filler) {
            text.removeFirst(filler.count)
        }
        return text
    }

    /// The first number (digits or a number word) in normalised text.
    static func firstNumber(_ text: String) -> String? {
        for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" }) {
            let w = String(word)
            if w.allSatisfy(\.isNumber) { return w }
            if let n = numberWords[w], w != "no" { return n }
            if w == "no" { return "0" }
        }
        return nil
    }

    static func listItems(_ text: String) -> Set<String> {
        let separated = text.replacingOccurrences(of: " and ", with: ",")
            .replacingOccurrences(of: "&", with: ",").replacingOccurrences(of: ";", with: ",")
        return Set(separated.split(separator: ",").map { $0.split(separator: " ").joined(separator: " ") }
            .filter { !$0.isEmpty && $0 != "and" })
    }

    /// Whether `prediction` matches `reference` after normalisation.
    public static func matches(prediction: String, reference: String) -> Bool {
        let p = normalise(prediction), r = normalise(reference)
        if p == r { return true }
        if r.allSatisfy(\.isNumber), !r.isEmpty {
            return firstNumber(p) == r
        }
        if r.contains(",") || p.contains(",") || p.contains(" and ") {
            return listItems(p) == listItems(r)
        }
        return false
    }

    /// Scores `predictions` (question id → answer text) against `items`.
    public static func score(items: [Item], predictions: [String: String]) -> Report {
        var perType: [String: TypeScore] = [:]
        var answersByType: [String: [String: Int]] = [:]
        var missing: [String] = []
        var correct = 0
        for item in items {
            var s = perType[item.type] ?? TypeScore(accuracy: 0, n: 0, correct: 0, majority: 0)
            s.n += 1
            if let p = predictions[item.id] {
                if matches(prediction: p, reference: item.reference) {
                    s.correct += 1
                    correct += 1
                }
            } else {
                missing.append(item.id)
            }
            perType[item.type] = s
            answersByType[item.type, default: [:]][normalise(item.reference), default: 0] += 1
        }
        var majorityCorrect = 0
        for (type, var s) in perType {
            let top = answersByType[type]?.values.max() ?? 0
            majorityCorrect += top
            s.accuracy = s.n == 0 ? 0 : Double(s.correct) / Double(s.n)
            s.majority = s.n == 0 ? 0 : Double(top) / Double(s.n)
            perType[type] = s
        }
        let n = items.count
        return Report(accuracy: n == 0 ? 0 : Double(correct) / Double(n), n: n, correct: correct,
                      majority: n == 0 ? 0 : Double(majorityCorrect) / Double(n), perType: perType, missing: missing)
    }

    /// Scores predictions for SynthDerm records.
    public static func score(records: [SynthDerm.Record], predictions: [String: String]) -> Report {
        score(items: records.map { Item(id: $0.id, type: $0.type.rawValue, reference: $0.answer) }, predictions: predictions)
    }
}

extension String {
    /// Commas, semicolons and ampersands as separate tokens, so "a,b" and "a , b" normalise alike.
    fileprivate func replacingCommaSpacing() -> String {
        var out = ""
        for ch in self {
            if ch == "," || ch == ";" || ch == "&" { out += " \(ch) " } else { out.append(ch) }
        }
        return out
    }
}

extension VQAEvaluation {
    /// Questions from LLaVA conversation JSON: each record's first human turn is the question and the
    /// following gpt turn the reference; `type` is the record's `type` key, or "all" when it has none.
    public static func items(conversationJSON data: Data, file: String = "<data>") throws -> [Item] {
        guard let records = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw EvaluationError("\(file): not a JSON array of conversation records")
        }
        return try records.enumerated().map { index, record in
            guard let id = record["id"] as? String ?? (record["id"] as? NSNumber)?.stringValue else {
                throw EvaluationError("\(file): record \(index) has no id")
            }
            guard let turns = record["conversations"] as? [[String: Any]],
                  let gpt = turns.first(where: { ($0["from"] as? String) == "gpt" }),
                  let reference = gpt["value"] as? String
            else {
                throw EvaluationError("\(file): record \(id) has no gpt answer")
            }
            return Item(id: id, type: record["type"] as? String ?? "all", reference: reference)
        }
    }

    /// Predictions as question id → answer text, from either a JSON object {"id": "answer", ...} or
    /// JSON lines of {"question_id" or "id": ..., "text" or "answer": ...} (LLaVA's model_vqa output).
    public static func predictions(_ data: Data, file: String = "<predictions>") throws -> [String: String] {
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            if object["question_id"] == nil && object["id"] == nil {
                var out: [String: String] = [:]
                for (k, v) in object {
                    guard let s = v as? String else { throw EvaluationError("\(file): the answer for \(k) is not a string") }
                    out[k] = s
                }
                return out
            }
        }
        var out: [String: String] = [:]
        let text = String(decoding: data, as: UTF8.self)
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard let entry = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw EvaluationError("\(file):\(number + 1): not a JSON object")
            }
            let rawID = entry["question_id"] ?? entry["id"]
            guard let id = rawID as? String ?? (rawID as? NSNumber)?.stringValue else {
                throw EvaluationError("\(file):\(number + 1): no question_id or id")
            }
            guard let answer = entry["text"] as? String ?? entry["answer"] as? String else {
                throw EvaluationError("\(file):\(number + 1): no text or answer")
            }
            out[id] = answer
        }
        return out
    }
}

/// A problem with an evaluation input, in words a user can act on.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
