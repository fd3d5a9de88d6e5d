/// What `encode(_:addSpecialTokens: true)` adds around the ids: the `post_processor` of a
/// `tokenizer.json` (single sequences only).
public indirect enum TokenizerPostProcessor: Sendable, Equatable {
    /// `TemplateProcessing`: the pieces of the single-sequence template in order.
    case template([TemplatePiece])
    /// Byte-level offset trimming: nothing to do on ids.
    case byteLevel
    /// `BertProcessing` / `RobertaProcessing`: `cls $A sep`.
    case clsSep(cls: Int, sep: Int)
    case sequence([TokenizerPostProcessor])

    /// One piece of a template.
    public enum TemplatePiece: Sendable, Equatable {
        /// The input ids.
        case sequence
        /// Fixed ids (one special token, usually a single id).
        case special([Int])
    }

    /// The ids with the special tokens added.
    public func apply(_ ids: [Int]) -> [Int] {
        switch self {
        case .template(let pieces):
            var out: [Int] = []
            out.reserveCapacity(ids.count + pieces.count)
            for piece in pieces {
                switch piece {
                case .sequence: out.append(contentsOf: ids)
                case .special(let s): out.append(contentsOf: s)
                }
            }
            return out
        case .byteLevel:
            return ids
        case .clsSep(let cls, let sep):
            return [cls] + ids + [sep]
        case .sequence(let steps):
            return steps.reduce(ids) { $1.apply($0) }
        }
    }

    /// The template that adds `bos` before and `eos` after, when given (what transformers builds
    /// from `add_bos_token` / `add_eos_token`).
    public static func bosEos(bos: Int?, eos: Int?) -> TokenizerPostProcessor {
        var pieces: [TemplatePiece] = []
        if let bos { pieces.append(.special([bos])) }
        pieces.append(.sequence)
        if let eos { pieces.append(.special([eos])) }
        return .template(pieces)
    }
}
