import Foundation
import Testing
import OutreachCore
import OutreachProviders
import OutreachStore
import OutreachTesting
@testable import OutreachService

/// The Simulator with one thing changed: a stub names what it changes, everything else goes to `base` (a search of
/// the provider's records too only when the stub defines `findSent`; otherwise there is none, as `Provider` says).
protocol SimulatorStub: Provider {
    var base: SimulatorProvider { get }
}

extension SimulatorStub {
    var name: String { base.name }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> { await base.sendSMS(sms) }
    func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure> { await base.placeCall(call) }
    func handleWebhook(_ request: WebhookRequest) -> Result<WebhookOutcome, WebhookError> { base.handleWebhook(request) }
    func checkAccount() async -> Result<String, SendFailure> { await base.checkAccount() }
}

/// A provider whose every send fails with `failure`, except every `refusedEvery`-th, which is refused before sending
/// (as a call in a language with no voice is). Counts the sends.
struct FailingSends: SimulatorStub {
    let base: SimulatorProvider
    let failure: SendFailure
    let refusedEvery: Int?
    let sends = Recorded()
    init(_ base: SimulatorProvider, failure: SendFailure, refusedEvery: Int? = nil) {
        self.base = base
        self.failure = failure
        self.refusedEvery = refusedEvery
    }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        let number = sends.append(sms.to.e164)
        if let refusedEvery, number % refusedEvery == 0 { return .failure(.refusedBeforeSending(code: "no-tts", reason: "no voice for 'so'")) }
        return .failure(failure)
    }
}

/// The Simulator, noting when each send came.
struct TimedSends: SimulatorStub {
    let base: SimulatorProvider
    let times = RecordedList<Date>()
    init(_ base: SimulatorProvider) { self.base = base }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        times.append(Date())
        return await base.sendSMS(sms)
    }
}

/// The Simulator, each send taking `latency`; records the most sends that were ever in flight at once.
struct PeakSends: SimulatorStub {
    let base: SimulatorProvider
    let latency: Duration
    private let counts = PeakCounter()
    init(_ base: SimulatorProvider, latency: Duration) {
        self.base = base
        self.latency = latency
    }
    var peak: Int { counts.peak }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        counts.enter()
        defer { counts.leave() }
        try? await Task.sleep(for: latency)
        return await base.sendSMS(sms)
    }
}

final class PeakCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0
    private var highest = 0
    var peak: Int { lock.withLock { highest } }
    func enter() { lock.withLock { now += 1; highest = max(highest, now) } }
    func leave() { lock.withLock { now -= 1 } }
}

/// A provider that sends like the Simulator but cannot search what it sent (like Vonage without its Reports API).
struct NoSearchProvider: SimulatorStub {
    let base: SimulatorProvider
    init(_ base: SimulatorProvider) { self.base = base }
}

/// The Simulator, but searching its records for messages to one number fails for good. Records the numbers searched.
struct FailingSearch: SimulatorStub {
    let base: SimulatorProvider
    let failingFor: String
    /// The failure: for good by default, or one that may pass later (a timeout), after `after`.
    let failure: SendFailure
    let after: Duration
    let searches = Recorded()
    init(_ base: SimulatorProvider, failingFor: String,
         failure: SendFailure = .permanent(code: "search-pages", reason: "more than 10 pages"), after: Duration = .zero) {
        self.base = base
        self.failingFor = failingFor
        self.failure = failure
        self.after = after
    }
    func findSent(_ lookup: SentLookup) async -> Result<SentLookupAnswer, SendFailure>? {
        searches.append(lookup.to.e164)
        guard lookup.to.e164 != failingFor else {
            if after > .zero { try? await Task.sleep(for: after) }
            return .failure(failure)
        }
        return await base.findSent(lookup)
    }
}

/// The Simulator behind a provider whose answers never come (nothing reaches the Simulator) until `answering` is set.
struct Unanswered: SimulatorStub {
    let base: SimulatorProvider
    let answering = Flag()
    init(_ base: SimulatorProvider) { self.base = base }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        guard answering.isSet else { return .failure(.unconfirmed(reason: HTTPClientError.noAnswer("test").description)) }
        return await base.sendSMS(sms)
    }
}

/// The Simulator, moving the clock to `at` once it has taken `afterSends` messages (quiet hours begin mid-drain).
struct QuietFalls: SimulatorStub {
    let base: SimulatorProvider
    let afterSends: Int
    let at: Date
    let clock: ManualClock
    let sends = Recorded()
    init(_ base: SimulatorProvider, afterSends: Int, at: Date, clock: ManualClock) {
        self.base = base
        self.afterSends = afterSends
        self.at = at
        self.clock = clock
    }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        let result = await base.sendSMS(sms)
        sends.append(sms.to.e164)
        if sends.value.count >= afterSends, clock.now < at { clock.set(at) }
        return result
    }
}

/// The Simulator, but every call's answer is lost after the call was placed.
struct LostCallAnswers: SimulatorStub {
    let base: SimulatorProvider
    init(_ base: SimulatorProvider) { self.base = base }
    func placeCall(_ call: OutboundCall) async -> Result<ProviderAccepted, SendFailure> {
        _ = await base.placeCall(call)
        return .failure(.unconfirmed(reason: HTTPClientError.noAnswer("test").description))
    }
}

/// Values recorded from any thread.
final class RecordedList<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    var value: [Element] { lock.withLock { items } }
    /// Appends `item`; how many there are now.
    @discardableResult
    func append(_ item: Element) -> Int { lock.withLock { items.append(item); return items.count } }
}

/// Texts recorded from any thread.
typealias Recorded = RecordedList<String>

