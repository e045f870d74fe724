import Foundation

/// Collects one transfer's response headers and body from libcurl's callbacks.
/// Owned by one easy handle on one thread, and reset before each transfer.
final class CurlTransferSink {
    private(set) var headers: [HTTPHeader] = []
    private(set) var body: [UInt8] = []
    private(set) var bodyTooLarge = false
    private let maxBodyBytes: Int

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Forgets the previous transfer. Fresh arrays: the previous response still shares the old ones.
    func reset() {
        headers = []
        body = []
        bodyTooLarge = false
    }

    /// Returns false to make libcurl abort the transfer.
    func appendBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard body.count + bytes.count <= maxBodyBytes else {
            bodyTooLarge = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// One raw header line, CRLF included. A status line starts a new response (after a 1xx or a redirect),
    /// so earlier headers are dropped.
    func appendHeaderLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        // Byte-level: this runs for every header of every response, and Foundation's trimming is slow here.
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end == 0 { return }
        if end >= 5, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
           bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/") {
            headers.removeAll()  // a new status line (after a 100 Continue or a redirect): start over
            return
        }
        if Self.isBlank(bytes[0]), let last = headers.popLast() {
            // Obsolete line folding: a continuation of the previous value.
            let joined = last.value + " " + Self.trimmed(bytes, from: 0, to: end)
            headers.append(HTTPHeader(name: last.name, value: joined))
            return
        }
        guard let colon = bytes[..<end].firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: bytes[..<colon], as: UTF8.self)
        headers.append(HTTPHeader(name: name, value: Self.trimmed(bytes, from: colon + 1, to: end)))
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    /// The bytes in `start..<end` without surrounding spaces and tabs, as text.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> String {
        var start = start
        var end = end
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
