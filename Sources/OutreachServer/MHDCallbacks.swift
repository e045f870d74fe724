import CMicroHTTPD

// libmicrohttpd callbacks: C function pointers, so free functions that reach Swift objects through
// their context pointers.

/// Called with the raw request target before MHD unescapes it; its result becomes the request's `con_cls`.
func mhdURILogger(_ context: UnsafeMutableRawPointer?, _ uri: UnsafePointer<CChar>?,
                  _ connection: OpaquePointer?) -> UnsafeMutableRawPointer? {
    let target = uri.map { String(cString: $0) } ?? "/"
    return Unmanaged.passRetained(RequestContext(target: target)).toOpaque()
}

func mhdAccessHandler(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                      _ url: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?,
                      _ version: UnsafePointer<CChar>?, _ uploadData: UnsafePointer<CChar>?,
                      _ uploadDataSize: UnsafeMutablePointer<Int>?,
                      _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> MHD_Result {
    guard let context, let connection, let uploadDataSize, let requestContext else { return .NO }
    let server = Unmanaged<HTTPServerCore>.fromOpaque(context).takeUnretainedValue()
    if requestContext.pointee == nil {
        // Not expected (the URI logger always runs first), but never serve without a context.
        let target = url.map { String(cString: $0) } ?? "/"
        requestContext.pointee = Unmanaged.passRetained(RequestContext(target: target)).toOpaque()
    }
    let request = Unmanaged<RequestContext>.fromOpaque(requestContext.pointee!).takeUnretainedValue()

    if !request.headersSeen {
        // First call: headers only. Returning YES lets MHD read the body (and send 100 Continue if asked).
        request.headersSeen = true
        return .YES
    }
    if uploadDataSize.pointee > 0 {
        if let uploadData {
            request.append(UnsafeRawBufferPointer(start: uploadData, count: uploadDataSize.pointee),
                           limit: server.maxBodyBytes)
        }
        uploadDataSize.pointee = 0
        return .YES
    }

    let response: ServerResponse
    if request.tooLarge {
        response = .payloadTooLarge
    } else {
        let methodName = method.map { String(cString: $0) } ?? "GET"
        let serverRequest = ServerRequest(method: methodName, target: request.target,
                                          lowerCasedHeaders: requestHeaders(connection), body: request.body)
        response = server.handler(serverRequest)
    }
    return queue(response, on: connection)
}

func mhdRequestCompleted(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                         _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                         _ reason: MHD_RequestTerminationCode) {
    guard let requestContext, let pointer = requestContext.pointee else { return }
    Unmanaged<RequestContext>.fromOpaque(pointer).release()
    requestContext.pointee = nil
}

func mhdConnectionNotify(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                         _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                         _ event: MHD_ConnectionNotificationCode) {
    guard let context, event == .CONNECTION_NOTIFY_STARTED else { return }
    Unmanaged<HTTPServerCore>.fromOpaque(context).takeUnretainedValue().connectionOpened()
}

/// Request headers, names lower-cased and repeats joined (see `ServerRequest.lowerCased`).
private func requestHeaders(_ connection: OpaquePointer) -> [String: String] {
    final class Collected { var pairs: [(key: String, value: String)] = [] }
    let collected = Collected()
    withExtendedLifetime(collected) {
        _ = MHD_get_connection_values(connection, .HEADER_KIND, { context, _, key, value in
            guard let context, let key else { return .YES }
            let collected = Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue()
            collected.pairs.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
            return .YES
        }, Unmanaged.passUnretained(collected).toOpaque())
    }
    return ServerRequest.lowerCased(collected.pairs)
}

private func queue(_ response: ServerResponse, on connection: OpaquePointer) -> MHD_Result {
    let bytes = response.body.isEmpty ? [0] : response.body
    let mhdResponse = bytes.withUnsafeBytes { buffer in
        MHD_create_response_from_buffer(response.body.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress),
                                        .RESPMEM_MUST_COPY)
    }
    guard let mhdResponse else { return .NO }
    defer { MHD_destroy_response(mhdResponse) }
    for header in response.headers {
        // MHD refuses names or values with line breaks; such a header is dropped, not sent.
        _ = MHD_add_response_header(mhdResponse, header.name, header.value)
    }
    return MHD_queue_response(connection, UInt32(clamping: response.status), mhdResponse)
}
