import Foundation

/// Collects one transfer's response headers and body from libcurl's callbacks.
/// Lives only for the duration of one `curl_easy_perform` on one thread.
final class CurlTransferSink {
    private(set) var headers: [HTTPHeader] = []
    private(set) var body: [UInt8] = []
    private(set) var bodyTooLarge = false
    private let maxBodyBytes: Int

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
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
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: bytes[..<end], as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        if line.isEmpty { return }
        if line.first == " " || line.first == "\t", let last = headers.popLast() {
            // Obsolete line folding: a continuation of the previous value.
            let joined = last.value + " " + line.trimmingCharacters(in: .whitespaces)
            headers.append(HTTPHeader(name: last.name, value: joined))
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers.append(HTTPHeader(name: name, value: value))
    }
}
