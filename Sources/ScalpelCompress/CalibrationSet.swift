import Foundation
import ScalpelFormats
import ScalpelModels

/// What a calibration position holds, so scores can be split by token class.
public enum CalibrationTokenClass: UInt8, Sendable {
    case padding = 0
    case text = 1
    case image = 2
}

/// A batch of calibration sequences, right-padded to one length: `batch` rows of `seqLen` positions.
///
/// `tokens` gives the ids (the image placeholder id at image positions, 0 at padding); `classes` marks
/// text, image and padding positions; `targets` holds, for each position, the next token when that
/// next token is real text (the loss criteria predict it) and `ignoreIndex` otherwise. `embeddings`,
/// when set, are the decoder's input rows (`[batch·seqLen, hidden]`, images spliced in); without it
/// the runner embeds `tokens` with the checkpoint's embedding matrix.
public struct CalibrationSet: @unchecked Sendable {
    public static let ignoreIndex: Int32 = -100

    public var batch: Int
    public var seqLen: Int
    public var tokens: [Int]
    public var classes: [CalibrationTokenClass]
    public var targets: [Int32]
    public var embeddings: FloatBuffer?
    /// Human-readable notes (fewer samples than asked, truncations).
    public var warnings: [String] = []

    /// `[batch, seqLen]`: 1 where a key may be attended (not padding).
    public var keyMask: [UInt8] { classes.map { $0 == .padding ? 0 : 1 } }
    /// Real (non-padding) positions.
    public var realTokens: Int { classes.reduce(0) { $0 + ($1 == .padding ? 0 : 1) } }
    /// Positions whose next token counts in the loss.
    public var predictedTokens: Int { targets.reduce(0) { $0 + ($1 == Self.ignoreIndex ? 0 : 1) } }
    /// The last real position of each sequence.
    public var lastPositions: [Int] {
        (0..<batch).map { b in
            var last = 0
            for t in 0..<seqLen where classes[b * seqLen + t] != .padding { last = t }
            return last
        }
    }

    /// Builds a set from sequences (each at most `seqLen` long, at least one token) with per-token classes.
    public init(sequences: [[Int]], classes sequenceClasses: [[CalibrationTokenClass]], seqLen: Int) throws {
        guard !sequences.isEmpty else { throw CompressError("the calibration data gave no samples") }
        guard sequences.count == sequenceClasses.count else { throw CompressError("each sequence needs its token classes") }
        let length = min(seqLen, sequences.map(\.count).max() ?? 0)
        guard length >= 2 else { throw CompressError("calibration samples need at least 2 tokens") }
        batch = sequences.count
        self.seqLen = length
        tokens = [Int](repeating: 0, count: batch * length)
        classes = [CalibrationTokenClass](repeating: .padding, count: batch * length)
        targets = [Int32](repeating: Self.ignoreIndex, count: batch * length)
        for (b, sequence) in sequences.enumerated() {
            let cls = sequenceClasses[b]
            let n = min(sequence.count, length)
            for t in 0..<n {
                tokens[b * length + t] = sequence[t]
                classes[b * length + t] = cls[t]
                if t + 1 < n, cls[t + 1] == .text { targets[b * length + t] = Int32(sequence[t + 1]) }
            }
        }
    }

    /// Plain text: the token stream cut into consecutive windows of `seqLen` (no special tokens, as
    /// `Perplexity` does), the first `samples` of them; a short last window is padded.
    public static func text(tokens stream: [Int], samples: Int, seqLen: Int) throws -> CalibrationSet {
        guard samples > 0, seqLen >= 2 else { throw CompressError("need at least one sample of at least 2 tokens (got \(samples) × \(seqLen))") }
        var windows: [[Int]] = []
        var start = 0
        while windows.count < samples, start < stream.count {
            let window = Array(stream[start..<min(start + seqLen, stream.count)])
            if window.count >= 2 { windows.append(window) }
            start += seqLen
        }
        guard !windows.isEmpty else { throw CompressError("the calibration text holds \(stream.count) tokens; at least 2 are needed") }
        var set = try CalibrationSet(sequences: windows, classes: windows.map { Array(repeating: .text, count: $0.count) }, seqLen: seqLen)
        if windows.count < samples {
            set.warnings.append("the text gave \(windows.count) sample(s) of up to \(seqLen) tokens, fewer than the \(samples) asked")
        }
        return set
    }
}

/// A problem with calibration data, scoring or pruning, worded for the user.
public struct CompressError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
