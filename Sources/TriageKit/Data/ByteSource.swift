#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bytes read from a file descriptor with `read(2)`, kept until a parser consumes
/// them.
///
/// Each `fill()` makes exactly one successful `read` call, so a parser sees data as
/// soon as the writer produces it: a pipe fed line by line yields line by line.
/// Unconsumed bytes stay in `bytes[start...]`; a record that spans two reads is
/// simply still there after the next `fill()`.
final class ByteSource {
    /// How many bytes one `read` call asks for.
    static let defaultChunkSize = 64 * 1024

    /// The path for messages, or `-` for standard input.
    let source: String

    /// Everything read and not yet discarded; the unconsumed part starts at `start`.
    private(set) var bytes: [UInt8] = []

    /// The first byte not yet consumed.
    private(set) var start = 0

    /// Whether `read` has reported the end of the input.
    private(set) var reachedEnd = false

    private let descriptor: Int32
    private let closesDescriptor: Bool
    private var chunk: [UInt8]

    /// Opens `path` for reading; `-` is standard input.
    ///
    /// - Throws: `TriageError.io` with the system's reason when the file cannot be
    ///   opened.
    convenience init(path: String, chunkSize: Int = defaultChunkSize) throws {
        if path == "-" {
            self.init(descriptor: 0, source: "-", closes: false, chunkSize: chunkSize)
            return
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TriageError.io("cannot open: \(Self.systemReason(errno))", path: path)
        }
        self.init(
            descriptor: descriptor, source: path, closes: true, chunkSize: chunkSize)
    }

    /// Reads from an open descriptor; closes it on deinit only when `closes` is set.
    init(descriptor: Int32, source: String, closes: Bool, chunkSize: Int) {
        precondition(chunkSize > 0, "chunkSize must be positive, got \(chunkSize)")
        self.descriptor = descriptor
        self.source = source
        self.closesDescriptor = closes
        self.chunk = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit {
        if closesDescriptor { close(descriptor) }
    }

    /// The number of bytes read and not yet consumed.
    var available: Int { bytes.count - start }

    /// Marks `count` more bytes as consumed.
    func consume(_ count: Int) {
        assert(count >= 0 && count <= available, "consume(\(count)) past \(available)")
        start += count
    }

    /// Reads once, appending whatever arrives; sets `reachedEnd` when there is no more.
    ///
    /// Blocks until the descriptor has data or reports its end. Consumed bytes are
    /// discarded first, so buffer offsets from before the call are invalid after it.
    ///
    /// - Throws: `TriageError.io` with the system's reason when `read` fails.
    /// - Complexity: O(*k* + *n*), where *k* is the number of unconsumed bytes moved
    ///   to the front and *n* the number read.
    func fill() throws {
        guard !reachedEnd else { return }

        // Drop consumed bytes so the buffer holds at most one partial record.
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
        } else if start > 0 {
            bytes.removeSubrange(0..<start)
        }
        start = 0

        // One successful read; retry on interruption, wait on a non-blocking input.
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress, buffer.count)
            }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
                return
            }
            if count == 0 {
                reachedEnd = true
                return
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&request, 1, -1)
                continue
            }
            let reason = Self.systemReason(code)
            throw TriageError.io("cannot read: \(reason)", path: source)
        }
    }

    /// The C library's text for an `errno` value.
    static func systemReason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