/// A switch set from a test while the dispatcher's tasks read it.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// A stop request that comes once the provider has taken `sends` messages.
final class StopAfter: Sendable {
    let sends: Int
    let ledger: InMemorySimulatorLedger

    init(sends: Int, ledger: InMemorySimulatorLedger) {
        self.sends = sends
        self.ledger = ledger
    }

    var reached: Bool { ledger.entries.count >= sends }
}

/// Sends like the Simulator, each send taking `delay`; before the first, `meanwhile` runs (another process writing).
struct SlowSends: SimulatorStub {
    let base: SimulatorProvider
    let delay: Duration
    let meanwhile: Once
    init(_ base: SimulatorProvider, delay: Duration, meanwhile: @escaping @Sendable () -> Void) {
        self.base = base
        self.delay = delay
        self.meanwhile = Once(meanwhile)
    }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        meanwhile.run()
        try? await Task.sleep(for: delay)
        return await base.sendSMS(sms)
    }
}

/// The Simulator, but a send to one number waits until `until` is set.
struct HeldFor: SimulatorStub {
    let base: SimulatorProvider
    let phone: String
    let until: Flag
    init(_ base: SimulatorProvider, phone: String, until: Flag) {
        self.base = base
        self.phone = phone
        self.until = until
    }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        while sms.to.e164 == phone, !until.isSet { try? await Task.sleep(for: .milliseconds(5)) }
        return await base.sendSMS(sms)
    }
}

/// An action run once, the first time any thread asks.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (@Sendable () -> Void)?
    init(_ action: @escaping @Sendable () -> Void) { self.action = action }
    func run() {
        let pending = lock.withLock { () -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        pending?()
    }
}

/// The Simulator; before each search of its records, `action` runs with our message id (a coordinator acting meanwhile).
struct ResendDuringLookup: SimulatorStub {
    let base: SimulatorProvider
    let action: @Sendable (Int64) -> Void
    let lookups = Recorded()
    init(_ base: SimulatorProvider, action: @escaping @Sendable (Int64) -> Void) {
        self.base = base
        self.action = action
    }
    func findSent(_ lookup: SentLookup) async -> Result<SentLookupAnswer, SendFailure>? {
        lookups.append(String(lookup.messageID))
        action(lookup.messageID)
        return await base.findSent(lookup)
    }
}

/// Takes the database's write lock on a connection of its own (another process, in effect) and holds it for `seconds`
/// on a thread of its own; returns once it is held. `then` is set when it is let go.
func holdWriteLock(_ path: String, seconds: Double, then released: Flag? = nil) {
    let locked = DispatchSemaphore(value: 0)
    let holder = Thread {
        let other = try! Database(path: path)
        try! other.execute("BEGIN IMMEDIATE")
        locked.signal()
        Thread.sleep(forTimeInterval: seconds)
        try! other.execute("COMMIT")
        released?.set()
    }
    holder.start()
    locked.wait()
}

/// The Simulator, slowed to `delay` (20 ms) a send; its `atSend`-th send runs `action` first (another process writing).
struct LockDuringSend: SimulatorStub {
    let base: SimulatorProvider
    let atSend: Int
    let delay: Duration
    let action: @Sendable () -> Void
    let sends = Recorded()
    init(_ base: SimulatorProvider, atSend: Int, delay: Duration = .milliseconds(20), action: @escaping @Sendable () -> Void) {
        self.base = base
        self.atSend = atSend
        self.delay = delay
        self.action = action
    }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        sends.append(sms.to.e164)
        if sends.value.count == atSend { action() }
        try? await Task.sleep(for: delay)
        return await base.sendSMS(sms)
    }
}

/// The Simulator; on its `atSend`-th send it starts `action` after `after` (another process writing meanwhile),
/// on a thread of its own, so a busy cooperative pool cannot delay it.
struct StopDuringSend: SimulatorStub {
    let base: SimulatorProvider
    let atSend: Int
    let after: Duration
    let action: @Sendable () -> Void
    let sends = Recorded()
    let stopWritten = Flag()
    init(_ base: SimulatorProvider, atSend: Int, after: Duration, action: @escaping @Sendable () -> Void) {
        self.base = base
        self.atSend = atSend
        self.after = after
        self.action = action
    }
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        sends.append(sms.to.e164)
        if sends.value.count == atSend {
            let (after, action, written) = (after, action, stopWritten)
            let seconds = Double(after.components.seconds) + Double(after.components.attoseconds) / 1e18
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: seconds)
                action()
                written.set()
            }
        }
        return await base.sendSMS(sms)
    }
}

/// The Simulator, but one number's SMS are refused with `failure` (an account refusal that is really about that one
/// recipient, say). Records every number tried.
struct RefusingOne: SimulatorStub {
    let base: SimulatorProvider
    let phone: String
    let failure: SendFailure
    let tried = Recorded()
    func sendSMS(_ sms: OutboundSMS) async -> Result<ProviderAccepted, SendFailure> {
        tried.append(sms.to.e164)
        return sms.to.e164 == phone ? .failure(failure) : await base.sendSMS(sms)
    }
}

/// A stop request that comes once a call's attempt is noted in the file (read through a second connection), before
/// the call can be placed: a SIGTERM in that moment.
final class StopWhenCallNoted: @unchecked Sendable {
    private let lock = NSLock()
    private let reader: Database

    init(path: String, now: Date) throws { reader = try Store.open(path: path, now: now) }

    var reached: Bool {
        lock.withLock { ((try? reader.statement("SELECT count(*) FROM call_attempts").firstRow { $0.int(0) }) ?? 0) > 0 }
    }
}
