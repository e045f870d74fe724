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

    /// Takes the lock, or says who holds it. nil for an in-memory database (nothing to share).
    static func acquire(databasePath: String) throws(CLIError) -> RunLock? {
        guard databasePath != ":memory:", !databasePath.isEmpty else { return nil }
        // By the file's real path: the same database named through a symlink or another relative path is one database.
        let path = resolved(databasePath) + ".run-lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .failure("run: cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPID(descriptor).map { " (pid \($0))" } ?? ""
            close(descriptor)
            throw .failure("run: another 'outreach run'\(holder) is using \(databasePath); stop it first (one service per database)")
        }
        // The holder's pid, for the message a second one gets.
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return RunLock(descriptor: descriptor)
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

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
