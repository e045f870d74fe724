import Foundation
import Testing
import OutreachCore
import OutreachStore
import OutreachTesting
@testable import OutreachCLI

/// What a coordinator can get wrong when creating and launching a campaign, and what they are told.
/// The world: three seniors and a guide, a weekly Tuesday 14:00 session, Sunday 2026-11-22 09:00 local.
@Suite("outreach campaign: mistakes are refused, with the reason")
struct CampaignCommandTests {
    func create(_ cli: CLIHarness, _ config: String, _ arguments: [String]) async -> CLIHarness.Outcome {
        await cli.run(["campaign", "create"] + arguments, config: config)
    }

    @Test("create refuses an audience, a template, a channel, a time or a name it could not honour, and says why",
          arguments: [
              (["--audience", ""], "is empty: write all"),
              (["--audience", " ; "], "is empty: write all"),
              (["--audience", "role=,"], "'role=,' names no value"),
              (["--audience", "session=1;session=1"], "'session' is given twice"),
              (["--audience", "session=99"], "there is no session 99"),
              (["--audience", "people=1,98,99"], "no person with id 98, 99"),
              (["--audience", "role=senior", "--at", "2026-11-21T10:00:00Z"], "is in the past"),
              (["--audience", "role=senior", "--at", "2026-12-01T10:00:00+25:00"], "is not a time"),
              (["--audience", "role=senior", "--at", "2026-12-01T10:00:00+01:75"], "is not a time"),
              (["--audience", "role=senior", "--at", "2026-12-01T10:00:00+2500"], "is not a time"),
              (["--audience", "role=senior", "--at", "2026-12-01T10:00:00+0199"], "is not a time"),
              (["--audience", "role=senior", "--at", "tomorrow"], "is not a time: use local \"2026-12-01 10:00\" (Europe/Stockholm) or ISO-8601"),
              (["--audience", "role=senior", "--channel", "voice"], "template 'help' has no voice version"),
              (["--audience", "role=senior", "--name", "Other"], "--name is given twice"),
          ])
    func createRefuses(arguments: [String], reason: String) async {
        let (cli, config) = await ServiceCommandTests().world()
        let outcome = await create(cli, config, ["--name", "Fika", "--template", "help"] + arguments)
        #expect(outcome.code == 2, "\(outcome.out)\(outcome.err)")
        #expect(outcome.err.contains(reason), "\(outcome.err)")
        #expect(await cli.run(["campaign", "list"], config: config).out.contains("Fika") == false)
    }

    @Test("create refuses an escort template (a campaign cannot fill a guide's name) and a name taken in another case")
    func createRefusesTemplateAndName() async {
        let (cli, config) = await ServiceCommandTests().world()
        let escort = await create(cli, config, ["--name", "Hämtning", "--template", "escort-pickup-notice", "--audience", "role=senior"])
        #expect(escort.code == 2)
        #expect(escort.err.contains("template 'escort-pickup-notice' is sent only by the escort flow, not by a campaign"), "\(escort.err)")
        // Nor an answer to a person's own reply: a STOP confirmed to someone who never sent one. Nor the scheduler's reminder.
        let optOut = await create(cli, config, ["--name", "Fel", "--template", "optout-confirmation", "--audience", "people=1"])
        #expect(optOut.code == 2 && optOut.err.contains("is sent only by the reply flow, after a STOP"), "\(optOut.err)")
        let reminder = await create(cli, config, ["--name", "Fel", "--template", "session-reminder", "--audience", "session=1"])
        #expect(reminder.code == 2 && reminder.err.contains("a campaign can send session-invite"), "\(reminder.err)")
        #expect(await create(cli, config, ["--name", "Eid fika", "--template", "help", "--audience", "all"]).code == 0)
        let again = await create(cli, config, ["--name", "eid FIKA", "--template", "help", "--audience", "all"])
        #expect(again.code == 1)
        #expect(again.err.contains("a campaign named 'Eid fika' exists already (campaign 1)"), "\(again.err)")
    }

