#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file reads and durable writes over POSIX calls.
///
/// Durable means written, flushed to the device with `fsync`, and only then made
/// visible by a rename, so a killed process or a power cut leaves either the old file
/// or the new one, never half of one.
enum FileIO {
    /// The system's description of the current `errno`.
    static func systemError() -> String {
        String(cString: strerror(errno))
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Reads a whole file.
    static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TriageError.io("cannot open: \(systemError())", path: path)
        }
        defer { close(descriptor) }

        var info = stat()
        var bytes: [UInt8] = []
        if fstat(descriptor, &info) == 0 { bytes.reserveCapacity(Int(info.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes {
                Glibc.read(descriptor, $0.baseAddress, $0.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw TriageError.io("cannot read: \(systemError())", path: path)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Writes `bytes` to a new file at `path` and flushes it to the device. The file
    /// must not exist yet.
    ///
    /// - Parameter name: the path errors name, when it is not `path` itself (a
    ///   temporary file stands in for the file the user named).
    static func writeNew(_ path: String, _ bytes: [UInt8], reportingAs name: String? = nil)
        throws
    {
        let name = name ?? path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TriageError.io("cannot create: \(systemError())", path: name)
        }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes {
                write(descriptor, $0.baseAddress! + written, $0.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw TriageError.io("cannot write: \(systemError())", path: name)
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            throw TriageError.io("cannot flush to disk: \(systemError())", path: name)
        }
    }

    /// Replaces the file at `path` with `bytes` atomically: a temporary sibling is
    /// written, flushed and renamed over it. Errors name `path`, not the temporary file.
    static func replace(_ path: String, with bytes: [UInt8]) throws {
        try replaceAll([path]) { _ in bytes }
    }

    /// Replaces several files, none of them before all are written: each one's
    /// contents go to a temporary sibling, flushed, and only when every one is
    /// written are they renamed over their files, in order. A failure while writing
    /// leaves every file as it was and no temporary file behind. Errors name the
    /// files given, never a temporary one.
    ///
    /// Known limit: the renames are atomic one by one, not together, so a failure
    /// among them (rare, since each rename stays within its folder and folders are
    /// refused up front) leaves the earlier files replaced.
    ///
    /// - Parameter contents: the bytes of the file at each index, asked for one file
    ///   at a time, so only one file's bytes need be in memory at once.
    static func replaceAll(_ paths: [String], contents: (Int) throws -> [UInt8]) throws {
        // A folder cannot be renamed over; find out before anything is written.
        for path in paths where isDirectory(path) {
            throw TriageError.io("cannot replace a folder with a file", path: path)
        }

        // Every file to its temporary sibling first.
        var temporaries: [String] = []
        do {
            for (index, path) in paths.enumerated() {
                let temporary =
                    "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                let bytes = try contents(index)
                try writeNew(temporary, bytes, reportingAs: path)
                temporaries.append(temporary)
            }
        } catch {
            for temporary in temporaries { unlink(temporary) }
            throw error
        }

        // Then into place, and the folders' entries to disk.
        for (index, (temporary, path)) in zip(temporaries, paths).enumerated() {
            guard rename(temporary, path) == 0 else {
                let reason = systemError()
                for left in temporaries[index...] { unlink(left) }
                throw TriageError.io("cannot rename into place: \(reason)", path: path)
            }
        }
        for folder in Set(paths.map(parent(of:))).sorted() { try syncDirectory(folder) }
    }

    /// Flushes a directory's entries, so a rename inside it survives a crash.
    static func syncDirectory(containing path: String) throws {
        try syncDirectory(parent(of: path))
    }

    static func syncDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TriageError.io("cannot open folder: \(systemError())", path: directory)
        }
        defer { close(descriptor) }
        fsync(descriptor)
    }

    /// Creates a folder and its missing parents.
    static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        let up = parent(of: path)
        if up != path && !up.isEmpty { try makeDirectories(up) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw TriageError.io("cannot create folder: \(systemError())", path: path)
        }
    }

    /// Entry names of a folder, without `.` and `..`; empty when it does not exist.
    static func contents(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Deletes a folder and everything in it; missing is fine.
    static func removeTree(_ path: String) {
        if isDirectory(path) {
            for name in contents(of: path) { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
