import Foundation
import OutreachCore

/// The one explicit list of providers. Adding a provider = a folder with the same file names + one case here.
public enum ProviderRegistry {
    public struct Dependencies: Sendable {
        public let secrets: ProviderSecrets
        public let client: any HTTPClient
        public let now: @Sendable () -> Date
        public let simulatorLedger: any SimulatorLedger
        /// Public base URL of our webhooks for this provider, e.g. "https://gw.example/hooks/twilio".
        public let webhookBaseURL: String

        public init(secrets: ProviderSecrets, client: any HTTPClient, now: @escaping @Sendable () -> Date,
                    simulatorLedger: any SimulatorLedger, webhookBaseURL: String) {
            self.secrets = secrets
            self.client = client
            self.now = now
            self.simulatorLedger = simulatorLedger
            self.webhookBaseURL = webhookBaseURL
        }
    }

    /// The environment variables each provider reads (for `outreach doctor`; values are never shown).
    public static func secretNames(for kind: OutreachConfig.ProviderSettings.Kind) -> (required: [String], optional: [String]) {
        switch kind {
        case .simulator: return ([], ["SIMULATOR_SECRET"])
        case .twilio: return (["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"], ["TWILIO_API_KEY", "TWILIO_API_SECRET"])
        case .elks: return (["ELKS_API_USERNAME", "ELKS_API_PASSWORD", "ELKS_CALLBACK_SECRET"], [])
        case .vonage: return (["VONAGE_API_KEY", "VONAGE_API_SECRET"], ["VONAGE_SIGNATURE_SECRET", "VONAGE_SIGNATURE_METHOD"])
        }
    }

    /// Messages per second when the config does not say: 46elks is documented at 100 SMS a minute,
    /// Vonage at 30 requests a second; Twilio queues on its side.
    /// The rate the dispatcher keeps to: the config's `ratePerSecond`, or the provider's default.
    public static func rate(for settings: OutreachConfig.ProviderSettings) -> Double? {
        settings.ratePerSecond ?? defaultRate(for: settings.kind)
    }

    public static func defaultRate(for kind: OutreachConfig.ProviderSettings.Kind) -> Double? {
        switch kind {
        case .simulator: return nil
        case .twilio: return nil
        case .elks: return 100.0 / 60.0
        case .vonage: return 30
        }
    }

    public static func make(_ settings: OutreachConfig.ProviderSettings, _ dependencies: Dependencies) throws(ProviderConfigError) -> any Provider {
        switch settings.kind {
        case .simulator:
            return SimulatorProvider(settings: SimulatorSettings.from(secrets: dependencies.secrets, webhookBaseURL: dependencies.webhookBaseURL),
                                     ledger: dependencies.simulatorLedger)
        case .twilio:
            return TwilioProvider(settings: try TwilioSettings.from(secrets: dependencies.secrets, baseURL: settings.baseURL, from: settings.from),
                                  client: dependencies.client, now: dependencies.now)
        case .elks:
            return ElksProvider(settings: try ElksSettings.from(secrets: dependencies.secrets, baseURL: settings.baseURL, from: settings.from),
                                client: dependencies.client, now: dependencies.now)
        case .vonage:
            return VonageProvider(settings: try VonageSettings.from(secrets: dependencies.secrets, baseURL: settings.baseURL, from: settings.from),
                                  client: dependencies.client, now: dependencies.now)
        }
    }
}
