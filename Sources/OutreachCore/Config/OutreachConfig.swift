import Foundation

/// `Config/outreach.json5`. Every key is optional: with no file at all the gateway runs on defaults
/// (Stockholm time, Swedish numbers, the Simulator provider, `outreach.sqlite` in the working folder).
public struct OutreachConfig: Sendable, Equatable {
    /// Path of the SQLite file; relative paths are relative to the config file's folder.
    public var database: String = "outreach.sqlite"
    public var timeZone: TimeZone = TimeZone(identifier: "Europe/Stockholm")!
    public var phoneRegion: PhoneRegion = .sweden
    public var defaultLanguage: String = "sv"
    /// Folder with catalog.json5 and one folder per language; relative to the config file's folder.
    public var prompts: String = "Prompts"
    public var organization = Organization()
    public var quietHours = QuietHours()
    public var reminders: [ReminderRule] = ReminderRule.defaults
    public var provider = ProviderSettings()
    public var server = ServerSettings()

    public init() {}

    public struct Organization: Sendable, Equatable, Decodable {
        public var name = "Träffpunkt"
        public var phone = ""
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable { case name, phone }
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name) ?? name
            phone = try container.decodeIfPresent(String.self, forKey: .phone) ?? phone
        }
    }

    /// No message starts between `start` and `end` in the recipient's local time (the window wraps midnight).
    public struct QuietHours: Sendable, Equatable, Decodable {
        public var start = ClockTime(hour: 20, minute: 0)
        public var end = ClockTime(hour: 9, minute: 0)
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable { case start, end }
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            start = try container.decodeIfPresent(ClockTime.self, forKey: .start) ?? start
            end = try container.decodeIfPresent(ClockTime.self, forKey: .end) ?? end
        }
    }

    public struct ProviderSettings: Sendable, Equatable, Decodable {
        public enum Kind: String, Sendable, CaseIterable, Decodable { case simulator, twilio, elks = "46elks", vonage }
        public var kind: Kind = .simulator
        /// Sender: a phone number in E.164 or an alphanumeric sender id ("Raslatt").
        public var from = "Traffpunkt"
        /// The number calls come from (E.164), when `from` is a sender name: a call needs a number.
        public var callFrom: String?
        /// Who calls come from: `callFrom`, else `from`.
        public var caller: String { callFrom ?? from }
        /// Calls would come from a sender name, which Twilio and 46elks refuse (the Simulator takes any; Vonage places no
        /// calls here): `doctor` and `config check` say so.
        public var callerIsSenderName: Bool { (kind == .twilio || kind == .elks) && !PhoneNumber.isE164(caller) }
        /// Overrides the provider's API base URL (tests point it at a loopback fake).
        public var baseURL: String?
        /// A file with `NAME=value` lines holding the provider's secrets; environment variables win.
        public var secretsFile: String?
        /// Messages per second sent to this provider (nil = the provider's documented default).
        public var ratePerSecond: Double?
        /// What one SMS segment costs on your contract, for previews ("0.35") and its currency ("SEK").
        public var pricePerSegment: Double?
        public var currency: String?
        /// Messages a stop left `unknown` are looked up in the provider's records after this many seconds (a
        /// request on the wire when the gateway stopped may still arrive; looking earlier risks sending twice).
        public var reconcileAfterSeconds: Double = 600
        /// Sends in a row that fail for the provider's sake before sending pauses for `pauseSeconds`.
        public var pauseAfterFailures = 8
        public var pauseSeconds: Double = 60
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, from, callFrom, baseURL, secretsFile, ratePerSecond, pricePerSegment, currency, reconcileAfterSeconds
            case pauseAfterFailures, pauseSeconds
        }
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let raw = try container.decodeIfPresent(String.self, forKey: .kind) {
                guard let parsed = Kind(rawValue: raw) else {
                    throw decoder.valueError(CodingKeys.kind, "'\(raw)' is not a provider (use \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                kind = parsed
            }
            from = try container.decodeIfPresent(String.self, forKey: .from) ?? from
            callFrom = try container.decodeIfPresent(String.self, forKey: .callFrom)
            if let callFrom, !PhoneNumber.isE164(callFrom) {
                throw decoder.valueError(CodingKeys.callFrom, "'\(callFrom)' is not a phone number in E.164 (+46…): calls come from a number")
            }
            baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL)
            secretsFile = try container.decodeIfPresent(String.self, forKey: .secretsFile)
            ratePerSecond = try container.decodeIfPresent(Double.self, forKey: .ratePerSecond)
            pricePerSegment = try container.decodeIfPresent(Double.self, forKey: .pricePerSegment)
            currency = try container.decodeIfPresent(String.self, forKey: .currency)
            reconcileAfterSeconds = try container.decodeIfPresent(Double.self, forKey: .reconcileAfterSeconds) ?? reconcileAfterSeconds
            if !(reconcileAfterSeconds >= 1) {
                throw decoder.valueError(CodingKeys.reconcileAfterSeconds, "must be at least 1 second")
            }
            pauseAfterFailures = try container.decodeWholeNumberIfPresent(forKey: .pauseAfterFailures) ?? pauseAfterFailures
            if pauseAfterFailures < 1 {
                throw decoder.valueError(CodingKeys.pauseAfterFailures, "must be at least 1")
            }
            pauseSeconds = try container.decodeIfPresent(Double.self, forKey: .pauseSeconds) ?? pauseSeconds
            if !(pauseSeconds >= 1 && pauseSeconds <= 3600) {
                throw decoder.valueError(CodingKeys.pauseSeconds, "must be between 1 and 3600 seconds")
            }
            if let price = pricePerSegment, price < 0 {
                throw decoder.valueError(CodingKeys.pricePerSegment, "must not be negative")
            }
            if let rate = ratePerSecond, !(rate > 0) {
                throw decoder.valueError(CodingKeys.ratePerSecond, "must be more than 0")
            }
        }
    }

    public struct ServerSettings: Sendable, Equatable, Decodable {
        public var listen = "127.0.0.1:8080"
        /// The address providers call back on (behind a proxy this differs from `listen`).
        public var publicURL = "http://127.0.0.1:8080"
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable { case listen, publicURL }
        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? listen
            publicURL = try container.decodeIfPresent(String.self, forKey: .publicURL) ?? publicURL
        }
    }
}

