import Foundation
import OutreachCore

public struct DispatchSettings: Sendable {
    /// Messages claimed at a time (the next claim overlaps the sends in flight). Each claim is one transaction that
    /// also writes the results waiting: larger claims mean fewer commits, smaller ones fewer `unknown` after a crash.
    public var claimSize: Int
    /// Sends in flight at once.
    public var concurrency: Int
    public var backoff: Backoff
    /// Messages per second to the provider; nil = unlimited.
    public var ratePerSecond: Double?
    /// Sender id or number.
    public var from: String
    /// The number calls come from, when `from` is a sender name (nil: `from`).
    public var callFrom: String?
    /// Base URL of our webhook server for this provider ("https://gw.example/hooks/twilio").
    public var callbackBaseURL: String?
    /// A retry that would fall in quiet hours waits for the window's end, in this zone.
    public var quietHours: QuietWindow
    public var timeZone: TimeZone
    /// Messages a stop left `unknown` are looked up at the provider after this many seconds (see `Reconciler`).
    public var reconcileAfter: TimeInterval
    /// Sends in a row that fail for the provider's sake (no connection, throttled, a server error, no answer)
    /// before sending pauses for `troublePause` seconds. Without it an outage would spend every queued message's
    /// retries, or turn the whole queue `unknown`, within minutes.
    public var troubleLimit: Int
    public var troublePause: TimeInterval
    /// How long a drain keeps trying to write results the database refuses (a long `people import`, a coordinator's
    /// open sqlite3 transaction) before it ends, keeping them for the next drain, which writes them before anything else.
    public var writeRetryBudget: TimeInterval
    /// How often messages claimed but not started are checked again, when another process has written since the last
    /// look: a STOP, a pause or a cancel that lands after the claim holds for them too (see `Dispatcher.recheck`).
    public var recheckEvery: Duration = .milliseconds(100)
    /// How long results may wait for a claim's transaction before they are written on their own (and how often the
    /// loop wakes while results or messages wait).
    public var flushAge: Duration = .milliseconds(50)

    public init(claimSize: Int = 64, concurrency: Int = 16, backoff: Backoff = Backoff(), ratePerSecond: Double? = nil,
                from: String, callFrom: String? = nil, callbackBaseURL: String? = nil, quietHours: QuietWindow = .none,
                timeZone: TimeZone = TimeZone(identifier: "Europe/Stockholm")!, reconcileAfter: TimeInterval = 600,
                troubleLimit: Int = 8, troublePause: TimeInterval = 60, writeRetryBudget: TimeInterval = 30) {
        self.writeRetryBudget = writeRetryBudget
        self.reconcileAfter = reconcileAfter
        self.troubleLimit = troubleLimit
        self.troublePause = troublePause
        self.quietHours = quietHours
        self.timeZone = timeZone
        self.claimSize = claimSize
        self.concurrency = concurrency
        self.backoff = backoff
        self.ratePerSecond = ratePerSecond
        self.from = from
        self.callFrom = callFrom
        self.callbackBaseURL = callbackBaseURL
    }
}
