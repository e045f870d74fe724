import Foundation

/// The locked FIFO between `CurlHTTPClient.send` and its worker threads.
final class CurlJobQueue: @unchecked Sendable {
    struct Job: Sendable {
        let request: HTTPRequest
        let complete: @Sendable (Result<HTTPResponse, HTTPClientError>) -> Void
    }

    // All mutable state below is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false

    /// Queues a job; false once the queue is closed.
    func submit(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Blocks until a job is available; nil once the queue is closed.
    func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !closed {
            condition.wait()
        }
        guard !closed, head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }

    /// Closes the queue, wakes every worker, and hands back jobs that never started.
    func close() -> [Job] {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        let pending = Array(jobs[head...])
        jobs.removeAll()
        head = 0
        condition.broadcast()
        return pending
    }
}