extension OutreachConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case database, timeZone, phoneRegion, defaultLanguage, prompts, organization, quietHours, reminders, provider, server
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        database = try container.decodeIfPresent(String.self, forKey: .database) ?? database
        if let name = try container.decodeIfPresent(String.self, forKey: .timeZone) {
            switch ZoneName.parse(name) {
            case .success(let zone): timeZone = zone
            case .failure(let error): throw decoder.valueError(CodingKeys.timeZone, error.description)
            }
        }
        if let code = try container.decodeIfPresent(String.self, forKey: .phoneRegion) {
            guard let region = PhoneRegion(code: code) else {
                throw decoder.valueError(CodingKeys.phoneRegion, "'\(code)' is not a supported region (use \(PhoneRegion.supported.map(\.code).joined(separator: ", ")))")
            }
            phoneRegion = region
        }
        if let language = try container.decodeIfPresent(String.self, forKey: .defaultLanguage) {
            guard let code = LanguageCode.canonical(language) else {
                throw decoder.valueError(CodingKeys.defaultLanguage, "'\(language)' is not a language code")
            }
            defaultLanguage = code
        }
        prompts = try container.decodeIfPresent(String.self, forKey: .prompts) ?? prompts
        organization = try container.decodeIfPresent(Organization.self, forKey: .organization) ?? organization
        quietHours = try container.decodeIfPresent(QuietHours.self, forKey: .quietHours) ?? quietHours
        reminders = try container.decodeIfPresent([ReminderRule].self, forKey: .reminders) ?? reminders
        provider = try container.decodeIfPresent(ProviderSettings.self, forKey: .provider) ?? provider
        server = try container.decodeIfPresent(ServerSettings.self, forKey: .server) ?? server
        let names = reminders.map(\.name)
        if Set(names).count != names.count {
            throw decoder.valueError(CodingKeys.reminders, "two reminder rules have the same name")
        }
    }
}
