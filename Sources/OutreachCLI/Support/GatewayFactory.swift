import Foundation
import OutreachCore
import OutreachProviders
import OutreachService
import OutreachStore

/// The composition root for the service: real clock, real libcurl client, the configured provider.
extension AppContext {
    func promptLibrary() throws -> PromptLibrary {
        let folder = try config().prompts
        do {
            return try PromptFiles.load(folder: folder)
        } catch {
            throw CLIError.failure(error.description)
        }
    }

    /// Sessions, knowing from the templates which campaigns to a session's audience are about its dates (with prompts that
    /// cannot be read, all are: stopping an invitation wrongly is the safer side).
    func sessionStore(_ database: Database) -> SessionStore {
        let catalog = try? promptLibrary().catalog
        return SessionStore(database, campaignIsAboutSession: { catalog?.templates[$0.template]?.isAboutSession ?? true })
    }

    func providerSecrets() throws -> ProviderSecrets {
        var fileText: String?
        if let file = try config().provider.secretsFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError.failure("provider.secretsFile '\(file)' cannot be read")
            }
            fileText = String(decoding: data, as: UTF8.self)
        }
        return ProviderSecrets(environment: environment, fileText: fileText)
    }

    func webhookBaseURL(for provider: String) throws -> String {
        var base = try config().server.publicURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/hooks/" + provider
    }

    func makeProvider(client: any HTTPClient, clock: @escaping @Sendable () -> Date) throws -> any Provider {
        let config = try config()
        let path = try databasePath()
        _ = try database()  // migrated before the ledger's own connection opens
        let ledger: any SimulatorLedger = path == ":memory:" ? InMemorySimulatorLedger() : try SQLiteSimulatorLedger(path: path)
        let dependencies = ProviderRegistry.Dependencies(
            secrets: try providerSecrets(), client: client, now: { clock() }, simulatorLedger: ledger,
            webhookBaseURL: try webhookBaseURL(for: config.provider.kind == .elks ? "46elks" : config.provider.kind.rawValue))
        do {
            return try ProviderRegistry.make(config.provider, dependencies)
        } catch {
            throw CLIError.failure("provider \(config.provider.kind.rawValue): \(error.message)")
        }
    }

    /// `clock` overrides the context's clock (the demo moves time forward by hand).
    func makeGateway(log: ServiceLog, clock: (@Sendable () -> Date)? = nil) throws -> Gateway {
        let config = try config()
        let clock = clock ?? now
        let client = CurlHTTPClient(maxConcurrent: 16, options: .init())
        let provider = try makeProvider(client: client, clock: clock)
        let rate = ProviderRegistry.rate(for: config.provider)
        let settings = DispatchSettings(ratePerSecond: rate, from: config.provider.from, callFrom: config.provider.callFrom,
                                        callbackBaseURL: try webhookBaseURL(for: provider.name),
                                        quietHours: QuietWindow(config.quietHours), timeZone: config.timeZone,
                                        reconcileAfter: config.provider.reconcileAfterSeconds,
                                        troubleLimit: config.provider.pauseAfterFailures, troublePause: config.provider.pauseSeconds)
        return Gateway(database: try database(), config: config, library: try promptLibrary(), provider: provider,
                       dispatch: settings, now: { clock() }, log: log)
    }

    /// Log lines on stderr, phone numbers masked by the callers.
    func serviceLog(quiet: Bool = false) -> ServiceLog {
        let console = self.console
        let clock = now
        return ServiceLog(minimumLevel: quiet ? .warning : .info, now: { clock() }, write: { console.error($0) })
    }
}
