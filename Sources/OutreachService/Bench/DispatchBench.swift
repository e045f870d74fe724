import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// Dispatch: the real `Dispatcher` sending queued messages through the real Twilio adapter and libcurl client
/// to a loopback fake, and its ceiling: the same client posting the same kind of request to the same fake,
/// at the same concurrency, with nothing else around it.
struct DispatchBench {
    static let from = "+46700000000"

    let fake: LoopbackTwilio
    let client: CurlHTTPClient
    let concurrency: Int
    let claimSize: Int
    let now: Date

    /// Drains the outbox through the Twilio adapter and the loopback fake, or through `AnsweringProvider` when
    /// `network` is false. Returns what was sent and how long it took.
    func dispatch(_ database: Database, network: Bool = true) async throws -> (report: DispatchReport, timing: Timing) {
        let instant = now
        let provider: any Provider = network
            ? TwilioProvider(settings: fake.settings(from: Self.from), client: client, now: { instant })
            : AnsweringProvider()
        let settings = DispatchSettings(claimSize: claimSize, concurrency: concurrency, from: Self.from,
                                        callbackBaseURL: "http://127.0.0.1:8080/hooks/twilio")
        let dispatcher = Dispatcher(database: database, provider: provider, settings: settings, now: { instant },
                                    random: { 0.5 }, voiceScript: { _ in nil }, log: .silent)
        return try await Timing.measure { try await dispatcher.drain() }
    }

    /// The ceiling: `count` POSTs of a Twilio-shaped request, at most `concurrency` in flight. Request `i` carries
    /// `bodies[i % bodies.count]`, as the campaign's message to senior `i` does. Returns how many were answered 201
    /// and how long it took.
    func rawPosts(_ count: Int, bodies: [String]) async -> (accepted: Int, timing: Timing) {
        let settings = fake.settings(from: Self.from)
        let url = settings.baseURL + "/2010-04-01/Accounts/\(LoopbackTwilio.accountSID)/Messages.json"
        // Built once, as any client would: the ceiling should not pay for work a sender need not repeat.
        let authorization = HTTPRequest.basicAuthorization(user: settings.credentials.user, password: settings.credentials.password)
        let client = self.client
        let limit = max(1, concurrency)
        return await Timing.measure { await withTaskGroup(of: Bool.self) { group in
            var accepted = 0
            var inFlight = 0
            for index in 0..<count {
                if inFlight >= limit, let ok = await group.next() {
                    accepted += ok ? 1 : 0
                    inFlight -= 1
                }
                let to = FanOutBench.phone(index).e164
                let body = bodies[index % bodies.count]
                group.addTask {
                    var request = HTTPRequest.form(url: url, fields: [
                        ("To", to), ("From", Self.from), ("Body", body),
                        ("StatusCallback", "http://127.0.0.1:8080/hooks/twilio/sms/status"),
                    ])
                    request.headers.set("Authorization", authorization)
                    request.headers.set("Accept", "application/json")
                    guard let response = try? await client.send(request) else { return false }
                    return response.status == 201
                }
                inFlight += 1
            }
            for await ok in group { accepted += ok ? 1 : 0 }
            return accepted
        } }
    }
}

/// A provider that accepts every SMS at once, without the network: the dispatcher's own cost, measured alone.
struct AnsweringProvider: Provider {
    let name = "bench"

    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        .success(ProviderAccepted(providerID: "bench-\(sms.messageID)"))
    }

    func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure> {
        .failure(.permanent(code: "bench", reason: "the benchmark sends SMS only"))
    }

    func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> {
        .failure(.malformed("the benchmark provider takes no webhooks"))
    }

    func checkAccount() async -> Result<String, SendFailure> { .success("benchmark") }
}
