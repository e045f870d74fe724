import Foundation
import OutreachCore
import OutreachProviders
import OutreachServer

/// A loopback 46elks: /a1/sms (any case, plus the `GET …/POST` alias), /a1/calls, GET /a1/sms (history) and GET /a1/sms/{id},
/// Basic auth checked like 46elks (401 text/plain), parameter errors as text/plain 403, success bodies shaped
/// like the reference's samples. Each SMS is `created` at `now` (a microsecond after the one before at least), and
/// the history pages like 46elks': `start` lists those created before it, `end` those after, `next` names the
/// `start` of the following page. Scripted steps (FIFO) answer before the default behaviour.
/// Also builds the callbacks 46elks would POST to us, with the callback secret, without it, or with a wrong one.
public final class ElksFake: @unchecked Sendable {
    /// How a built callback URL carries the secret.
    public enum CallbackAuth: Sendable, Equatable {
        case valid
        case missing
        case wrong(String)
    }

    public let username: String
    public let password: String
    public let callbackSecret: String
    public let server: FakeProviderServer
    private let state: State

    public init(username: String = "u0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                password: String = "F4K3-elks-p4ssw0rd-0001",
                callbackSecret: String = "cb-secret-6f1d2a9e7b3c4d58",
                now: @escaping @Sendable () -> Date = Date.init) throws {
        self.username = username
        self.password = password
        self.callbackSecret = callbackSecret
        let state = State(authorization: HTTPRequest.basicAuthorization(user: username, password: password), now: now)
        self.state = state
        server = try FakeProviderServer { request in state.handle(request) }
    }

    public var baseURL: String { server.baseURL }
    public var requests: [FakeProviderServer.RecordedRequest] { server.requests }
    public var unusedSteps: Int { server.unusedSteps }
    public func stop() { server.stop() }

    /// Settings pointing at this fake with its credentials (`password` overrides, for auth failures).
    public func settings(from: String = "Outreach", dryRun: Bool = false, password: String? = nil) -> ElksSettings {
        ElksSettings(baseURL: baseURL, username: username, password: password ?? self.password,
                     callbackSecret: callbackSecret, from: from, dryRun: dryRun)
    }

    // MARK: - Scripting

    public func enqueue(_ steps: FakeProviderServer.Step...) { for step in steps { server.enqueue(step) } }

    /// The next request gets a text/plain error, as 46elks sends them.
    public func failNext(status: Int, text: String) { server.enqueue(.respond(.text(text, status: status))) }

    public func outOfCreditsNext() { failNext(status: 403, text: "Not enough credits.") }

    public func throttleNext(retryAfter: String? = nil) {
        var response = ServerResponse.text("Too many requests.", status: 429)
        if let retryAfter { response.headers.append(.init("Retry-After", retryAfter)) }
        server.enqueue(.respond(response))
    }

    public func serverErrorNext(status: Int = 503) { failNext(status: status, text: "Service temporarily unavailable.") }

    /// A 2xx with any body (e.g. malformed JSON).
    public func respondNext(status: Int = 200, body: String, contentType: String = "application/json") {
        server.enqueue(.respond(.text(body, status: status, contentType: contentType)))
    }

    /// A normal SMS answer, but only after `seconds` (for client timeouts).
    public func delayNext(seconds: Double) {
        server.enqueue(.delay(seconds: seconds, Self.json(["id": "s" + String(repeating: "0", count: 32), "status": "created"])))
    }

    /// What GET /a1/sms/{id} will report from now on.
    public func setStatus(_ status: String, forSMS id: String) { state.setStatus(status, for: id) }

    // MARK: - Callbacks 46elks would POST to us

    /// A delivery report to `callbackURL` (typically the `whendelivered` we sent).
    public func deliveryReport(callbackURL: String, id: String, status: String, delivered: String? = nil,
                               auth: CallbackAuth = .valid) -> WebhookRequest {
        var fields = [("id", id), ("status", status)]
        if let delivered { fields.append(("delivered", delivered)) }
        return callback(url: callbackURL, fields: fields, auth: auth)
    }

    public func inboundSMS(url: String, from: String, to: String, message: String,
                           id: String = "sf8425555e5d8db61dda7a7b3f1b91bdb", created: String = "2018-07-13T13:57:23.741000",
                           auth: CallbackAuth = .valid) -> WebhookRequest {
        callback(url: url, fields: [("direction", "incoming"), ("id", id), ("from", from), ("to", to),
                                    ("created", created), ("message", message)], auth: auth)
    }

