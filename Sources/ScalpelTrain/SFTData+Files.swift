import Foundation
import ScalpelFormats
import ScalpelModels

extension SFTData {
    /// Training samples from a data file: a `.json` file is LLaVA-style conversations (answer-only
    /// labels, rendered with `format`), anything else plain UTF-8 text cut into windows of `seqLen`
    /// tokens. Conversations longer than `seqLen` are truncated.
    ///
    /// With `images` (a LLaVA model's settings), conversations may show an image: its path is read
    /// relative to the JSON file, decoded and preprocessed once however many samples share it, and
    /// its `<image>` token expanded to the feature count. Without them, image samples are refused.
    ///
    /// - Throws: `FormatError` naming the file for unreadable or malformed data (an image file
    ///   included), or when nothing is left to train on (text shorter than one window, or every label
    ///   masked).
    public static func load(path: String, tokenizer: Tokenizer, format: ChatFormat, seqLen: Int,
                            images: SFTImageSettings? = nil) throws -> [TrainingSample] {
        guard seqLen > 1 else { throw FormatError(file: path, "sequence length must be at least 2 (got \(seqLen))") }
        let samples: [TrainingSample]
        if path.lowercased().hasSuffix(".json") {
            let json = try JSONValue.read(contentsOf: URL(fileURLWithPath: path))
            if let settings = images {
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
                var cache: [String: [Float]] = [:]
                samples = try llavaRecords(json: json, file: path).enumerated().map { index, record in
                    var pixels: [[Float]] = []
                    if let image = record.image {
                        let file = image.hasPrefix("/") ? image : folder.appendingPathComponent(image).path
                        if let cached = cache[file] {
                            pixels = [cached]
                        } else {
                            let values = try settings.pixelValues(fileAt: file)
                            cache[file] = values
                            pixels = [values]
                        }
                    }
                    do {
                        return try conversation(record.messages, images: pixels, format: format, tokenizer: tokenizer,
                                                settings: settings, maxLength: seqLen)
                    } catch let error as ModelError {
                        throw FormatError(file: path, "sample \(index)\(record.id.map { " (id \($0))" } ?? ""): \(error.description)")
                    }
                }
            } else {
                samples = try llavaConversations(json: json, file: path).map {
                    conversation($0, format: format, tokenizer: tokenizer, maxLength: seqLen)
                }
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
