import Foundation
import OutreachCore
import OutreachProviders

enum SimulateCommands {
    static let node = CommandNode("simulate", summary: "feed the Simulator provider (no account needed)", children: [
        CommandNode("reply", summary: "an SMS reply from a person, through the real inbound path", help: """
            Usage: outreach simulate reply --from NUMBER TEXT
            Works when the configured provider is the Simulator. STOP/STOPP/توقف opt the person out, START opts back in.
            """) { arguments, context in
            let fromText = try arguments.requiredOption("--from")
            let text = try arguments.requiredPositional("TEXT")
            try arguments.finish()
            guard case .success(let from) = PhoneNormalizer.normalize(fromText, region: try context.config().phoneRegion) else {
                throw CLIError.usage("simulate reply: '\(fromText)' is not a phone number")
            }
            let gateway = try context.makeGateway(log: context.serviceLog())
            guard let simulator = gateway.provider as? SimulatorProvider else {
                throw CLIError.failure("simulate reply: the configured provider is \(gateway.provider.name), not the Simulator")
            }
            let response = try gateway.handleWebhook(simulator.inboundRequest(from: from, to: gateway.config.provider.from, text: text))
            context.console.print("reply from \(from.masked) processed (HTTP \(response.status))")
        },
    ])
}
