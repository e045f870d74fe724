import OutreachCore

enum PhoneCommands {
    static let node = CommandNode("phone", summary: "phone number tools", children: [
        CommandNode("normalize", summary: "normalize numbers to E.164", help: """
            Usage: outreach phone normalize [--region CC] < numbers.txt

            Reads one raw number a line on stdin and prints one line each: the E.164 number, or
            INVALID<TAB>reason. --region is the country for national numbers (SE, NO, FI, DK; default: config phoneRegion).
            """) { arguments, context in
            var region = try context.config().phoneRegion
            if let code = try arguments.option("--region") {
                guard let parsed = PhoneRegion(code: code) else {
                    throw CLIError.usage("phone normalize: '\(code)' is not a supported region (\(PhoneRegion.supported.map(\.code).joined(separator: ", ")))")
                }
                region = parsed
            }
            try arguments.finish()
            while let line = context.console.nextInputLine() {
                switch PhoneNormalizer.normalize(line, region: region) {
                case .success(let number): context.console.print(number.e164)
                case .failure(let error): context.console.print("INVALID\t\(error.description)")
                }
            }
        },
    ])
}
