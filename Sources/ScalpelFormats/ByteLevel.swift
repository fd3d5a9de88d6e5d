/// GPT-2's reversible map between bytes and printable characters.
///
/// Byte-level BPE vocabularies spell every token in this alphabet: the printable bytes `!`…`~`,
/// `¡`…`¬` and `®`…`ÿ` stand for themselves, the other 68 bytes become U+0100… in byte order
/// (so a space is `Ġ` and a newline `Ċ`).
public enum ByteLevel {
    /// The character that spells each byte.
    public static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each alphabet character spells; nil for characters outside the alphabet.
    public static let scalarToByte: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s] = UInt8(b) }
        return map
    }()

    /// Spells bytes in the byte-level alphabet.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// The bytes a byte-level string spells, or nil when it has a character outside the alphabet.
    public static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for s in token.unicodeScalars {
            guard let b = scalarToByte[s] else { return nil }
            out.append(b)
        }
        return out
    }

    /// Whether every character of `token` is in the byte-level alphabet.
    public static func isSpelled(_ token: String) -> Bool {
        token.unicodeScalars.allSatisfy { scalarToByte[$0] != nil }
    }
}
