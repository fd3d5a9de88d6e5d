import Foundation

extension ProcessMemory {
    /// Starts a new peak: on Linux, writing 5 to `/proc/self/clear_refs` resets VmHWM to the current
    /// resident size, so the next `sample().peak` is the peak of what follows. Returns false where the
    /// system cannot (the peak then keeps counting from the process start).
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }
}
