import CCurl

/// One reusable libcurl easy handle. Owned by a single worker thread: never shared, so not Sendable.
/// Reusing the handle keeps its connection cache, so consecutive requests to a host reuse the connection.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        guard CurlGlobal.initialized, let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Runs one transfer to completion (blocking this thread).
    func perform(_ request: HTTPRequest, options: CurlHTTPClient.Options) -> Result<HTTPResponse, HTTPClientError> {
        // reset clears options but keeps live connections and the DNS and TLS session caches.
        curl_easy_reset(handle)
        errorBuffer[0] = 0

        let headerList: CurlHeaderList
        switch CurlHeaderList.make(for: request) {
        case .success(let list): headerList = list
        case .failure(let error): return .failure(error)
        }
        let sink = CurlTransferSink(maxBodyBytes: options.maxResponseBytes)

        var code = configure(request, options: options, headerList: headerList, sink: sink)
        if code == CURLE_OK {
            code = withExtendedLifetime((sink, headerList)) { curl_easy_perform(handle) }
        }
        if sink.bodyTooLarge {
            return .failure(.other(code: Int(CURLE_WRITE_ERROR.rawValue),
                                   message: "the response body is larger than \(options.maxResponseBytes) bytes"))
        }
        guard code == CURLE_OK else {
            return .failure(CurlErrorMapping.classify(code, detail: String(cString: errorBuffer)))
        }
        var status = 0
        _ = outreach_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: HTTPHeaders(sink.headers), body: sink.body))
    }

    private func configure(_ request: HTTPRequest, options: CurlHTTPClient.Options,
                           headerList: CurlHeaderList, sink: CurlTransferSink) -> CURLcode {
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var settings: [() -> CURLcode] = [
            { outreach_curl_setopt_string(self.handle, CURLOPT_URL, request.url) },
            { outreach_curl_setopt_long(self.handle, CURLOPT_NOSIGNAL, 1) },
            { outreach_curl_setopt_pointer(self.handle, CURLOPT_ERRORBUFFER, self.errorBuffer) },
            { outreach_curl_setopt_string(self.handle, CURLOPT_PROTOCOLS_STR, "http,https") },
            { outreach_curl_setopt_long(self.handle, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds) },
            { outreach_curl_setopt_long(self.handle, CURLOPT_TIMEOUT_MS, options.totalTimeoutMilliseconds) },
            { outreach_curl_setopt_string(self.handle, CURLOPT_USERAGENT, options.userAgent) },
            { outreach_curl_setopt_long(self.handle, CURLOPT_SSL_VERIFYPEER, 1) },
            { outreach_curl_setopt_long(self.handle, CURLOPT_SSL_VERIFYHOST, 2) },
            { outreach_curl_setopt_long(self.handle, CURLOPT_FOLLOWLOCATION, 0) },
            { outreach_curl_setopt_long(self.handle, CURLOPT_TCP_KEEPALIVE, 1) },
            // Reuse a connection only if it has been idle under 20 s (libcurl's default is 118 s). A provider that
            // closes idle connections at the same moment we send would make libcurl resend the POST on a fresh
            // connection, and a resent SMS could reach a senior twice; fresh connections make that race rarer.
            { outreach_curl_setopt_long(self.handle, CURLOPT_MAXAGE_CONN, 20) },
            { outreach_curl_setopt_slist(self.handle, CURLOPT_HTTPHEADER, headerList.pointer) },
            { outreach_curl_setopt_callback(self.handle, CURLOPT_WRITEFUNCTION, curlWriteBody) },
            { outreach_curl_setopt_pointer(self.handle, CURLOPT_WRITEDATA, sinkPointer) },
            { outreach_curl_setopt_callback(self.handle, CURLOPT_HEADERFUNCTION, curlWriteHeader) },
            { outreach_curl_setopt_pointer(self.handle, CURLOPT_HEADERDATA, sinkPointer) },
        ]
        settings += methodSettings(request)
        for setting in settings {
            let code = setting()
            if code != CURLE_OK { return code }
        }
        return CURLE_OK
    }

    private func methodSettings(_ request: HTTPRequest) -> [() -> CURLcode] {
        let sendsBody = !request.body.isEmpty || [.post, .put, .patch].contains(request.method)
        if sendsBody {
            var settings: [() -> CURLcode] = [
                // The size first, so COPYPOSTFIELDS copies exactly that many bytes (binary and empty bodies).
                { outreach_curl_setopt_off(self.handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)) },
                {
                    let bytes = request.body.isEmpty ? [0] : request.body
                    return bytes.withUnsafeBytes { buffer in
                        outreach_curl_setopt_pointer(self.handle, CURLOPT_COPYPOSTFIELDS,
                                                     UnsafeMutableRawPointer(mutating: buffer.baseAddress))
                    }
                },
            ]
            if request.method != .post {
                settings.append { outreach_curl_setopt_string(self.handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue) }
            }
            return settings
        }
        switch request.method {
        case .head: return [{ outreach_curl_setopt_long(self.handle, CURLOPT_NOBODY, 1) }]
        case .get: return [{ outreach_curl_setopt_long(self.handle, CURLOPT_HTTPGET, 1) }]
        default: return [{ outreach_curl_setopt_string(self.handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue) }]
        }
    }
}

private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                           _ context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let sink = Unmanaged<CurlTransferSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard length > 0, let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
    return sink.appendBody(bytes) ? length : 0
}

private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                             _ context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let sink = Unmanaged<CurlTransferSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard length > 0, let data else { return length }
    sink.appendHeaderLine(UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self),
                                              count: length))
    return length
}
