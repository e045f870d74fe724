import Foundation
import OutreachCore
import OutreachProviders
import OutreachStore

/// The service loop's parts wired together: scheduler, dispatcher, provider events and campaign bookkeeping.
/// Built once by the composition root (the CLI) with the real clock, or by tests with a manual one.
/// Unchecked Sendable: it owns a database connection and is driven by one task at a time (the service loop).
public final class Gateway: @unchecked Sendable {
    public let database: Database
    public let config: OutreachConfig
    public let library: PromptLibrary
    public let provider: any Provider
    public let log: ServiceLog
    let now: @Sendable () -> Date
    let scheduler: Scheduler
    let dispatcher: Dispatcher
    let events: EventProcessor
    let reconciler: Reconciler
    let receipts: ReceiptChecker

    public init(database: Database, config: OutreachConfig, library: PromptLibrary, provider: any Provider,
                dispatch: DispatchSettings, now: @escaping @Sendable () -> Date,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, log: ServiceLog) {
        self.database = database
        self.config = config
        self.library = library
        self.provider = provider
        self.log = log
        self.now = now
        self.scheduler = Scheduler(database: database, config: config, library: library)
        let catalog = library.catalog
        let providerKind = config.provider.kind
        self.dispatcher = Dispatcher(database: database, provider: provider, settings: dispatch, now: now, random: random,
                                     voiceScript: { message in
                                         Gateway.voiceLanguage(catalog: catalog, kind: providerKind, language: message.language)
                                             .map { VoiceScript.speech(text: message.body, language: $0) }
                                     }, log: log)
        self.reconciler = Reconciler(database: database, provider: provider, now: now, log: log, grace: dispatch.reconcileAfter,
                                     limit: 200, maxAttempts: dispatch.backoff.maxAttempts)
        self.events = EventProcessor(database: database, providerName: provider.name, matcher: library.matcher, log: log)
        self.receipts = ReceiptChecker(database: database, provider: provider, events: events, now: now, log: log)
    }

    /// The provider's text-to-speech code for a language, or nil when it has no voice for it.
    public static func voiceLanguage(catalog: Catalog, kind: OutreachConfig.ProviderSettings.Kind, language: String) -> String? {
        let voices = catalog.languages[language]?.tts
        switch kind {
        case .simulator: return voices?.simulator
        case .twilio: return voices?.twilio
        case .elks: return voices?.elks
        case .vonage: return voices?.vonage
        }
    }

    /// Why a message in `language` cannot be a call with `provider` (worded for the coordinator).
    public static func noVoiceReason(language: String, provider: String) -> String {
        "no voice for '\(language)' with \(provider): a recording is needed"
    }

    public struct PassReport: Sendable, Equatable {
        public var scheduled = Scheduler.TickReport()
        public var dispatched = DispatchReport()
        public var events = 0
        /// `unknown` messages (a stop, a lost answer) that the provider's records settled: found (sent) or queued again.
        public var reconciledFound = 0
        public var reconciledRequeued = 0
        /// `unknown` messages the provider's records could not be searched for: left for the coordinator.
        public var reconciledGivenUp = 0
        /// SMS still `sent` long after the send whose fate the provider was asked (its receipt lost or never posted),
        /// and how many of them the answer moved on (delivered, undelivered, failed).
        public var receiptsLookedUp = 0
        public var receiptsSettled = 0
        public var campaignsDone = 0
        public init() {}
    }

    /// At start: messages a crash left in `sending` become `unknown`, never re-sent blindly; calls never placed go back
    /// to the queue. Returns how many became unknown.
    @discardableResult
    public func recover() throws -> Int {
        let recovered = try OutboxStore(database).recoverInterrupted(now: now())
        if recovered.unknown > 0 {
            log.warning("recovered", ["unknown": String(recovered.unknown), "note": "messages left sending by a stop; see 'outreach status'"])
        }
        if recovered.requeuedCalls > 0 {
            log.info("recovered", ["queued": String(recovered.requeuedCalls), "note": "calls claimed but never placed: queued again"])
        }
        return recovered.unknown
    }

    /// One pass: settle old `unknown` messages, schedule, send everything due, apply the provider's events, ask about
    /// SMS whose receipt never came, close finished campaigns.
    public func pass(shouldStop: @Sendable () -> Bool = { false }) async throws -> PassReport {
        var report = PassReport()
        let reconciled = try await reconciler.reconcile(shouldStop: shouldStop)
        report.reconciledFound = reconciled.found
        report.reconciledRequeued = reconciled.requeued
        report.reconciledGivenUp = reconciled.givenUp
        try promoteScheduledCampaigns()
        report.scheduled = try scheduler.tick(now: now())
        report.dispatched = try await dispatcher.drain(shouldStop: shouldStop)
        report.events = try processSimulatorEvents()
        let looked = try await receipts.check(shouldStop: shouldStop)
        (report.receiptsLookedUp, report.receiptsSettled) = (looked.looked, looked.settled)
        report.campaignsDone = try CampaignStore(database).finishCompleted(now: now())
        return report
    }

    /// Feeds the Simulator's receipts and call ends through the same path real webhooks take.
    func processSimulatorEvents() throws -> Int {
        guard let simulator = provider as? SimulatorProvider else { return 0 }
        var count = 0
        for request in simulator.drainWebhooks() {
            switch simulator.handleWebhook(request) {
            case .success(let outcome):
                try events.process(outcome.events, now: now())
                count += outcome.events.count
            case .failure(let error):
                log.error("webhook-rejected", ["reason": error.description])
            }
        }
        return count
    }

    /// Handles one webhook request from the provider (server or `simulate reply`) and returns the answer.
    public func handleWebhook(_ request: WebhookRequest) throws -> WebhookResponse {
        switch provider.handleWebhook(request) {
        case .success(let outcome):
            try events.process(outcome.events, now: now())
            return outcome.response
        case .failure(let error):
            log.warning("webhook-rejected", ["reason": error.description])
            return WebhookResponse(status: error.httpStatus, body: error.description)
        }
    }

    /// Scheduled campaigns whose time has come start running (their messages already wait in the outbox).
    func promoteScheduledCampaigns() throws {
        try database.statement("""
            UPDATE campaigns SET status = 'running', updated_at = ?1 WHERE status = 'scheduled' AND (send_at IS NULL OR send_at <= ?1)
            """).bind(Timestamp.format(now())).run()
    }

    /// At a stop: writes what a busy database refused earlier (see `Dispatcher.keepsUnwritten`), sending nothing new.
    /// Gives up after about 10 s; the log has named each one.
    public func writeKept() async throws {
        guard dispatcher.keepsUnwritten else { return }
        _ = try await dispatcher.drain(shouldStop: { true })
    }

    /// Until when sending is paused because the provider kept failing (see `Dispatcher.heldUntil`), if it is now.
    public var pausedUntil: Date? {
        dispatcher.heldUntil.flatMap { $0 > now() ? $0 : nil }
    }

    /// The end of a pause for provider trouble, when a queued message was due by then (quiet hours aside): `run --once`
    /// reports the outage to cron. (Compared with `nextDue`, which quiet hours move on, an evening outage went unheard.)
    public func pauseHoldingMessages() throws -> Date? {
        guard let until = pausedUntil, let due = try OutboxStore(database).nextDue(), due <= until else { return nil }
        return until
    }

    /// When the next queued message can start (to sleep until then): when it is due, or later when a pause for
    /// provider trouble or quiet hours hold it. nil when nothing is queued.
    public func nextDue() throws -> Date? {
        try OutboxStore(database).nextDue().map(dispatcher.earliestStart(due:))
    }
}
