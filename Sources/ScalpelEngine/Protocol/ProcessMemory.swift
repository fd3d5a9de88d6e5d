import Foundation
import ScalpelCompress

/// The engine process's resident memory, in bytes.
public struct ProcessMemory: Sendable, Equatable {
    /// Resident set size now.
    public var resident: Int
    /// The largest resident set size so far.
    public var peak: Int

    /// Reads `/proc/self/status` (VmRSS, VmHWM); where that is missing, falls back to `getrusage` for the
    /// peak and reports it as the current size too.
    public static func sample() -> ProcessMemory {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            var rss: Int?, hwm: Int?
            for line in status.split(separator: "\n") {
                if line.hasPrefix("VmRSS:") { rss = kibibytes(line) }
                if line.hasPrefix("VmHWM:") { hwm = kibibytes(line) }
            }
            if let rss, let hwm { return ProcessMemory(resident: rss, peak: max(rss, hwm)) }
        }
        let peak = peakResidentBytes()
        return ProcessMemory(resident: peak, peak: peak)
    }

    /// `VmRSS:   123456 kB` → bytes.
    private static func kibibytes(_ line: Substring) -> Int? {
        let digits = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
        return digits.flatMap { Int($0) }.map { $0 * 1024 }
    }
}
