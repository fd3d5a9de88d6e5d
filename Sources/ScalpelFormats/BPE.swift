import Foundation

/// A BPE model: vocabulary, ranked merges, and how characters outside the vocabulary are handled.
///
/// Words arrive as UTF-8. In byte-level mode every byte starts as the token of its byte-level
/// character; otherwise every Unicode scalar starts as its own token, falling back to `<0xNN>` byte
/// tokens (`byteFallback`) or to the unknown token. Then the adjacent pair with the lowest merge
/// rank is merged (leftmost first among equals) until no pair has a merge — the order Hugging Face
/// `tokenizers` uses.
public struct BPE: Sendable {
    /// Token string → id.
    public let vocab: [String: Int]
    /// Id → token string (empty where an id has no token).
    public let idToToken: [String]
    /// Merges in rank order, as token-id pairs.
    public let merges: [(Int, Int)]
    public let unkTokenId: Int?
    public let byteFallback: Bool
    public let fuseUnk: Bool
    /// When a whole word is in the vocabulary, use it without merging (Llama 3 style).
    public let ignoreMerges: Bool
    /// Whether words are spelled in the byte-level alphabet.
    public let byteLevel: Bool

    /// (left id << 32 | right id) → (rank << 32 | merged id).
    let mergeTable: [UInt64: UInt64]
    /// The token of each byte: its byte-level character (byte-level mode) or `<0xNN>` (fallback).
    let byteTokens: [Int32]
    /// Single-scalar tokens, for the non-byte-level start.
    let scalarTokens: [UInt32: Int32]
    let cache: BPECache

