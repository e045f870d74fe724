import Foundation
import Testing
@testable import OutreachCore

@Suite("Config file")
struct ConfigTests {
    func decode(_ text: String) throws(ConfigError) -> OutreachConfig {
        try OutreachConfig.decode(Data(text.utf8), file: "Config/outreach.json5")
    }

    func failure(_ text: String) -> String {
        do {
            _ = try decode(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("an empty object gives the defaults")
    func defaults() throws {
        let config = try decode("{}")
        #expect(config == OutreachConfig())
        #expect(config.timeZone.identifier == "Europe/Stockholm")
        #expect(config.phoneRegion == .sweden)
        #expect(config.reminders == ReminderRule.defaults)
        #expect(config.provider.kind == .simulator)
    }

    @Test("JSON5: comments, unquoted keys, trailing commas, single quotes")
    func json5() throws {
        let config = try decode("""
            // comment
            { timeZone: 'Europe/Helsinki', phoneRegion: "fi", quietHours: { start: "21:30", }, /* x */ }
            """)
        #expect(config.timeZone.identifier == "Europe/Helsinki")
        #expect(config.phoneRegion.code == "FI")
        #expect(config.quietHours.start == ClockTime(hour: 21, minute: 30))
        #expect(config.quietHours.end == ClockTime(hour: 9, minute: 0))
    }

    @Test("the pause on provider trouble: defaults, and both keys read")
    func troublePause() throws {
        let defaults = try decode("{}")
        #expect(defaults.provider.pauseAfterFailures == 8 && defaults.provider.pauseSeconds == 60)
        let config = try decode("{ provider: { pauseAfterFailures: 3, pauseSeconds: 300 } }")
        #expect(config.provider.pauseAfterFailures == 3 && config.provider.pauseSeconds == 300)
    }

    @Test("calls come from callFrom when set, else from the sender")
    func caller() throws {
        #expect(try decode("{ provider: { from: 'Raslatt' } }").provider.caller == "Raslatt")
        #expect(try decode("{ provider: { from: 'Raslatt', callFrom: '+46766860000' } }").provider.caller == "+46766860000")
    }

    @Test("reminder rules in both forms")
    func reminders() throws {
        let config = try decode("""
            { reminders: [ { name: "day-before", daysBefore: 1, at: "10:00" }, { name: "soon", hoursBefore: 2 }, { name: "m", minutesBefore: 45 } ] }
            """)
        #expect(config.reminders == [
            ReminderRule(name: "day-before", timing: .daysBefore(1, at: ClockTime(hour: 10, minute: 0))),
            ReminderRule(name: "soon", timing: .minutesBefore(120)),
            ReminderRule(name: "m", timing: .minutesBefore(45)),
        ])
    }

    @Test("the shipped Config/outreach.json5 loads")
    func shipped() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config/outreach.json5")
        let config = try OutreachConfig.decode(try Data(contentsOf: url), file: "Config/outreach.json5")
        #expect(config.organization.name == "Träffpunkt Råslätt")
        #expect(config.reminders.count == 2)
    }

    @Test("errors name the file, the key and the problem", arguments: [
        ("{ timezone: 'Europe/Stockholm' }", "Config/outreach.json5: timezone: unknown key (did you mean 'timeZone'?)"),
        ("{ quietHours: { start: '25:00' } }", "Config/outreach.json5: quietHours.start: '25:00' is not a time of day (use HH:MM, e.g. 09:00)"),
        ("{ quietHours: { begin: '20:00' } }", "Config/outreach.json5: quietHours.begin: unknown key"),
        ("{ timeZone: 'Europe/Jonkoping' }", "Config/outreach.json5: timeZone: 'Europe/Jonkoping' is not a time zone (use a name like Europe/Stockholm)"),
        ("{ phoneRegion: 'XX' }", "Config/outreach.json5: phoneRegion: 'XX' is not a supported region"),
        ("{ provider: { kind: 'sinch' } }", "Config/outreach.json5: provider.kind: 'sinch' is not a provider (use simulator, twilio, 46elks, vonage)"),
        ("{ provider: { ratePerSecond: 0 } }", "Config/outreach.json5: provider.ratePerSecond: must be more than 0"),
        ("{ provider: { reconcileAfterSeconds: 0.5 } }", "Config/outreach.json5: provider.reconcileAfterSeconds: must be at least 1 second"),
        ("{ provider: { pauseAfterFailures: 0 } }", "Config/outreach.json5: provider.pauseAfterFailures: must be at least 1"),
        ("{ provider: { pauseSeconds: 7200 } }", "Config/outreach.json5: provider.pauseSeconds: must be between 1 and 3600 seconds"),
        ("{ provider: { callFrom: '0766-86 00 00' } }", "Config/outreach.json5: provider.callFrom: '0766-86 00 00' is not a phone number in E.164 (+46…): calls come from a number"),
        ("{ reminders: [ { name: 'x', daysBefore: 1 } ] }", "Config/outreach.json5: reminders[0]: reminder 'x' needs either daysBefore with at, or hoursBefore, or minutesBefore"),
        ("{ reminders: [ { name: 'a b', hoursBefore: 1 } ] }", "Config/outreach.json5: reminders[0].name: 'a b' must be letters, digits, '-' or '_'"),
        ("{ reminders: [ { name: 'x', hoursBefore: 1 }, { name: 'x', hoursBefore: 2 } ] }", "Config/outreach.json5: reminders: two reminder rules have the same name"),
        ("{ reminders: [ { name: 'voice', hoursBefore: 1 } ] }",
         "Config/outreach.json5: reminders[0].name: 'voice' is reserved (it marks a call in a reminder's key); choose another name"),
        ("{ timeZone: 'UTC+1' }",
         "Config/outreach.json5: timeZone: 'UTC+1' is a fixed offset with no summer time, so times would be an hour off half the year"),
        ("{ timeZone: 'Etc/GMT-1' }", "Config/outreach.json5: timeZone: 'Etc/GMT-1' is a fixed offset with no summer time"),
        ("{ reminders: [ { name: 'x', hoursBefore: 1.5 } ] }", "Config/outreach.json5: reminders[0].hoursBefore: must be a whole number (found 1.5)"),
        ("{ reminders: [ { name: 'x', daysBefore: 0.5, at: '10:00' } ] }", "Config/outreach.json5: reminders[0].daysBefore: must be a whole number"),
        ("{ provider: { pauseAfterFailures: 2.5 } }", "Config/outreach.json5: provider.pauseAfterFailures: must be a whole number"),
        ("{ reminders: [ { name: 'x', minutesBefore: '90' } ] }", "Config/outreach.json5: reminders[0].minutesBefore: expected a number"),
        ("{ database: 5 }", "Config/outreach.json5: database: expected a text in quotes"),
        ("{ database: ", "Config/outreach.json5: not valid JSON5"),
    ])
    func errors(text: String, expected: String) {
        let message = failure(text)
        #expect(message.hasPrefix(expected), "got: \(message)")
    }
}
