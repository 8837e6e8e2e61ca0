import Foundation
import Logging
import Postgres

// TASKS tasks share a pool of POOL connections and run one kind of work for SECONDS (or COUNT in all, for
// callgrind), then print queries, queries per second and this process's CPU time per query (utime + stime from
// /proc/self/stat, so kernel time counts). Kinds, with the limits' set_config travelling along as in verifyd:
//   select  SELECT 1 (one round trip)
//   update  UPDATE … RETURNING on one of 1000 rows (one round trip)
//   tx      SELECT … FOR UPDATE, then UPDATE with COMMIT (two round trips)
// A synchronous main waiting on a semaphore: valgrind 3.19 crashes when threads start while an async main sits in
// sigsuspend.
let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}
let conninfo = option("--db", "host=127.0.0.1 port=5499 user=postgres dbname=bench")
let seconds = Double(option("--seconds", "5")) ?? 5
let count = Int(option("--count", "0")) ?? 0
let tasks = Int(option("--tasks", "64")) ?? 64
let poolSize = Int(option("--pool", "8")) ?? 8
let kind = option("--query", "select")
let client = PostgresClient(
    configuration: PostgresConfiguration(
        connectionString: conninfo, poolSize: poolSize, preparedStatements: arguments.contains("--prepared")),
    logger: Logger(label: "pg-microbench"))

@Sendable func work(_ id: Int) async throws {
    switch kind {
    case "update":
        _ = try await client.query("UPDATE bench_counters SET n = n + 1 WHERE id = \(id) RETURNING n")[0].decode(
            0, as: Int.self)
    case "tx":
        try await client.withTransaction { connection in
            let n = try await connection.query("SELECT n FROM bench_counters WHERE id = \(id) FOR UPDATE")[0]
                .decode(0, as: Int.self)
            try await connection.pipeline(["UPDATE bench_counters SET n = \(n + 1) WHERE id = \(id)"], commit: true)
        }
    default:
        _ = try await client.query("SELECT 1")[0].decode(0, as: Int.self)
    }
}

func cpuTicks() -> Int {
    let stat = (try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8)) ?? ""
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    guard fields.count > 12 else { return 0 }
    return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
}

func measure() async throws {
    // Open every connection first.
    try await withThrowingTaskGroup(of: Void.self) { group in
        for id in 1...poolSize { group.addTask { try await work(id) } }
        try await group.waitForAll()
    }
    let perTask = count > 0 ? count / tasks : Int.max
    let deadline = Date().addingTimeInterval(seconds)
    let ticks = cpuTicks()
    let start = Date()
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var done = 0
                var id = task * 13
                while done < perTask, count > 0 || Date() < deadline {
                    id = (id &* 1_103_515_245 &+ 12345) & 0x7fff_ffff
                    try await work(id % 1000 + 1)
                    done += 1
                }
                return done
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = Date().timeIntervalSince(start)
    let cpu = Double(cpuTicks() - ticks) / 100
    await client.close()
    print(
        "queries=\(total) qps=\(Int(Double(total) / elapsed)) "
            + "cpu_us_per_query=\(String(format: "%.1f", cpu * 1_000_000 / Double(max(total, 1))))")
}

let finished = DispatchSemaphore(value: 0)
Task.detached {
    do { try await measure() } catch { print("error: \(error)") }
    finished.signal()
}
finished.wait()
