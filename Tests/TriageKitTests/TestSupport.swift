import Foundation
import Synchronization

/// Where a test's review queue lives.
enum Storage: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory
    case disk

    var description: String { rawValue }
}

/// A fresh folder under the system's temporary folder, removed with its contents
/// when released.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "triage-store-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The default queue file inside the folder.
    var queuePath: String { path + "/queue.sqlite" }
}

/// A clock that moves one second forward each time it is read.
final class TestClock: Sendable {
    private let seconds = Mutex(1_700_000_000.0)

    func tick() -> Double {
        seconds.withLock { value in
            value += 1
            return value
        }
    }
}

/// Runs `body` on `count` new threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchSemaphore(value: 0)
    for index in 0..<count {
        let thread = Thread {
            body(index)
            done.signal()
        }
        thread.start()
    }
    for _ in 0..<count { done.wait() }
}

/// Lines collected from several threads.
final class LineRecorder: Sendable {
    private let storage = Mutex<[String]>([])

    func append(_ line: String) {
        storage.withLock { $0.append(line) }
    }

    var lines: [String] { storage.withLock { $0 } }
}
