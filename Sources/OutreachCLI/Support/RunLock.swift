import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One `outreach run` per database. A second one would take the first one's messages in flight for a crash's
/// leftovers at its start (they become `unknown`, and claimed calls are never placed), and two dispatchers would
/// race for the provider's rate limit. The lock is an advisory `flock` on `<database>.run-lock`: the kernel drops it
/// when the process ends, however it ends (kill -9 included), so a restart never finds a stale lock.
final class RunLock {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Who holds the lock: its pid, and whether it is a `run --once` (cron's).
    struct Holder: Error, Equatable {
        let pid: Int32?
        let once: Bool
    }

    /// Takes the lock, or says who holds it. nil for an in-memory database (nothing to share).
    static func acquire(databasePath: String, once: Bool = false) throws(CLIError) -> RunLock? {
        switch try take(databasePath: databasePath, once: once) {
        case .success(let lock): return lock
        case .failure(let holder): throw busy(databasePath, holder)
        }
    }

    static func busy(_ databasePath: String, _ holder: Holder) -> CLIError {
        .failure("run: another 'outreach run'\(holder.pid.map { " (pid \($0))" } ?? "") is using \(databasePath); "
                 + "stop it first (one service per database)")
    }

    /// Takes the lock (marked as a `run --once`'s when `once`), or tells who holds it.
    static func take(databasePath: String, once: Bool) throws(CLIError) -> Result<RunLock?, Holder> {
        guard databasePath != ":memory:", !databasePath.isEmpty else { return .success(nil) }
        // By the file's real path: the same database named through a symlink or another relative path is one database.
        let path = resolved(databasePath) + ".run-lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .failure("run: cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard lockExclusively(descriptor) else {
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            return .failure(holder)
        }
        // The holder's pid (and "once"), for the message a second one gets.
        let mark = "\(getpid())\(once ? " once" : "")\n"
        _ = ftruncate(descriptor, 0)
        _ = mark.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return .success(RunLock(descriptor: descriptor))
    }

    /// Whether an `outreach run` holds the lock now (nil for an in-memory database). Looks with a shared lock held for
    /// an instant, never the lock itself: a `run` that starts in that instant tries again (see `lockExclusively`).
    static func isHeld(databasePath: String) -> Bool? {
        guard databasePath != ":memory:", !databasePath.isEmpty else { return nil }
        let descriptor = open(resolved(databasePath) + ".run-lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return errno == ENOENT ? false : nil }  // no file: no service ever ran here
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else { return true }
        _ = flock(descriptor, LOCK_UN)
        return false
    }

    /// Takes the lock, trying a few times over a quarter of a second: `isHeld` (from `status`) may hold a shared lock
    /// for an instant, and cron's `run --once` must not take that for another service.
    private static func lockExclusively(_ descriptor: Int32) -> Bool {
        for attempt in 0..<6 {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            if attempt < 5 { usleep(50_000) }
        }
        return false
    }

    /// `path` with symlinks and relative parts resolved; for a database not created yet, its folder's.
    static func resolved(_ path: String) -> String {
        if let real = realpath(path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let url = URL(fileURLWithPath: path)
        guard let folder = realpath(url.deletingLastPathComponent().path, nil) else { return path }
        defer { free(folder) }
        return String(cString: folder) + "/" + url.lastPathComponent
    }

    private static func readHolder(_ descriptor: Int32) -> Holder {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return Holder(pid: nil, once: false) }
        let words = String(decoding: buffer[..<count], as: UTF8.self).split(whereSeparator: \.isWhitespace)
        return Holder(pid: words.first.flatMap { Int32($0) }, once: words.dropFirst().first == "once")
    }
}
