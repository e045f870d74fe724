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
        var hasExpect = false
        var hasContentType = false
        for field in request.headers {
            // Bytes, not Characters: CR and LF are what could split a header (injection); this runs per request.
            if field.name.isEmpty || field.name.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: " ") || isLineBreak($0) }) {
                return .failure(.other(code: -1, message: "header name '\(field.name)' is not valid"))
            }
            if field.value.utf8.contains(where: isLineBreak) {
                return .failure(.other(code: -1, message: "header '\(field.name)' contains a line break"))
            }
            hasExpect = hasExpect || HTTPHeaders.sameName(field.name, "Expect")
            hasContentType = hasContentType || HTTPHeaders.sameName(field.name, "Content-Type")
            // "Name;" is curl's way to send a header with an empty value ("Name:" would remove it).
            guard list.append(field.value.isEmpty ? field.name + ";" : field.name + ": " + field.value) else { return outOfMemory }
        }
        if !hasExpect, !list.append("Expect:") { return outOfMemory }
        if !hasContentType, !list.append("Content-Type:") { return outOfMemory }
        return .success(list)
    }

    /// Appends one line (libcurl copies it); false when out of memory.
    private func append(_ line: String) -> Bool {
        guard let appended = curl_slist_append(pointer, line) else { return false }
        pointer = appended
        return true
    }

    private static var outOfMemory: Result<CurlHeaderList, HTTPClientError> {
        .failure(.other(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "out of memory building headers"))
    }

    private static func isLineBreak(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") }
}
