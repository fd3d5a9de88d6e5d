/// Number-to-text helpers for labels, without Foundation.
public enum NumberFormat {
    /// `value` with exactly `decimals` digits after the point (`nan`, `inf`, `-inf` for non-finite values).
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let decimals = max(0, min(decimals, 12))
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return String(value) }
        let n = Int64(scaled)
        let s = Int64(scale)
        let whole = n / s
        var text = String(whole)
        if decimals > 0 {
            let frac = String(n % s)
            text += "." + String(repeating: "0", count: decimals - frac.count) + frac
        }
        return (value < 0 && n != 0 ? "-" : "") + text
    }

    /// A short label (at most about 7 columns): `0`, `0.125`, `3.14`, `42.5`, `1234`, `12.3k`, `4.5M`, `1.2e-5`.
    public static func short(_ value: Double) -> String {
        guard value.isFinite else { return fixed(value, decimals: 0) }
        let a = abs(value)
        if a == 0 { return "0" }
        let sign = value < 0 ? "-" : ""
        if a >= 1e4 {
            let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
            for (u, suffix) in units where a >= u {
                let v = a / u
                return sign + trimmed(fixed(v, decimals: v >= 100 ? 0 : 1)) + suffix
            }
        }
        if a >= 100 { return sign + fixed(a, decimals: 0) }
        if a >= 10 { return sign + trimmed(fixed(a, decimals: 1)) }
        if a >= 1 { return sign + trimmed(fixed(a, decimals: 2)) }
        if a >= 0.001 { return sign + trimmed(fixed(a, decimals: 3)) }
        var exponent = 0
        var m = a
        while m < 1 { m *= 10; exponent -= 1 }
        var mantissa = trimmed(fixed(m, decimals: 1))
        if mantissa == "10" { mantissa = "1"; exponent += 1 }
        return sign + mantissa + "e" + String(exponent)
    }

    /// The most precise label for `value` that fits in `width` columns: ``short(_:)`` when it fits,
    /// else fewer decimals, a unit suffix without decimals (`12k`) or a bare exponent (`1e-5`),
    /// rounded rather than cut; cut only when nothing fits.
    public static func fitting(_ value: Double, width: Int) -> String {
        let s = short(value)
        guard s.count > width, value.isFinite else { return s.count > width ? String(s.prefix(max(0, width))) : s }
        let a = abs(value)
        let sign = value < 0 ? "-" : ""
        var candidates: [String] = []
        if a >= 1000 {
            for (u, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where a >= u {
                candidates.append(sign + fixed(a / u, decimals: 0) + suffix)
                break
            }
        }
        for d in stride(from: 3, through: 0, by: -1) {
            let t = trimmed(fixed(value, decimals: d))
            if t != "0", t != "-0" { candidates.append(t) }
        }
        if a < 1 {
            var exponent = 0
            var m = a
            while m < 1 { m *= 10; exponent -= 1 }
            candidates.append(sign + fixed(m, decimals: 0) + "e" + String(exponent))
        }
        return candidates.first { $0.count <= width } ?? String(s.prefix(max(0, width)))
    }

    /// `text` without trailing zeros after a decimal point (and without a bare trailing point).
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var s = Substring(text)
        while s.last == "0" { s = s.dropLast() }
        if s.last == "." { s = s.dropLast() }
        return String(s)
    }
}