    @Test("a one-off session that is over by --at is refused: the invitation would name a date already past")
    func sessionOverBySendTime() async {
        let (cli, config) = await ServiceCommandTests().world()
        #expect(await cli.run(["sessions", "add", "--title", "Julfest", "--start", "2026-11-25 14:00", "--duration", "120"],
                              config: config).code == 0)
        let late = await create(cli, config, ["--name", "Jul", "--template", "session-invite", "--audience", "session=2",
                                              "--at", "2026-11-26T09:00:00Z"])
        #expect(late.code == 2)
        #expect(late.err.contains("session 2 (Julfest) has no date after 2026-11-26 10:00 Europe/Stockholm"), "\(late.err)")
        #expect(await create(cli, config, ["--name", "Jul", "--template", "session-invite", "--audience", "session=2",
                                           "--at", "2026-11-24T09:00:00Z"]).code == 0)
    }

    @Test("an audience that matches no one: preview says so, launch refuses and enqueues nothing")
    func nobody() async {
        let (cli, config) = await ServiceCommandTests().world()
        let created = await create(cli, config, ["--name", "Tyska", "--template", "help", "--audience", "language=de"])
        #expect(created.code == 0)
        #expect(created.out.contains("note: no one matches the audience language=de yet"), "\(created.out)")
        #expect(await cli.run(["campaign", "pause", "1"], config: config).err
            .contains("campaign 1 is a draft, not launched yet (see 'outreach campaign launch 1')"))
        #expect(await create(cli, config, ["--name", "Två\nrader", "--template", "help", "--audience", "all"]).err
            .contains("--name may not hold line breaks"))
        let preview = await cli.run(["campaign", "preview", "1"], config: config)
        #expect(preview.code == 0)
        #expect(preview.out.contains("no one matches the audience language=de"), "\(preview.out)")
        let launch = await cli.run(["campaign", "launch", "1", "--yes"], config: config)
        #expect(launch.code == 1)
        #expect(launch.err.contains("no one matches the audience language=de; nothing enqueued"), "\(launch.err)")
        #expect(await cli.run(["campaign", "status", "1"], config: config).out.contains("[draft]"))
    }

    @Test("a campaign scheduled for later: launch says when and returns; due shows it held; pause holds it in due too")
    func scheduledAndPaused() async {
        let (cli, config) = await ServiceCommandTests().world()
        #expect(await create(cli, config, ["--name", "Senare", "--template", "help", "--audience", "role=senior",
                                           "--at", "2026-11-23T09:00:00Z"]).code == 0)
        let launch = await cli.run(["campaign", "launch", "1", "--yes"], config: config)  // would wait for ever before
        #expect(launch.code == 0, "\(launch.err)")
        #expect(launch.out.contains("scheduled for 2026-11-23 10:00 Europe/Stockholm: the service"), "\(launch.out)")
        let status = await cli.run(["campaign", "status", "1"], config: config)
        #expect(status.out.contains("[scheduled], template help, audience role=senior, channel each person's own, "
                                    + "sends from 2026-11-23 10:00 Europe/Stockholm"), "\(status.out)")
        #expect(await cli.run(["campaign", "pause", "1"], config: config).code == 0)
        let due = await cli.run(["due", "--at", "2026-11-23T10:00:00Z"], config: config)
        let rows = due.out.split(separator: "\n").filter { $0.contains("campaign 1") }
        #expect(rows.count == 3 && rows.allSatisfy { $0.contains("queued, held: campaign 1 is paused") }, "\(due.out)")
        // Resumed before its time, it is scheduled again, not running (it said running a day early).
        #expect(await cli.run(["campaign", "resume", "1"], config: config).out.contains("campaign 1 is scheduled"))
        #expect(await cli.run(["campaign", "status", "1"], config: config).out.contains("[scheduled]"))

        // Asked for 23:30 local: quiet hours hold it until 09:00, and launch and status say so (they said 22:30Z).
        #expect(await create(cli, config, ["--name", "Natt", "--template", "help", "--audience", "role=senior",
                                           "--at", "2026-11-23 23:30"]).code == 0)
        let night = await cli.run(["campaign", "launch", "2", "--yes"], config: config)
        let held = "2026-11-24 09:00 Europe/Stockholm (asked for 2026-11-23 23:30; quiet hours hold it until then)"
        #expect(night.out.contains("scheduled for \(held)"), "\(night.out)")
        #expect(await cli.run(["campaign", "status", "2"], config: config).out.contains("sends from \(held)"))
        #expect(try! OutboxStore(try! Database(path: cli.databasePath)).list(campaignID: 2).allSatisfy {
            $0.notBefore == Timestamp.parse("2026-11-24T08:00:00Z")
        })
    }

    @Test("launch's watch follows the service's sends and ends by itself when nothing is left to send", .timeLimit(.minutes(1)))
    func watchToDone() async throws {
        let (cli, config) = await ServiceCommandTests().world()
        #expect(await create(cli, config, ["--name", "Fika", "--template", "help", "--audience", "role=senior"]).code == 0)
        #expect(await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config).code == 0)
        let captured = CapturedConsole(input: [])
        let (now, databasePath) = (cli.now, cli.databasePath)
        let ended = WatchEnded()
        // Watched on a thread of its own, as the launch command watches: the sends happen meanwhile, in `run --once`.
        Thread {
            let context = AppContext(console: captured.console, environment: [:], now: { now }, configPath: config,
                                     databaseOverride: databasePath)
            try? CampaignCommands.watch(1, context, stallAfter: 60)
            ended.set()
        }.start()
        try await Task.sleep(for: .milliseconds(700))
        #expect(captured.out.contains("queued 3 / sending 0 / sent 0"), "\(captured.out)")
        #expect(await cli.run(["run", "--once"], config: config).code == 0)
        for _ in 0..<200 where !ended.isSet { try await Task.sleep(for: .milliseconds(100)) }
        #expect(ended.isSet, "the watch was still going: \(captured.out)")
        let last = captured.out.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("queued 0 / sending 0 / "), "\(captured.out)")
        #expect(!captured.out.contains("no progress"))
    }

    @Test("a watch that runs into quiet hours ends, saying until when (it said 'no progress' every 15 s all night)")
    func watchIntoQuietHours() async throws {
        let (cli, config) = await ServiceCommandTests().world()
        #expect(await create(cli, config, ["--name", "Kväll", "--template", "help", "--audience", "role=senior"]).code == 0)
        #expect(await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config).code == 0)
        // 21:00 local: nothing moves until 09:00.
        let captured = CapturedConsole(input: [])
        let context = AppContext(console: captured.console, environment: [:], now: { Timestamp.parse("2026-11-22T20:00:00Z")! },
                                 configPath: config, databaseOverride: cli.databasePath)
        try CampaignCommands.watch(1, context, stallAfter: 0.2)
        #expect(captured.out.contains("quiet hours until 2026-11-23 09:00 Europe/Stockholm: the service sends the rest then"), "\(captured.out)")
        #expect(!captured.out.contains("no progress"))
    }

    @Test("sending paused after provider trouble (a rejected key): status, campaign status, due and the watch say until when and why")
    func pausedForProviderTrouble() async throws {
        let (cli, config) = await ServiceCommandTests().world()
        #expect(await create(cli, config, ["--name", "Fika", "--template", "help", "--audience", "role=senior"]).code == 0)
        #expect(await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config).code == 0)
        // As the service leaves it after a refused key: paused ten minutes, the first message back in the queue with the reason.
        let database = try Database(path: cli.databasePath)
        try ProviderTroubleStore(database).save(.init(failuresInARow: 8, pausesInARow: 1, heldUntil: cli.now.addingTimeInterval(600)),
                                                provider: "simulator", now: cli.now)
        try database.statement("UPDATE messages SET attempts = 1, error = ?, updated_at = ? WHERE id = (SELECT min(id) FROM messages)")
            .bind("simulator account problem (auth): Invalid API credentials.", Timestamp.format(cli.now)).run()
        let pause = "sending through simulator is paused until 2026-11-22 11:10 Europe/Stockholm after provider trouble "
            + "(last: simulator account problem (auth): Invalid API credentials.)"
        #expect(await cli.run(["status"], config: config).out.contains(pause))
        #expect(await cli.run(["status", "--json"], config: config).out.contains(#""sendingPausedUntil" : "2026-11-22T10:10:00Z""#))
        #expect(await cli.run(["campaign", "status", "1"], config: config).out.contains(pause))
        let due = await cli.run(["due"], config: config)
        let rows = due.out.split(separator: "\n").filter { $0.contains("campaign 1") }
        #expect(rows.count == 3 && rows.allSatisfy { $0.contains("queued, held: sending is paused after provider trouble until 2026-11-22T10:10:00Z") },
                "\(due.out)")
        #expect(due.out.contains(pause))
        // The watch ends, saying so (it said "is the service running?", and watched on).
        let captured = CapturedConsole(input: [])
        let now = cli.now
        let context = AppContext(console: captured.console, environment: [:], now: { now }, configPath: config,
                                 databaseOverride: cli.databasePath)
        try CampaignCommands.watch(1, context, stallAfter: 0.2)
        #expect(captured.out.contains(pause + "; the service ('outreach run') tries again then; follow it with 'outreach campaign status 1'"),
                "\(captured.out)")
        #expect(!captured.out.contains("no progress"))
        // Once the pause is over, nothing says it.
        cli.now = cli.now.addingTimeInterval(700)
        #expect(!(await cli.run(["status"], config: config).out.contains("is paused until")))
        #expect(!(await cli.run(["due"], config: config).out.contains("paused")))
    }

    @Test("--at a local time the clocks skip is read an hour later, and says so")
    func atInTheSpringGap() async {
        let (cli, config) = await ServiceCommandTests().world()
        let created = await create(cli, config, ["--name", "Vår", "--template", "help", "--audience", "role=senior", "--at", "2027-03-28 02:30"])
        #expect(created.code == 0, "\(created.err)")
        #expect(created.err.contains("note: 2027-03-28 02:30 does not exist in Europe/Stockholm (the clocks go forward); read as 2027-03-28 03:30"),
                "\(created.err)")
        // due takes the same local time; its --json stays JSON alone on stdout, the note beside it on stderr.
        let due = await cli.run(["due", "--at", "2027-03-28 02:30", "--json"], config: config)
        #expect(due.code == 0 && due.err.contains("read as 2027-03-28 03:30"), "\(due.err)")
        #expect((try? JSONSerialization.jsonObject(with: Data(due.out.utf8))) is [Any], "\(due.out.prefix(200))")
        #expect(!(await create(cli, config, ["--name", "Höst", "--template", "help", "--audience", "role=senior", "--at", "2027-03-29 02:30"]))
            .err.contains("does not exist"))
    }

    @Test("launched in quiet hours with no send time: launch says the messages wait until morning, and does not watch all night")
    func launchedInQuietHours() async {
        let (cli, config) = await ServiceCommandTests().world()
        cli.now = Timestamp.parse("2026-11-22T21:00:00Z")!  // 22:00 local
        #expect(await create(cli, config, ["--name", "Kväll", "--template", "help", "--audience", "role=senior"]).code == 0)
        let launch = await cli.run(["campaign", "launch", "1", "--yes"], config: config)
        #expect(launch.code == 0, "\(launch.err)")
        #expect(launch.out.contains("scheduled for 2026-11-23 09:00 Europe/Stockholm (after quiet hours): the service"), "\(launch.out)")
        #expect(await cli.run(["campaign", "status", "1"], config: config).out
            .contains("sends from 2026-11-23 09:00 Europe/Stockholm (after quiet hours)"))

        // Asked for 22:05 and launched at 22:10: the time shown is when the messages really go, not the past one.
        #expect(await create(cli, config, ["--name", "Sent", "--template", "help", "--audience", "role=senior",
                                           "--at", "2026-11-22 22:05"]).code == 0)
        cli.now = cli.now.addingTimeInterval(600)
        let late = await cli.run(["campaign", "launch", "2", "--yes"], config: config)
        let held = "2026-11-23 09:00 Europe/Stockholm (asked for 2026-11-22 22:05; quiet hours hold it until then)"
        #expect(late.out.contains("scheduled for \(held)"), "\(late.out)")
        #expect(await cli.run(["campaign", "status", "2"], config: config).out.contains("sends from \(held)"))
    }

    @Test("preview prices each language, and notes fallbacks apart from who cannot be reached")
    func previewCosts() async {
        let (cli, config) = await ServiceCommandTests().world()
        #expect(await create(cli, config, ["--name", "Hjälp", "--template", "help", "--audience", "role=senior"]).code == 0)
        let preview = await cli.run(["campaign", "preview", "1"], config: config)
        #expect(preview.code == 0, "\(preview.err)")
        #expect(preview.out.contains("== ar sms: 1 recipient, UCS-2"), "\(preview.out)")
        #expect(preview.out.contains("segments, about 0.00 SEK"), "\(preview.out)")  // the Simulator is free
        // Amina takes calls only, and 'help' has no voice version: she gets the SMS.
        #expect(preview.out.contains("3 messages to send to 3 people"), "\(preview.out)")
        #expect(!preview.out.contains("cannot be sent"), "\(preview.out)")
    }

    @Test("replies count only what came back after the campaign's message, not an older text from the same phone")
    func replies() async {
        let (cli, config) = await ServiceCommandTests().world()
        #expect(await cli.run(["simulate", "reply", "--from", "070-174 06 13", "Hej"], config: config).code == 0)
        cli.now = cli.now.addingTimeInterval(60)
        #expect(await create(cli, config, ["--name", "Hjälp", "--template", "help", "--audience", "people=3"]).code == 0)
        let preview = await cli.run(["campaign", "preview", "1"], config: config)
        #expect(preview.out.contains("1 message to send to 1 person: 2 SMS segments, about"), "\(preview.out)")
        #expect(await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config).out.contains("1 message to send"))
        _ = await cli.run(["run", "--once"], config: config)
        #expect(await cli.run(["campaign", "status", "1"], config: config).out.contains("replies 0"))
        cli.now = cli.now.addingTimeInterval(60)
        #expect(await cli.run(["simulate", "reply", "--from", "070-174 06 13", "1"], config: config).code == 0)
        let status = await cli.run(["campaign", "status", "1"], config: config)
        #expect(status.out.contains("replies 1"), "\(status.out)")
        // A STOP is no answer to the campaign: counted apart.
        cli.now = cli.now.addingTimeInterval(60)
        #expect(await cli.run(["simulate", "reply", "--from", "070-174 06 13", "STOPP"], config: config).code == 0)
        let after = await cli.run(["campaign", "status", "1"], config: config)
        #expect(after.out.contains("replies 1 / opted out 1"), "\(after.out)")
        let json = await cli.run(["campaign", "status", "1", "--json"], config: config)
        #expect(json.out.contains("\"replies\" : 1") && json.out.contains("\"optOuts\" : 1"), "\(json.out)")
        #expect(json.out.contains("\"channel\" : null") && json.out.contains("\"sendAt\" : null"), "\(json.out)")
    }

    @Test("preview warns who takes calls only and gets an SMS; launch says what it stored as suppressed; an import makes the messages not sent yet again")
    func voiceOnlyAndImport() async {
        let (cli, config) = await ServiceCommandTests().world()
        _ = await cli.run(["optouts", "add", "070-174 06 13"], config: config)
        _ = await create(cli, config, ["--name", "Hjälp", "--template", "help", "--audience", "role=senior"])
        let preview = await cli.run(["campaign", "preview", "1"], config: config)
        // Amina takes calls only and the help text has no voice version. Before, she was counted under "so sms" and nothing said.
        #expect(preview.out.contains("1 person who takes calls only gets an SMS instead: 'help' has no voice version")
                && preview.out.contains("  warning: Amina Warsame (+46 70 *** ** 06, so)"), "\(preview.out)")
        let launch = await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config)
        // Before: "3 messages enqueued", the opted-out one among them.
        #expect(launch.out.contains("campaign 1 launched: 2 messages to send, 1 that cannot be sent stored as suppressed"), "\(launch.out)")
        _ = await cli.run(["campaign", "pause", "1"], config: config)
        let reimport = await cli.run(["people", "import", cli.write("people2.csv", """
            name,phone,role,language,channel
            Fatima Hassan,070-174 06 05,senior,ti,sms

            """)], config: config)
        #expect(reimport.code == 0, "\(reimport.err)")
        #expect(reimport.out.contains("campaign 1: the messages not sent yet to 1 person whose language, channel or role changed are made "
                                      + "again as they are now (1 to send)"), "\(reimport.out)")
        _ = await cli.run(["campaign", "resume", "1"], config: config)
        let status = await cli.run(["campaign", "status", "1"], config: config)
        // Fatima's Arabic message, set aside, is not counted as cancelled: her Tigrinya one stands for it.
        #expect(status.out.contains("queued 2") && !status.out.contains("cancelled"), "\(status.out)")
    }

    @Test("launch notes a send time that has passed; status shows no empty reason; preview says when names make some texts UCS-2")
    func smallTruths() async throws {
        let (cli, config) = await ServiceCommandTests().world()
        _ = await cli.run(["people", "import", cli.write("more.csv", """
            name,phone,role,language,channel
            Łucja Nowak,070-174 06 16,senior,sv,sms

            """)], config: config)
        _ = await cli.run(["enroll", "--senior", "5", "--session", "1"], config: config)
        let created = await create(cli, config, ["--name", "Bjud in", "--template", "session-invite", "--audience", "session=1;language=sv",
                                                 "--channel", "sms", "--at", "2026-11-22 12:00"])
        #expect(created.code == 0, "\(created.err)")
        let preview = await cli.run(["campaign", "preview", "1"], config: config)
        // "Ł" is not in GSM-7: Łucja's text is UCS-2, Birgitta's GSM-7. Before, the header said GSM-7 alone.
        #expect(preview.out.contains("== sv sms: 2 recipients, GSM-7 or UCS-2 (names differ), "), "\(preview.out)")
        cli.now = Date(timeIntervalSince1970: 1_795_356_000)  // 2026-11-22T14:00:00Z: 15:00 local, the send time passed
        let launch = await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config)
        #expect(launch.out.contains("note: its send time (2026-11-22 12:00 Europe/Stockholm) has passed: it sends now"), "\(launch.out)")
        #expect(!(await cli.run(["campaign", "status", "1"], config: config).out.contains("sends from")))
        let database = try Database(path: cli.databasePath)
        try database.execute("UPDATE messages SET status = 'undelivered', error = NULL")
        let status = await cli.run(["status"], config: config)
        #expect(status.out.contains("sms session-invite\n") && !status.out.contains("session-invite: \n"), "\(status.out)")
    }

    @Test("an import names who dropped out of a campaign's audience, and still imports when a campaign cannot be made again")
    func importAndCampaigns() async throws {
        let (cli, config) = await ServiceCommandTests().world()
        _ = await create(cli, config, ["--name", "Hjälp", "--template", "help", "--audience", "role=senior"])
        _ = await create(cli, config, ["--name", "Hjälp igen", "--template", "help", "--audience", "people=3"])
        _ = await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config)
        _ = await cli.run(["campaign", "launch", "2", "--yes", "--no-wait"], config: config)
        // Campaign 2's template has left the catalog since it was launched.
        try Database(path: cli.databasePath).execute("UPDATE campaigns SET template = 'gone' WHERE id = 2")
        // The service is sending Amina's message as she changes.
        try Database(path: cli.databasePath).execute("UPDATE messages SET status = 'sending' WHERE phone = '+46701740606'")
        let outcome = await cli.run(["people", "import", cli.write("changed.csv", """
            name,phone,role,language,channel
            Fatima Hassan,070-174 06 05,guide,ar,sms
            Amina Warsame,070-174 06 06,senior,sv,voice
            Birgitta Johansson,070-174 06 13,senior,en,sms

            """)], config: config)
        // Before, the missing template failed the whole import.
        #expect(outcome.code == 0, "\(outcome.err)")
        #expect(outcome.out.contains("campaign 1: the messages not sent yet to 2 people whose language, channel or role changed are made "
                                     + "again as they are now (1 to send); 1 person no longer in its audience gets nothing"), "\(outcome.out)")
        #expect(outcome.out.contains("campaign 2: the messages not sent yet to 1 person whose language, channel or role changed are "
                                     + "cancelled and cannot be made again (no template 'gone'"), "\(outcome.out)")
        #expect(outcome.out.contains("note: 1 campaign message to people who changed was in flight (being sent, or in doubt after a stop): "
                                     + "it goes as made before, if at all"), "\(outcome.out)")
        #expect(await cli.run(["people", "list", "--role", "guide"], config: config).out.contains("Fatima"))
    }

    @Test("an import that must make campaign messages again and cannot read the templates imports nothing, and says why")
    func importNeedsTemplates() async throws {
        let (cli, config) = await ServiceCommandTests().world()
        _ = await create(cli, config, ["--name", "Hjälp", "--template", "help", "--audience", "role=senior"])
        _ = await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config)
        let broken = cli.write("broken.json5", "{ prompts: '/nonexistent/Prompts' }")
        let outcome = await cli.run(["people", "import", cli.write("changed.csv", """
            name,phone,role,language,channel
            Fatima Hassan,070-174 06 05,senior,ti,sms

            """)], config: broken)
        #expect(outcome.code == 1 && outcome.err.contains("people import: campaign messages of changed people must be made again as they "
                                                          + "are now, and that needs the templates"), "\(outcome.err)")
        #expect(outcome.err.contains("nothing imported"))
        #expect(await cli.run(["people", "list", "--language", "ti"], config: config).out.contains("Fatima") == false)
        // A done campaign says what to do instead of launching it again.
        try Database(path: cli.databasePath).execute("UPDATE campaigns SET status = 'done'")
        let done = await cli.run(["campaign", "launch", "1", "--yes"], config: config)
        #expect(done.code == 1 && done.err.contains("campaign 1 is done: a campaign sends once per person; to send again, or to invite "
                                                    + "to another date, create a new campaign"), "\(done.err)")
    }

    @Test("a send time passed during quiet hours: launch says it has passed, and when it goes, not that it goes now")
    func passedSendTimeInQuietHours() async {
        let (cli, config) = await ServiceCommandTests().world()
        _ = await create(cli, config, ["--name", "Hjälp", "--template", "help", "--audience", "role=senior", "--at", "2026-11-22 12:00"])
        cli.now = Date(timeIntervalSince1970: 1_795_379_400)  // 2026-11-22T20:30:00Z: 21:30 local, quiet hours
        let launch = await cli.run(["campaign", "launch", "1", "--yes", "--no-wait"], config: config)
        #expect(launch.out.contains("note: its send time (2026-11-22 12:00 Europe/Stockholm) has passed\n"), "\(launch.out)")
        #expect(launch.out.contains("scheduled for 2026-11-23 09:00"), "\(launch.out)")
    }
}

/// Set by the watch's thread when it returns.
private final class WatchEnded: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
