#if canImport(Glibc)
    import Glibc
#endif

/// Read-only single-precision numbers, owned in memory or mapped from a file.
///
/// A model's weight matrix is the largest thing Triage loads; mapping it from the
/// weights file instead of reading and copying it lets a one-input `classify` start
/// in milliseconds and lets several processes share one copy in the page cache.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    private let base: UnsafePointer<Float>
    private let release: () -> Void

    /// A copy of `values` in memory of its own.
    public init(_ values: [Float]) {
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { source in
            if let address = source.baseAddress {
                storage.initialize(from: address, count: values.count)
            }
        }
        count = values.count
        base = UnsafePointer(storage)
        release = { storage.deallocate() }
    }

    /// `count` floats at `offset` bytes into a mapped file; the mapping lives as long
    /// as this buffer.
    init(mapping: MappedFile, offset: Int, count: Int) {
        precondition(
            offset % MemoryLayout<Float>.alignment == 0 && offset + count * 4 <= mapping.count,
            "floats at offset \(offset) do not fit a mapping of \(mapping.count) bytes")
        self.count = count
        base = (mapping.bytes.baseAddress! + offset).assumingMemoryBound(to: Float.self)
        release = { withExtendedLifetime(mapping) {} }
    }

    deinit { release() }

    public func withUnsafeBufferPointer<Result>(
        _ body: (UnsafeBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    public subscript(index: Int) -> Float {
        precondition(index >= 0 && index < count, "index \(index) outside \(count) floats")
        return base[index]
    }

    /// The numbers as an array (a copy).
    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// A whole file mapped read-only into memory.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    var count: Int { bytes.count }

    /// Maps the file at `path`.
    ///
    /// - Throws: `io` when the file cannot be opened or mapped.
    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TriageError.io("cannot open: \(FileIO.systemError())", path: path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw TriageError.io("cannot read its size: \(FileIO.systemError())", path: path)
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, 0),
            address != MAP_FAILED
        else {
            throw TriageError.io("cannot map into memory: \(FileIO.systemError())", path: path)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let address = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: address), bytes.count)
        }
    }
}
