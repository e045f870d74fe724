import Foundation
import OutreachCLI

// The composition root: real console, real clock, real environment.
let code = await OutreachCLI.run(Array(CommandLine.arguments.dropFirst()), console: Console.standard(),
                           environment: ProcessInfo.processInfo.environment)
exit(code)
