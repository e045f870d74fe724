import Foundation
import OutreachCLI

// The composition root: real console, real clock, real environment.
// A log reader that goes away (`outreach run | tee run.log`, both sent the same Ctrl-C) must not kill the service by
// SIGPIPE before it has put its claimed messages back: a failed write is dropped instead (see `Console.standard`).
signal(SIGPIPE, SIG_IGN)
let code = await OutreachCLI.run(Array(CommandLine.arguments.dropFirst()), console: Console.standard(),
                           environment: ProcessInfo.processInfo.environment)
exit(code)
