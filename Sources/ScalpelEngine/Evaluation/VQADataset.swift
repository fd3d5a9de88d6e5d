import Foundation
import ScalpelData
import ScalpelFormats
import ScalpelTrain

/// Questions to evaluate, from LLaVA conversation JSON: each record's turns up to its first `gpt`
/// turn are the prompt, that turn is the reference answer, `type` (or "all") is the question type
/// and `image` a path relative to the JSON file's folder.
public struct VQADataset: Sendable {
    /// One question.
    public struct Record: Sendable, Equatable {
        public var id: String
        public var type: String
        /// The turns before the answer (`ChatMessage.images` marks the turn that shows the image).
        public var prompt: [ChatMessage]
        public var reference: String
        /// The image's absolute path, if the record has one.
        public var image: String?

        public init(id: String, type: String, prompt: [ChatMessage], reference: String, image: String?) {
            self.id = id
            self.type = type
            self.prompt = prompt
            self.reference = reference
            self.image = image
        }
    }

    /// The file the records came from.
    public let path: String
    public let records: [Record]

    public init(path: String, records: [Record]) {
        self.path = path
        self.records = records
    }

    /// Reads a conversation JSON file.
    ///
    /// - Throws: `EvaluationError` naming the file and record for a missing id, a repeated id, a
    ///   record with no answer, or an unreadable file.
    public init(contentsOf path: String) throws {
        let json: JSONValue
        do {
            json = try JSONValue.read(contentsOf: URL(fileURLWithPath: path))
        } catch let error as FormatError {
            throw EvaluationError(error.description)
        }
        let raw: [(id: String?, image: String?, messages: [ChatMessage])]
        do { raw = try SFTData.llavaRecords(json: json, file: path) } catch let error as FormatError {
            throw EvaluationError(error.description)
        }
        let list = json.array ?? []
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var seen = Set<String>()
        var records: [Record] = []
        for (index, record) in raw.enumerated() {
            guard let id = record.id else { throw EvaluationError("\(path): record \(index) has no id") }
            guard seen.insert(id).inserted else { throw EvaluationError("\(path): id \(id) appears twice") }
            guard let answerIndex = record.messages.firstIndex(where: { $0.role == "assistant" }) else {
                throw EvaluationError("\(path): record \(id) has no gpt answer")
            }
            let prompt = Array(record.messages[..<answerIndex])
            guard prompt.contains(where: { $0.role == "user" }) else {
                throw EvaluationError("\(path): record \(id) has no human turn before its answer")
            }
            let image = record.image.map { $0.hasPrefix("/") ? $0 : folder.appendingPathComponent($0).path }
            records.append(Record(id: id, type: list[index]["type"]?.string ?? "all", prompt: prompt,
                                  reference: record.messages[answerIndex].text, image: image))
        }
        self.init(path: path, records: records)
    }

    /// The records for scoring.
    public var items: [VQAEvaluation.Item] {
        records.map { VQAEvaluation.Item(id: $0.id, type: $0.type, reference: $0.reference) }
    }
}
