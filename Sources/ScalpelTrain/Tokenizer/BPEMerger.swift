/// The merge loop of BPE training over counted words, with a priority queue of pair counts
/// (stale entries are skipped when popped) and an index from each pair to the words holding it.
struct BPEMerger {
    /// The bytes each id spells; empty for the special-token ids below `firstId`.
    private(set) var tokenBytes: [[UInt8]]
    /// The alphabet's bytes, in id order from `firstId`.
    let alphabet: [UInt8]
    /// Merges in rank order, as (left id, right id).
    private(set) var merges: [(Int, Int)] = []

    private var symbols: [[Int32]]
    private let counts: [Int]
    private var pairCounts: [UInt64: Int] = [:]
    private var pairWords: [UInt64: [Int32]] = [:]
    private var heap: [(count: Int, pair: UInt64)] = []
    private var idByBytes: [[UInt8]: Int] = [:]

    init(words: [[UInt8]: Int], fullByteAlphabet: Bool, firstId: Int) {
        let sortedWords = words.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var seen = [Bool](repeating: fullByteAlphabet, count: 256)
        for word in sortedWords { for b in word { seen[Int(b)] = true } }
        alphabet = (0..<256).filter { seen[$0] }.map { UInt8($0) }
        tokenBytes = Array(repeating: [], count: firstId) + alphabet.map { [$0] }
        var byteId = [Int32](repeating: -1, count: 256)
        for (i, b) in alphabet.enumerated() {
            byteId[Int(b)] = Int32(firstId + i)
            idByBytes[[b]] = firstId + i
        }
        symbols = sortedWords.map { $0.map { byteId[Int($0)] } }
        counts = sortedWords.map { words[$0]! }
        for (w, word) in symbols.enumerated() where word.count > 1 {
            for k in 0..<(word.count - 1) {
                let p = Self.key(word[k], word[k + 1])
                pairCounts[p, default: 0] += counts[w]
                pairWords[p, default: []].append(Int32(w))
            }
        }
        for (p, c) in pairCounts { push((c, p)) }
    }

    static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    /// Merges until there are `target` ids (specials below `firstId` included) or the best pair
    /// occurs fewer than `minFrequency` times. Pairs whose bytes `forbidden` rejects are never merged.
    mutating func run(untilTokens target: Int, minFrequency: Int, forbidden: ([UInt8]) -> Bool,
                      progress: ((Int, Int) -> Void)?) {
        while tokenBytes.count < target, let top = pop() {
            guard let current = pairCounts[top.pair], current == top.count else { continue }
            if current < minFrequency { break }
            let a = Int32(truncatingIfNeeded: top.pair >> 32), b = Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF)
            let bytes = tokenBytes[Int(a)] + tokenBytes[Int(b)]
            pairCounts[top.pair] = nil
            if forbidden(bytes) { continue }
            let merged: Int32
            if let existing = idByBytes[bytes] {
                merged = Int32(existing)
            } else {
                merged = Int32(tokenBytes.count)
                idByBytes[bytes] = tokenBytes.count
                tokenBytes.append(bytes)
            }
            merges.append((Int(a), Int(b)))
            apply(a, b, merged: merged, words: pairWords.removeValue(forKey: top.pair) ?? [])
            if let progress, merges.count % 64 == 0 { progress(tokenBytes.count, target) }
        }
        progress?(tokenBytes.count, target)
    }

    /// Replaces every (a, b) in the listed words by `merged`, updating pair counts and the index.
    private mutating func apply(_ a: Int32, _ b: Int32, merged: Int32, words: [Int32]) {
        var changed = Set<UInt64>()
        for w32 in words {
            let w = Int(w32)
            var word = symbols[w]
            guard word.count > 1, (0..<(word.count - 1)).contains(where: { word[$0] == a && word[$0 + 1] == b }) else { continue }
            let c = counts[w]
            for k in 0..<(word.count - 1) {
                let p = Self.key(word[k], word[k + 1])
                if p != Self.key(a, b) {
                    pairCounts[p, default: 0] -= c
                    changed.insert(p)
                }
            }
            var k = 0
            while k < word.count - 1 {
                if word[k] == a && word[k + 1] == b {
                    word[k] = merged
                    word.remove(at: k + 1)
                }
                k += 1
            }
            if word.count > 1 {
                for k in 0..<(word.count - 1) {
                    let p = Self.key(word[k], word[k + 1])
                    pairCounts[p, default: 0] += c
                    changed.insert(p)
                    if word[k] == merged || word[k + 1] == merged { pairWords[p, default: []].append(w32) }
                }
            }
            symbols[w] = word
        }
        for p in changed {
            guard let c = pairCounts[p] else { continue }
            if c <= 0 {
                pairCounts[p] = nil
                pairWords[p] = nil
            } else {
                push((c, p))
            }
        }
    }

    // MARK: - Priority queue: the highest count first; ties to the pair whose bytes sort first.

    private func before(_ x: (count: Int, pair: UInt64), _ y: (count: Int, pair: UInt64)) -> Bool {
        if x.count != y.count { return x.count > y.count }
        let xl = tokenBytes[Int(x.pair >> 32)], yl = tokenBytes[Int(y.pair >> 32)]
        if xl != yl { return xl.lexicographicallyPrecedes(yl) }
        return tokenBytes[Int(x.pair & 0xFFFF_FFFF)].lexicographicallyPrecedes(tokenBytes[Int(y.pair & 0xFFFF_FFFF)])
    }

    private mutating func push(_ entry: (count: Int, pair: UInt64)) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !before(heap[i], heap[parent]) { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func pop() -> (count: Int, pair: UInt64)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < heap.count, before(heap[l], heap[best]) { best = l }
            if r < heap.count, before(heap[r], heap[best]) { best = r }
            if best == i { break }
            heap.swapAt(i, best)
            i = best
        }
        return first
    }
}
