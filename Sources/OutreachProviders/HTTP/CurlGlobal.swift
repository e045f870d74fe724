import CCurl

/// `curl_global_init` exactly once per process, before the first easy handle.
enum CurlGlobal {
    /// Swift initializes a static `let` once, thread-safely, on first use.
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}
