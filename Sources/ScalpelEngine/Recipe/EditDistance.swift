/// Levenshtein distance between two strings, over characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The candidate closest to `word` by edit distance, when close enough to be a likely typo (at most
/// a third of the longer word's length, and at least 1 edit allowed); ties go to the earlier candidate.
func closestMatch(to word: String, among candidates: [String]) -> String? {
    var best: (name: String, distance: Int)?
    for c in candidates {
        let d = editDistance(word.lowercased(), c.lowercased())
        if d < (best?.distance ?? Int.max) { best = (c, d) }
    }
    guard let best else { return nil }
    let allowed = max(1, max(word.count, best.name.count) / 3)
    return best.distance <= allowed ? best.name : nil
}
