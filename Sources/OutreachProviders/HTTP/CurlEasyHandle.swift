import CCurl

/// One reusable libcurl easy handle. Owned by a single worker thread: never shared, so not Sendable.
/// Reusing the handle keeps its connection cache, so consecutive requests to a host reuse the connection.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let options: CurlHTTPClient.Options
    /// Reused by every transfer on this handle (its buffers keep their capacity).
    private let sink: CurlTransferSink
    /// `CURLINFO_REQUEST_SIZE` when libcurl was about to send the first request of this transfer: what went before
    /// (a proxy's CONNECT) never reached the server. nil while no request has started (no connection, a failed
    /// handshake). See `mayStartRequest`.
    private var sizeBeforeRequest: Int?
    /// Whether libcurl was stopped from sending the request again.
    private var resendRefused = false
    /// GET, HEAD, PUT and DELETE are idempotent: sending one again is harmless.
    private var resendAllowed = false

    init?(options: CurlHTTPClient.Options) {
        guard CurlGlobal.initialized, let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.options = options
        sink = CurlTransferSink(maxBodyBytes: options.maxResponseBytes)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Runs one transfer to completion (blocking this thread).
    func perform(_ request: HTTPRequest) -> Result<HTTPResponse, HTTPClientError> {
        // reset clears options but keeps live connections and the DNS and TLS session caches.
        curl_easy_reset(handle)
        errorBuffer[0] = 0

        let headerList: CurlHeaderList
        switch CurlHeaderList.make(for: request) {
        case .success(let list): headerList = list
        case .failure(let error): return .failure(error)
        }
        sink.reset()
        sizeBeforeRequest = nil
        resendRefused = false
        resendAllowed = request.method != .post && request.method != .patch

        var code = configure(request, headerList: headerList)
        if code == CURLE_OK {
            code = withExtendedLifetime(headerList) { curl_easy_perform(handle) }
        }
        if sink.bodyTooLarge {
            // The server had the request and answered: a send it may have acted on is never repeated blindly.
            return .failure(.noAnswer("the answer is larger than \(options.maxResponseBytes) bytes and was not read"))
        }
        guard code == CURLE_OK else {
            if resendRefused {
                return .failure(.noAnswer("the connection closed without an answer after the request went out"))
            }
            return .failure(CurlErrorMapping.classify(code, detail: String(cString: errorBuffer), requestWritten: requestBytesWritten()))
        }
        var status = 0
        _ = outreach_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: HTTPHeaders(sink.headers), body: sink.body))
    }

    /// Sets every option of one transfer, stopping at the first libcurl refuses.
    /// Plain calls, not a list of closures: this runs for every request.
    private func configure(_ request: HTTPRequest, headerList: CurlHeaderList) -> CURLcode {
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var code = outreach_curl_setopt_string(handle, CURLOPT_URL, request.url)
        func then(_ next: @autoclosure () -> CURLcode) {
            if code == CURLE_OK { code = next() }
        }
        then(outreach_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        then(outreach_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        then(outreach_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        then(outreach_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds))
        then(outreach_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, options.totalTimeoutMilliseconds))
        then(outreach_curl_setopt_string(handle, CURLOPT_USERAGENT, options.userAgent))
        then(outreach_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        then(outreach_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        then(outreach_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        then(outreach_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        // Reuse a connection only if it has been idle under 20 s (libcurl's default is 118 s). A provider that
        // closes idle connections at the same moment we send would make libcurl resend the POST on a fresh
        // connection, and a resent SMS could reach a senior twice; fresh connections make that race rarer.
        then(outreach_curl_setopt_long(handle, CURLOPT_MAXAGE_CONN, 20))
        then(outreach_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList.pointer))
        then(outreach_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody))
        then(outreach_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer))
        then(outreach_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader))
        then(outreach_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer))
        then(outreach_curl_setopt_prereq(handle, CURLOPT_PREREQFUNCTION, curlBeforeRequest))
        then(outreach_curl_setopt_pointer(handle, CURLOPT_PREREQDATA, Unmanaged.passUnretained(self).toOpaque()))
        then(setMethod(request))
        return code
    }

    /// libcurl asks before each request it sends in a transfer. A second one means the reused connection
    /// closed without an answer and libcurl wants to send the request again on a fresh one, which it does
    /// even for a POST. If any byte of a POST or PATCH went out, the server may have acted on it (a provider
    /// may have sent the SMS), so the transfer stops here and fails with `.noAnswer`: never a blind resend.
    fileprivate func mayStartRequest() -> Bool {
        guard sizeBeforeRequest != nil else {
            sizeBeforeRequest = requestSize()
            return true
        }
        guard !resendAllowed else { return true }
        if requestBytesWritten() > 0 { resendRefused = true }
        return !resendRefused
    }

    /// Bytes of our request that went out in this transfer (0 when none started).
    private func requestBytesWritten() -> Int {
        guard let sizeBeforeRequest else { return 0 }
        return max(0, requestSize() - sizeBeforeRequest)
    }

    private func requestSize() -> Int {
        var size = 0
        _ = outreach_curl_getinfo_long(handle, CURLINFO_REQUEST_SIZE, &size)
        return size
    }

    private func setMethod(_ request: HTTPRequest) -> CURLcode {
        let sendsBody = !request.body.isEmpty || request.method == .post || request.method == .put || request.method == .patch
        if sendsBody {
            // The size first, so COPYPOSTFIELDS copies exactly that many bytes (binary and empty bodies).
            var code = outreach_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            guard code == CURLE_OK else { return code }
            code = request.body.isEmpty
                ? outreach_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
                : request.body.withUnsafeBytes { buffer in
                    outreach_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
                }
            guard code == CURLE_OK, request.method != .post else { return code }
            return outreach_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        switch request.method {
        case .head: return outreach_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        case .get: return outreach_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        default: return outreach_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
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

private func curlBeforeRequest(_ context: UnsafeMutableRawPointer?, _ primaryIP: UnsafeMutablePointer<CChar>?,
                               _ localIP: UnsafeMutablePointer<CChar>?, _ primaryPort: Int32, _ localPort: Int32) -> Int32 {
    guard let context else { return CURL_PREREQFUNC_OK }
    let handle = Unmanaged<CurlEasyHandle>.fromOpaque(context).takeUnretainedValue()
    return handle.mayStartRequest() ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT
}
