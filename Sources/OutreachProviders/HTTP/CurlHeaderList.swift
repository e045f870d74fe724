import CCurl

/// A `curl_slist` of request headers, freed when this goes away.
final class CurlHeaderList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    private init() {}

    deinit { curl_slist_free_all(pointer) }

    /// The request's headers, plus `Expect:` (no 100-continue wait) and `Content-Type:` (no curl default)
    /// removals unless the caller set them. Rejects line breaks (header injection).
    static func make(for request: HTTPRequest) -> Result<CurlHeaderList, HTTPClientError> {
        let list = CurlHeaderList()
        var lines: [String] = []
        for field in request.headers {
            // Bytes, not Characters: CR and LF are what could split a header (injection); this runs per request.
            if field.name.isEmpty || field.name.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: " ") || isLineBreak($0) }) {
                return .failure(.other(code: -1, message: "header name '\(field.name)' is not valid"))
            }
            if field.value.utf8.contains(where: isLineBreak) {
                return .failure(.other(code: -1, message: "header '\(field.name)' contains a line break"))
            }
            // "Name;" is curl's way to send a header with an empty value ("Name:" would remove it).
            lines.append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        if !request.headers.contains("Expect") { lines.append("Expect:") }
        if !request.headers.contains("Content-Type") { lines.append("Content-Type:") }
        for line in lines {
            guard let appended = curl_slist_append(list.pointer, line) else {
                return .failure(.other(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "out of memory building headers"))
            }
            list.pointer = appended
        }
        return .success(list)
    }

    private static func isLineBreak(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") }
}
