import Foundation
import OutreachCore
import OutreachStore

/// The jobs the pipeline hands to the database lane: claims (with the results waiting), rechecks, result writes
/// and releases. Each runs on the lane and comes back to the task group as a `Finished` value.
extension Dispatcher {
    /// Claims up to `limit` due messages and settles at once those past their expiry or whose person opted out
    /// after they were enqueued (a STOP that arrived in between wins).
    static func claim(in database: Database, limit: Int, now: Date) throws -> Claim {
        let version = try database.dataVersion()
        let claimed = try OutboxStore(database).claimDueCheckingOptOuts(now: now, limit: limit)
        var claim = Claim(count: claimed.count, dataVersion: version)
        guard !claimed.isEmpty else { return claim }
        claim.ready.reserveCapacity(claimed.count)
        for (message, optedOut) in claimed {
            if let expiry = message.expiresAt, expiry <= now {
                claim.settled.append(.suppressed(messageID: message.id, reason: Self.tooLate))
            } else if optedOut {
                claim.settled.append(.suppressed(messageID: message.id, reason: "opted out"))
            } else {
                claim.ready.append(message)
            }
        }
        return claim
    }

    /// Messages per claim: under a rate limit, no more than about a second's worth, so messages do not sit `sending`
    /// waiting for their turn (46elks allows 100 a minute: a claim of 64 would hold some for 40 s, and a crash then
    /// would leave them all `unknown`).
    static func claimSize(_ settings: DispatchSettings) -> Int {
        let configured = max(1, settings.claimSize)
        guard let rate = settings.ratePerSecond else { return configured }
        return max(1, min(configured, Int(rate.rounded(.up))))
    }

    /// Writes `outcomes` and claims the next batch, in one transaction.
    static func claimRecording(_ outcomes: [SendOutcome], in database: Database, limit: Int, now: Date) throws -> Claim {
        guard !outcomes.isEmpty else { return try claim(in: database, limit: limit, now: now) }
        return try database.transaction {
            try OutboxStore(database).record(outcomes, now: now)
            var claim = try claim(in: database, limit: limit, now: now)
            claim.recorded = outcomes
            return claim
        }
    }

    /// Checks the messages claimed but not started once more, on the lane, if another connection (a coordinator's
    /// command, the webhook server) has written since the last look: those whose person has opted out since are
    /// suppressed, those whose campaign was paused or cancelled go back (see `OutboxStore.backInQueue`). The claim
    /// checked them, but a claim runs ahead of the sends (up to `claimSize` plus a lead), which with a slow provider
    /// or a rate limit is seconds.
    func recheck(_ waiting: [OutboxMessage], _ state: inout Pump, since baseline: Int64, group: inout TaskGroup<Finished>,
                         lane: DatabaseLane) {
        state.rechecking = true
        state.recheckPartial = state.claiming
        state.lastRecheck = .now
        state.laneJobs += 1
        group.addTask {
            let result = await lane.run { database in try Dispatcher.check(waiting, since: baseline, in: database) }
            return .rechecked(result)
        }
    }

    static func check(_ waiting: [OutboxMessage], since baseline: Int64, in database: Database) throws -> Recheck {
        var recheck = Recheck(dataVersion: try database.dataVersion())
        guard recheck.dataVersion != baseline else { return recheck }
        let optOuts = try OptOutStore(database).snapshot(of: waiting.map(\.phone))
        // A session date cancelled, or a senior taken out, since the claim: released, these are cancelled.
        let withdrawn = try OutboxStore(database).withdrawn(among: waiting.map(\.id))
        let campaigns = CampaignStore(database)
        var sendable: [Int64: Bool] = [:]
        for message in waiting {
            // Withdrawn first: released, it is cancelled for good; suppressed as opted out, a START could bring it back.
            if withdrawn.contains(message.id) {
                recheck.held.insert(message.id)
            } else if optOuts.contains(phone: message.phone, channel: message.channel) {
                recheck.optedOut.insert(message.id)
            } else if let id = message.campaignID {
                if sendable[id] == nil { sendable[id] = try campaigns.find(id: id).map { OutboxStore.sendingCampaigns.contains($0.status) } ?? true }
                if sendable[id] == false { recheck.held.insert(message.id) }
            }
        }
        return recheck
    }

    /// Hands the results in hand to the lane, to be written in one transaction.
    func record(_ state: inout Pump, group: inout TaskGroup<Finished>, lane: DatabaseLane) {
        let outcomes = state.takePending()
        state.laneJobs += 1
        let instant = now
        group.addTask {
            .recorded(outcomes, await lane.run { database in try OutboxStore(database).record(outcomes, now: instant()) })
        }
    }

    /// Messages claimed but never handed to the provider go back to `queued`, as if never claimed.
    func release(_ messages: [OutboxMessage], _ state: inout Pump, group: inout TaskGroup<Finished>, lane: DatabaseLane) {
        guard !messages.isEmpty else { return }
        let ids = messages.map(\.id)
        state.laneJobs += 1
        let instant = now
        group.addTask {
            .released(messages, await lane.run { database in try OutboxStore(database).release(ids, now: instant()) })
        }
    }
}
