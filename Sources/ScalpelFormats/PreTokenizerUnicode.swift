/// Character classes the split patterns use (`\p{L}`, `\p{N}`, `\s`), over Unicode scalars decoded
/// from UTF-8, with a table for ASCII.
enum ScalarClass: UInt8 {
    case letter, number, whitespace, other

    /// Classes of the 128 ASCII scalars.
    static let ascii: [ScalarClass] = (0..<128).map { b -> ScalarClass in
        switch b {
        case 0x41...0x5A, 0x61...0x7A: .letter
        case 0x30...0x39: .number
        case 0x09...0x0D, 0x20: .whitespace
        default: .other
        }
    }

    /// The class of any scalar: `\p{L}`, `\p{N}`, Unicode `White_Space` (what Oniguruma's `\s`
    /// matches), or none of them.
    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        if value < 128 { return ascii[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return .other }
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }
}

/// Decodes the scalar that starts at `index` in valid UTF-8; returns its value and byte length.
@inline(__always)
func decodeUTF8Scalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (value: UInt32, length: Int) {
    let b0 = UInt32(bytes[index])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0, index + 1 < bytes.count {
        return ((b0 & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), 2)
    }
    if b0 < 0xF0, index + 2 < bytes.count {
        return ((b0 & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F), 3)
    }
    if index + 3 < bytes.count {
        return ((b0 & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
            | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F), 4)
    }
    return (0xFFFD, 1)
}
