import ScalpelTerm

/// Numbers as the workbench shows them, without Foundation formatting.
enum Quantity {
    /// Bytes in powers of 1000, as model cards quote them: `396.63 KB`, `1.42 GB`, `512 B`.
    static func bytes(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : NumberFormat.fixed(value, decimals: 2) + " " + units[unit]
    }

    /// A parameter count with thousands separators: `134,515,008`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A parameter count in short form: `134.52M`, `7.062B`, `135.0K`, `96`.
    static func count(_ n: Int) -> String {
        switch n {
        case 1_000_000_000...: NumberFormat.fixed(Double(n) / 1e9, decimals: 3) + "B"
        case 1_000_000...: NumberFormat.fixed(Double(n) / 1e6, decimals: 2) + "M"
        case 1_000...: NumberFormat.fixed(Double(n) / 1e3, decimals: 1) + "K"
        default: "\(n)"
        }
    }

    /// A share as a percentage with one decimal: `21.0%`.
    static func percent(_ part: Int, of total: Int) -> String {
        guard total > 0 else { return "–" }
        return NumberFormat.fixed(100 * Double(part) / Double(total), decimals: 1) + "%"
    }

    /// A float without a useless fractional part: `10000`, `500000`, `0.5`.
    static func plain(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return NumberFormat.short(value)
    }
}
