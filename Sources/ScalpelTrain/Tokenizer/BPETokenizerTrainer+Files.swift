import Foundation
import ScalpelFormats

extension BPETokenizerTrainer {
    /// Adds a corpus file: `.json` is LLaVA conversation JSON (each conversation rendered with
    /// `format` is one sequence), anything else UTF-8 text (one sequence per line).
    ///
    /// - Throws: `FormatError` naming the file when it cannot be read or parsed.
    public mutating func add(corpusFile path: String, format: ChatFormat = .llava1_5) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FormatError(file: path, "cannot read the corpus file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw FormatError(file: path, "not UTF-8 text") }
        if path.lowercased().hasSuffix(".json") {
            let json = try JSONValue.parse(Array(data), file: path)
            for record in try SFTData.llavaRecords(json: json, file: path) {
                add(sequence: format.render(record.messages, addGenerationPrompt: false))
            }
        } else {
            add(text: text)
        }
    }
}
