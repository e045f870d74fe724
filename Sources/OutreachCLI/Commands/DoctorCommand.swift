import Foundation
import OutreachCore
import OutreachProviders
import OutreachService
import OutreachStore

enum DoctorCommand {
    /// Prints one line per check and counts the failures.
    final class Checks {
        let console: Console
        private(set) var failures = 0
        init(console: Console) { self.console = console }
        func report(_ ok: Bool, _ what: String, _ detail: String) {
            console.print("\(ok ? "ok  " : "FAIL") \(what): \(detail)")
            if !ok { failures += 1 }
        }
    }

    static let node = CommandNode("doctor", summary: "check config, database, prompts and provider credentials", help: """
        Usage: outreach doctor [--network]

        Checks that the config loads, the database opens and is migrated, the prompts pass lint, and the
        provider's credentials are present (their names are shown, never their values). With --network it also
        makes one authenticated request to the provider to prove the API answers. Exit 1 when a check fails.
        """) { arguments, context in
        let network = arguments.flag("--network")
        try arguments.finish()
        let console = context.console
        let checks = Checks(console: console)
        let report = checks.report

        let config: OutreachConfig
        do {
            config = try context.config()
            report(true, "config", context.configFile ?? "no file, built-in defaults")
        } catch {
            report(false, "config", "\(error)")
            throw CLIError.failure("doctor: 1 check failed")
        }
        do {
            let database = try context.database()
            let versions = try Migrator().appliedVersions(in: database)
            report(true, "database", "\(try context.databasePath()), schema version \(versions.max() ?? 0)")
        } catch {
            report(false, "database", "\(error)")
        }
        do {
            let library = try context.promptLibrary()
            let errors = TemplateLint.lint(library, sample: TemplateLint.realisticSample(timeZone: config.timeZone)).filter { $0.severity == .error }
            report(errors.isEmpty, "prompts", errors.isEmpty
                   ? "\(library.catalog.templates.count) templates in \(library.catalog.languages.count) languages"
                   : "\(errors.count) lint problems (run 'outreach templates lint')")
        } catch {
            report(false, "prompts", "\(error)")
        }
        let kind = config.provider.kind
        let names = ProviderRegistry.secretNames(for: kind)
        let secrets = try context.providerSecrets()
        let missing = names.required.filter { secrets[$0] == nil }
        report(missing.isEmpty, "provider \(kind.rawValue) credentials", missing.isEmpty
               ? (names.required.isEmpty ? "none needed" : "present: " + names.required.joined(separator: ", "))
               : "missing: " + missing.joined(separator: ", ") + " (set them in the environment or in provider.secretsFile)")
        if missing.isEmpty {
            do {
                let client = CurlHTTPClient(maxConcurrent: 1, options: .init(connectTimeoutMilliseconds: 5_000, totalTimeoutMilliseconds: 15_000))
                let provider = try context.makeProvider(client: client, clock: context.now)
                report(true, "provider settings", "\(provider.name), sender \(config.provider.from)")
                if let problem = try callerProblem(config, context: context) { report(false, "calls", problem) }
                if network {
                    switch await provider.checkAccount() {
                    case .success(let detail): report(true, "provider answers", detail)
                    case .failure(let failure): report(false, "provider answers", failure.description)
                    }
                }
            } catch {
                report(false, "provider settings", "\(error)")
            }
        }
        let failures = checks.failures
        if failures > 0 { throw CLIError.failure("doctor: \(failures) check\(failures == 1 ? "" : "s") failed") }
        console.print("all checks passed")
    }

    /// Calls would come from a sender name, which no network accepts, while someone wants calls: each would fail.
    static func callerProblem(_ config: OutreachConfig, context: AppContext) throws -> String? {
        guard config.provider.callerIsSenderName else { return nil }
        let callers = try context.database().statement("SELECT count(*) FROM people WHERE channel IN ('voice', 'both')")
            .firstRow { $0.int(0) } ?? 0
        guard callers > 0 else { return nil }
        return "\(callers) \(callers == 1 ? "person wants" : "people want") calls, and '\(config.provider.caller)' is a sender name: "
            + "set provider.callFrom to the account's number in E.164 (+46…), or their calls fail"
    }
}