    /// Builds a model.
    ///
    /// - Parameters:
    ///   - vocab: token → id; ids need not be dense.
    ///   - merges: pairs of token strings in rank order; each pair's concatenation must be in the vocabulary.
    ///   - file: named in errors.
    public init(vocab: [String: Int], merges: [(String, String)], unkToken: String? = nil, byteFallback: Bool = false,
                fuseUnk: Bool = false, ignoreMerges: Bool = false, byteLevel: Bool, file: String) throws {
        self.vocab = vocab
        let maxId = vocab.values.max() ?? -1
        var idToToken = [String](repeating: "", count: maxId + 1)
        for (token, id) in vocab {
            guard id >= 0 else { throw FormatError(file: file, "vocabulary: token \(token.debugDescription) has negative id \(id)") }
            idToToken[id] = token
        }
        self.idToToken = idToToken

        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        var mergePairs: [(Int, Int)] = []
        mergePairs.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = vocab[a] else { throw FormatError(file: file, "merge \(rank) (\(a) \(b)): \(a.debugDescription) is not in the vocabulary") }
            guard let ib = vocab[b] else { throw FormatError(file: file, "merge \(rank) (\(a) \(b)): \(b.debugDescription) is not in the vocabulary") }
            guard let merged = vocab[a + b] else {
                throw FormatError(file: file, "merge \(rank) (\(a) \(b)): \((a + b).debugDescription) is not in the vocabulary")
            }
            let key = UInt64(ia) << 32 | UInt64(ib)
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(merged) }
            mergePairs.append((ia, ib))
        }
        self.mergeTable = table
        self.merges = mergePairs

        if let unkToken {
            guard let id = vocab[unkToken] else { throw FormatError(file: file, "unk_token \(unkToken.debugDescription) is not in the vocabulary") }
            unkTokenId = id
        } else {
            unkTokenId = nil
        }
        self.byteFallback = byteFallback
        self.fuseUnk = fuseUnk
        self.ignoreMerges = ignoreMerges
        self.byteLevel = byteLevel

        var byteTokens = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            let token = byteLevel ? String(Character(ByteLevel.byteToScalar[b])) : String(format: "<0x%02X>", b)
            if let id = vocab[token] { byteTokens[b] = Int32(id) }
        }
        self.byteTokens = byteTokens
        var scalarTokens: [UInt32: Int32] = [:]
        if !byteLevel {
            for (token, id) in vocab {
                let scalars = token.unicodeScalars
                if scalars.count == 1 { scalarTokens[scalars.first!.value] = Int32(id) }
            }
        }
        self.scalarTokens = scalarTokens
        self.cache = BPECache()
    }

    /// The token string of an id.
    public func token(for id: Int) -> String? {
        id >= 0 && id < idToToken.count && !idToToken[id].isEmpty ? idToToken[id] : nil
    }

    /// Encodes one word (a pre-tokenizer output) and appends its ids.
    func encodeWord(_ word: [UInt8], into out: inout [Int]) {
        if word.isEmpty { return }
        let cacheable = word.count <= 64
        if cacheable, let hit = cache.lookup(word) {
            out.append(contentsOf: hit)
            return
        }
        if ignoreMerges {
            let spelled = byteLevel ? ByteLevel.encode(word) : String(decoding: word, as: UTF8.self)
            if let id = vocab[spelled] {
                out.append(id)
                return
            }
        }
        var symbols = initialSymbols(word)
        merge(&symbols)
        if cacheable { cache.store(word, symbols) }
        out.append(contentsOf: symbols)
    }

    /// The starting tokens of a word, before any merge.
    func initialSymbols(_ word: [UInt8]) -> [Int] {
        var symbols: [Int] = []
        symbols.reserveCapacity(word.count)
        if byteLevel {
            for b in word {
                let id = byteTokens[Int(b)]
                if id >= 0 {
                    symbols.append(Int(id))
                } else if let unk = unkTokenId {
                    if !(fuseUnk && symbols.last == unk) { symbols.append(unk) }
                }
            }
            return symbols
        }
        word.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                let (value, length) = decodeUTF8Scalar(p, at: i)
                if let id = scalarTokens[value] {
                    symbols.append(Int(id))
                } else if byteFallback, (i..<(i + length)).allSatisfy({ byteTokens[Int(p[$0])] >= 0 }) {
                    for k in i..<(i + length) { symbols.append(Int(byteTokens[Int(p[k])])) }
                } else if let unk = unkTokenId {
                    if !(fuseUnk && symbols.last == unk) { symbols.append(unk) }
                }
                i += length
            }
        }
        return symbols
    }

    /// Applies merges lowest rank first (leftmost among equal ranks) until none applies.
    func merge(_ symbols: inout [Int]) {
        let n = symbols.count
        if n < 2 { return }
        if n <= 16 {
            // Short words: scan for the best pair each round.
            while symbols.count >= 2 {
                var bestRank = UInt64.max
                var bestIndex = -1
                var bestId = 0
                for k in 0..<(symbols.count - 1) {
                    let key = UInt64(symbols[k]) << 32 | UInt64(symbols[k + 1])
                    if let value = mergeTable[key], value >> 32 < bestRank {
                        bestRank = value >> 32
                        bestIndex = k
                        bestId = Int(value & 0xFFFF_FFFF)
                    }
                }
                if bestIndex < 0 { return }
                symbols[bestIndex] = bestId
                symbols.remove(at: bestIndex + 1)
            }
            return
        }
        // Long words: a heap of candidate pairs over a linked list of symbols.
        var ids = symbols
        var nextIndex = Array(1...n)
        var prevIndex = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        @inline(__always) func push(_ k: Int) {
            let r = nextIndex[k]
            guard r < n else { return }
            let key = UInt64(ids[k]) << 32 | UInt64(ids[r])
            if let value = mergeTable[key] { heap.push((value & 0xFFFF_FFFF_0000_0000) | UInt64(k)) }
        }
        for k in 0..<(n - 1) { push(k) }
        while let top = heap.pop() {
            let rank = top >> 32
            let k = Int(top & 0xFFFF_FFFF)
            guard alive[k] else { continue }
            let r = nextIndex[k]
            guard r < n else { continue }
            let key = UInt64(ids[k]) << 32 | UInt64(ids[r])
            guard let value = mergeTable[key], value >> 32 == rank else { continue }
            ids[k] = Int(value & 0xFFFF_FFFF)
            alive[r] = false
            let rr = nextIndex[r]
            nextIndex[k] = rr
            if rr < n { prevIndex[rr] = k }
            if prevIndex[k] >= 0 { push(prevIndex[k]) }
            push(k)
        }
        symbols.removeAll(keepingCapacity: true)
        var k = 0
        while k < n {
            symbols.append(ids[k])
            k = nextIndex[k]
        }
    }
}

/// A binary min-heap of packed (rank, position) keys.
struct MinHeap {
    var items: [UInt64] = []

    mutating func push(_ x: UInt64) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= items[i] { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var i = 0
        let n = items.count
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var smallest = i
            if l < n, items[l] < items[smallest] { smallest = l }
            if r < n, items[r] < items[smallest] { smallest = r }
            if smallest == i { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return first
    }
}

/// Remembers the tokens of words already seen (bounded; cleared when full).
final class BPECache: @unchecked Sendable {
    private var entries: [[UInt8]: [Int]] = [:]
    private let lock = NSLock()
    private let capacity = 20_000

    func lookup(_ word: [UInt8]) -> [Int]? {
        lock.lock()
        defer { lock.unlock() }
        return entries[word]
    }

    func store(_ word: [UInt8], _ ids: [Int]) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[word] = ids
    }
}