    public func ivrResult(url: String, callID: String, result: String, from: String = "+46766860000",
                          to: String = "+46701740605", auth: CallbackAuth = .valid) -> WebhookRequest {
        callback(url: url, fields: [("callid", callID), ("from", from), ("to", to), ("direction", "outgoing"),
                                    ("result", result)], auth: auth)
    }

    public func hangup(url: String, callID: String, state: String, duration: Int?, actions: String? = nil,
                       legs: String? = nil, auth: CallbackAuth = .valid) -> WebhookRequest {
        var fields = [("id", callID), ("from", "+46766860000"), ("to", "+46701740605"), ("direction", "outgoing"),
                      ("created", "2016-11-03T08:46:00.900484"), ("state", state), ("cost", "1500")]
        if let duration { fields.append(("duration", String(duration))) }
        if let actions { fields.append(("actions", actions)) }
        if let legs { fields.append(("legs", legs)) }
        return callback(url: url, fields: fields, auth: auth)
    }

    /// Any callback: a form POST to `url` with the secret per `auth`.
    public func callback(url: String, fields: [(String, String)], auth: CallbackAuth) -> WebhookRequest {
        callback(url: url, body: Array(FormEncoding.encode(fields).utf8), auth: auth)
    }

    public func callback(url: String, body: [UInt8], auth: CallbackAuth) -> WebhookRequest {
        let bare = Self.removingSecret(from: url)
        let publicURL: String
        switch auth {
        case .valid: publicURL = ElksWebhooks.appendingSecret(to: bare, secret: callbackSecret)
        case .missing: publicURL = bare
        case .wrong(let secret): publicURL = ElksWebhooks.appendingSecret(to: bare, secret: secret)
        }
        return WebhookRequest(method: "POST", publicURL: publicURL,
                              headers: ["content-type": "application/x-www-form-urlencoded", "user-agent": "46elks"],
                              body: body)
    }

    static func removingSecret(from url: String) -> String {
        guard let mark = url.firstIndex(of: "?") else { return url }
        let kept = url[url.index(after: mark)...].split(separator: "&").filter { !$0.hasPrefix("secret=") }
        return String(url[..<mark]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
    }

    static func json(_ object: [String: Any], status: Int = 200) -> ServerResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return ServerResponse(status: status, headers: [.init("Content-Type", "application/json")], body: Array(data))
    }
}

extension ElksFake {
    /// The fake's default behaviour: 46elks' API, called on the server's threads.
    final class State: @unchecked Sendable {
        private let lock = NSLock()
        private let authorization: String
        private var counter = 0
        private var messages: [String: [String: Any]] = [:]
        /// Ids in the order the fake created them, for the history (newest first).
        private var order: [String] = []
        private let now: @Sendable () -> Date
        /// Microseconds since 1970 of the last `created`.
        private var lastCreated: Int64 = 0

        init(authorization: String, now: @escaping @Sendable () -> Date) {
            self.authorization = authorization
            self.now = now
        }

        /// 46elks' `created`: UTC with microseconds, "2018-02-14T09:52:07.302000". Strictly increasing here, so the
        /// history has one order, and such texts compare as their times do.
        private func created() -> String {
            let micros = lock.withLock { () -> Int64 in
                lastCreated = max(lastCreated + 1, Int64((now().timeIntervalSince1970 * 1_000_000).rounded(.down)))
                return lastCreated
            }
            let seconds = Date(timeIntervalSince1970: TimeInterval(micros / 1_000_000))
            let fraction = String(micros % 1_000_000)
            return String(Timestamp.format(seconds).dropLast()) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
        }

        func setStatus(_ status: String, for id: String) { lock.withLock { messages[id]?["status"] = status } }

