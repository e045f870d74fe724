import Foundation

/// Resident-set figures of this process from /proc/self/status (Linux). Elsewhere every figure is nil.
enum ProcessMemory {
    /// Current resident set, KiB.
    static func residentKB() -> Int? { statusField("VmRSS:") }

    /// Peak resident set ("high water mark"), KiB.
    static func peakKB() -> Int? { statusField("VmHWM:") }

    /// Resets the peak to the current resident set. Returns false when the kernel does not allow it.
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    private static func statusField(_ name: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/self/status") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            // "VmHWM:\t   12345 kB"
            return line.dropFirst(name.count).split(separator: " ").lazy.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.first
        }
        return nil
    }
}
