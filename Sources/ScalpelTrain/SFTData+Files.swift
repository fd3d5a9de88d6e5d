import Foundation
import ScalpelFormats

extension SFTData {
    /// Training samples from a data file: a `.json` file is LLaVA-style conversations (answer-only
    /// labels, rendered with `format`), anything else plain UTF-8 text cut into windows of `seqLen`
    /// tokens. Conversations longer than `seqLen` are truncated.
    ///
    /// - Throws: `FormatError` naming the file for unreadable or malformed data, or when nothing is
    ///   left to train on (text shorter than one window, or every label masked).
    public static func load(path: String, tokenizer: Tokenizer, format: ChatFormat, seqLen: Int) throws -> [TrainingSample] {
        guard seqLen > 1 else { throw FormatError(file: path, "sequence length must be at least 2 (got \(seqLen))") }
        let samples: [TrainingSample]
        if path.lowercased().hasSuffix(".json") {
            let json = try JSONValue.read(contentsOf: URL(fileURLWithPath: path))
            samples = try llavaConversations(json: json, file: path).map {
                conversation($0, format: format, tokenizer: tokenizer, maxLength: seqLen)
            }
        } else {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw FormatError(file: path, "cannot read the file (\(error.localizedDescription))")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw FormatError(file: path, "not UTF-8 text") }
            samples = textWindows(text: text, tokenizer: tokenizer, length: seqLen)
            if samples.isEmpty {
                throw FormatError(file: path, "the text is shorter than one window of \(seqLen) tokens")
            }
        }
        guard samples.contains(where: { $0.labels.dropFirst().contains { $0 != Int(TrainingBatch.ignoreIndex) } }) else {
            throw FormatError(file: path, "no sample has a token to train on (empty data, or no assistant turn)")
        }
        return samples
    }
}
