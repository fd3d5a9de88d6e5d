extension QuantizedLinear {
    /// `codes` at `bits` bits each (1…8), least significant bit first in a continuous little-endian bit
    /// stream: 4-bit codes two to a byte (the first in the low nibble), 3-bit codes crossing byte
    /// boundaries, 8-bit codes unchanged. The last byte is padded with zero bits.
    static func packCodes(_ codes: [UInt8], bits: Int) -> [UInt8] {
        precondition((1...8).contains(bits), "codes of \(bits) bits")
        if bits == 8 { return codes }
        var out = [UInt8](repeating: 0, count: (codes.count * bits + 7) / 8)
        out.withUnsafeMutableBufferPointer { dst in
            codes.withUnsafeBufferPointer { src in
                let mask = UInt64(1) << UInt64(bits) - 1
                var acc: UInt64 = 0, held = 0, o = 0
                for c in src {
                    acc |= (UInt64(c) & mask) << UInt64(held)
                    held += bits
                    while held >= 8 {
                        dst[o] = UInt8(truncatingIfNeeded: acc)
                        o += 1
                        acc >>= 8
                        held -= 8
                    }
                }
                if held > 0 { dst[o] = UInt8(truncatingIfNeeded: acc) }
            }
        }
        return out
    }

    /// The `count` codes of `bits` bits each that `packCodes` stored in `packed`.
    static func unpackCodes(_ packed: [UInt8], count: Int, bits: Int) -> [UInt8] {
        precondition((1...8).contains(bits) && packed.count >= (count * bits + 7) / 8, "\(packed.count) bytes for \(count) codes of \(bits) bits")
        if bits == 8 { return Array(packed.prefix(count)) }
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { dst in
            packed.withUnsafeBufferPointer { src in
                let mask = UInt64(1) << UInt64(bits) - 1
                var acc: UInt64 = 0, held = 0, i = 0
                for k in 0..<count {
                    if held < bits {
                        acc |= UInt64(src[i]) << UInt64(held)
                        i += 1
                        held += 8
                    }
                    dst[k] = UInt8(truncatingIfNeeded: acc & mask)
                    acc >>= UInt64(bits)
                    held -= bits
                }
            }
        }
        return out
    }
}