        func handle(_ request: ServerRequest) -> ServerResponse {
            var path = request.path.lowercased()
            while path.count > 1, path.hasSuffix("/") { path.removeLast() }
            var method = request.method.uppercased()
            var fields = request.formFields
            // 46elks FAQ: every POST also works as GET on …/POST with the fields in the query.
            if method == "GET", path.hasSuffix("/post") {
                path.removeLast(5)
                method = "POST"
                fields = request.queryItems
            }
            guard request.header("authorization") == authorization else {
                return ServerResponse(status: 401, headers: [.init("Content-Type", "text/plain; charset=utf-8"),
                                                             .init("WWW-Authenticate", #"Basic realm="46elks API""#)],
                                      body: Array("Invalid API credentials.".utf8))
            }
            let form = Form(fields: fields)
            switch (method, path) {
            case ("POST", "/a1/sms"): return sendSMS(form)
            case ("POST", "/a1/calls"): return placeCall(form)
            case ("GET", "/a1/sms"): return history(Form(fields: request.queryItems))
            case ("GET", _) where path.hasPrefix("/a1/sms/"): return lookup(String(path.dropFirst("/a1/sms/".count)))
            default: return .text("Not found.", status: 404)
            }
        }

        private func sendSMS(_ form: Form) -> ServerResponse {
            guard let from = form["from"], Self.isSender(from) else { return .text("Invalid from.", status: 403) }
            guard let to = form["to"], PhoneNumber.isE164(to) else { return .text("Invalid to number.", status: 403) }
            guard let message = form["message"], !message.isEmpty else { return .text("Missing key message.", status: 403) }
            if let callback = form["whendelivered"], !Self.isURL(callback) {
                return .text("Invalid whendelivered URL.", status: 403)
            }
            let parts = SMSEncoder.inspect(message).segments
            var object: [String: Any] = ["status": "created", "direction": "outgoing", "from": from, "to": to,
                                         "message": message, "parts": parts]
            if form["dryrun"] == "yes" {
                object["estimated_cost"] = 5000 * parts
                return ElksFake.json(object)
            }
            let id = nextID(prefix: "s")
            object["id"] = id
            object["created"] = created()
            object["cost"] = 5000 * parts
            lock.withLock {
                messages[id] = object
                order.append(id)
            }
            return ElksFake.json(object)
        }

        /// GET /a1/sms: the history, newest first, optionally only to one number (`to`), created before `start` and
        /// after `end`, at most `limit` (100) a page.
        private func history(_ query: Form) -> ServerResponse {
            let limit = min(100, query["limit"].flatMap(Int.init) ?? 100)
            let to = query["to"]
            let start = query["start"]
            let end = query["end"]
            let listed = lock.withLock { order.reversed().compactMap { messages[$0] } }.filter { sms in
                let created = sms["created"] as? String ?? ""
                return (to == nil || sms["to"] as? String == to) && (start.map { created < $0 } ?? true)
                    && (end.map { created > $0 } ?? true)
            }
            let page = Array(listed.prefix(limit))
            var object: [String: Any] = ["data": page]
            if listed.count > limit, let last = page.last?["created"] { object["next"] = last }
            return ElksFake.json(object)
        }

        private func placeCall(_ form: Form) -> ServerResponse {
            guard let from = form["from"], PhoneNumber.isE164(from) else { return .text("Invalid from number.", status: 403) }
            guard let to = form["to"], PhoneNumber.isE164(to) else { return .text("Invalid to number.", status: 403) }
            guard let start = form["voice_start"], Self.isAction(start) || Self.isURL(start) else {
                return .text("Invalid voice_start.", status: 403)
            }
            if let hangup = form["whenhangup"], !Self.isURL(hangup) { return .text("Invalid whenhangup URL.", status: 403) }
            if let timeout = form["timeout"], Int(timeout) == nil { return .text("Invalid timeout.", status: 403) }
            return ElksFake.json(["direction": "outgoing", "from": from, "to": to, "created": created(),
                                  "state": "ongoing", "id": nextID(prefix: "c")])
        }

        private func lookup(_ id: String) -> ServerResponse {
            guard let object = lock.withLock({ messages[id] }) else { return .text("SMS not found.", status: 404) }
            return ElksFake.json(object)
        }

        /// "s" or "c" and 32 hex digits, like 46elks ids; deterministic per fake.
        private func nextID(prefix: String) -> String {
            let number = lock.withLock { () -> Int in counter += 1; return counter }
            return prefix + String(ByteEncoding.hex(Digest.sha256("elks-fake-\(prefix)-\(number)")).prefix(32))
        }

        /// E.164, or a text id of 3–11 letters and digits starting with a letter.
        static func isSender(_ text: String) -> Bool {
            if PhoneNumber.isE164(text) { return true }
            guard (3...11).contains(text.count), let first = text.first, first.isASCII, first.isLetter else { return false }
            return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }

        static func isURL(_ text: String) -> Bool { text.hasPrefix("http://") || text.hasPrefix("https://") }

        static func isAction(_ text: String) -> Bool {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any]
        }

        struct Form {
            let fields: [(name: String, value: String)]
            subscript(name: String) -> String? { fields.first { $0.name == name }?.value }
        }
    }
}
