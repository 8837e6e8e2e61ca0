import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Child processes without blocking a thread of the cooperative pool, and the few POSIX calls the cluster needs.
enum ServerProcess {
    struct Result {
        var status: Int32
        var output: String
    }

    static let runuser =
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runuser"

    /// Runs `executable` and returns its exit status and output (stdout, then stderr). Output goes to temporary
    /// files rather than pipes: a server that `pg_ctl start` leaves running must not hold our end of a pipe open.
    /// Past `timeout` the process gets SIGKILL.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws
        -> Result
    {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("scratch-cluster-\(UUID())")
        let outputURL = base.appendingPathExtension("out")
        let errorURL = base.appendingPathExtension("err")
        guard
            FileManager.default.createFile(atPath: outputURL.path, contents: nil),
            FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        else { throw ScratchClusterError("cannot create output files in \(base.deletingLastPathComponent().path)") }
        defer {
            try? FileManager.default.removeItem(at: outputURL)
            try? FileManager.default.removeItem(at: errorURL)
        }
        let output = try FileHandle(forWritingTo: outputURL)
        let error = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? error.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        var watchdog: Task<Void, any Error>?
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            watchdog = Task {
                try await Task.sleep(for: timeout)
                send(SIGKILL, to: pid)
            }
        }
        watchdog?.cancel()
        let text = [outputURL, errorURL].compactMap { try? String(contentsOf: $0, encoding: .utf8) }.joined()
        return Result(status: status, output: text)
    }

    /// Wraps a command that leaves a daemon behind (`pg_ctl start`) so that it closes every inherited descriptor
    /// above stderr first. Foundation's `Process` on Linux learns that a child exited when a socket it passes to the
    /// child reaches EOF; a postmaster that inherited that socket would keep it open, and `run` would never return
    /// (swift-corelibs-foundation issue 4795).
    static func withoutInheritedDescriptors(_ command: (String, [String])) -> (String, [String]) {
        let script = """
            for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done 2>/dev/null
            exec "$@"
            """
        return ("/bin/bash", ["-c", script, "bash", command.0] + command.1)
    }

    /// True when `pid` is a live process: not gone and not a zombie (a zombie still answers `kill(pid, 0)`).
    static func isAlive(_ pid: pid_t) -> Bool {
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) {
            guard let close = stat.lastIndex(of: ")") else { return false }
            return !stat[close...].hasPrefix(") Z")
        }
        return FileManager.default.fileExists(atPath: "/proc/self") ? false : send(0, to: pid)
    }

    @discardableResult
    static func send(_ signal: Int32, to pid: pid_t) -> Bool {
        #if canImport(Glibc)
            Glibc.kill(pid, signal) == 0
        #else
            Darwin.kill(pid, signal) == 0
        #endif
    }

    /// `value` in single quotes for the shell that `pg_ctl -o` hands its options to.
    static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A port on 127.0.0.1 that nothing listens on right now.
    static func freeLoopbackPort() throws -> Int {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ScratchClusterError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ScratchClusterError("binding 127.0.0.1:0 failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
