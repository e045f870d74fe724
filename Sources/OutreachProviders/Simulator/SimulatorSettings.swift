/// The Simulator needs no account: only the public URL its fake webhooks claim to come to, and a
/// secret that authenticates them (so the webhook path is the same as for real providers).
public struct SimulatorSettings: Sendable, Equatable, CustomStringConvertible {
    public var webhookBaseURL: String
    public var secret: String

    public init(webhookBaseURL: String = "http://127.0.0.1:8080/hooks/simulator", secret: String = "simulator") {
        self.webhookBaseURL = webhookBaseURL
        self.secret = secret
    }

    public static func from(secrets: ProviderSecrets, webhookBaseURL: String) -> SimulatorSettings {
        SimulatorSettings(webhookBaseURL: webhookBaseURL, secret: secrets["SIMULATOR_SECRET"] ?? "simulator")
    }

    public var description: String { "SimulatorSettings(webhookBaseURL: \(webhookBaseURL))" }
}
