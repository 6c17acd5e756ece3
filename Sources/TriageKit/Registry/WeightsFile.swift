/// The binary half of a saved model: vocabulary, IDF weights, weight matrix and biases.
///
/// Layout, little-endian:
///
///     "TRIAGEWT"                  8 bytes, magic
///     format        UInt32        1
///     features      UInt32        F
///     classes       UInt32        C
///     buckets       F × UInt32    increasing
///     idf           F × Float32
///     weights       F·C × Float32 feature-major
///     biases        C × Float32
///     checksum      UInt64        over every byte before it
///
/// A file with another magic, a newer format, a wrong length or a bad checksum is
/// refused; nothing is guessed.
enum WeightsFile {
    static let magic: [UInt8] = Array("TRIAGEWT".utf8)
    static let format: UInt32 = 1

    static func encode(vocabulary: FeatureVocabulary, model: LinearModel) -> [UInt8] {
        var bytes: [UInt8] = []
        let featureCount = vocabulary.count
        bytes.reserveCapacity(
            28 + featureCount * 8 + model.weights.count * 4 + model.classCount * 4)
        bytes.append(contentsOf: magic)
        append(format, to: &bytes)
        append(UInt32(featureCount), to: &bytes)
        append(UInt32(model.classCount), to: &bytes)
        vocabulary.buckets.withUnsafeBytes { bytes.append(contentsOf: $0) }
        vocabulary.weights.withUnsafeBytes { bytes.append(contentsOf: $0) }
        model.weights.withUnsafeBufferPointer {
            bytes.append(contentsOf: UnsafeRawBufferPointer($0))
        }
        model.bias.withUnsafeBytes { bytes.append(contentsOf: $0) }
        append(checksum(bytes[...]), to: &bytes)
        return bytes
    }

    /// Reads a weights file, mapping the weight matrix rather than copying it.
    static func load(path: String) throws -> (FeatureVocabulary, LinearModel) {
        let file = try MappedFile(path: path)
        return try decode(file.bytes, path: path) { offset, count in
            FloatBuffer(mapping: file, offset: offset, count: count)
        }
    }

    /// Reads weights from bytes in memory. `path` only names the file in errors.
    static func decode(_ bytes: [UInt8], path: String) throws -> (FeatureVocabulary, LinearModel) {
        try bytes.withUnsafeBytes { raw in
            try decode(raw, path: path) { offset, count in
                FloatBuffer(
                    Array(
                        UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count * 4)])
                            .bindMemory(to: Float.self)))
            }
        }
    }

    /// Checks and reads the layout; `matrix` turns the weight matrix's place in the
    /// bytes into a buffer.
    private static func decode(
        _ bytes: UnsafeRawBufferPointer, path: String,
        matrix: (_ offset: Int, _ count: Int) -> FloatBuffer
    ) throws -> (FeatureVocabulary, LinearModel) {
        func corrupt(_ what: String) -> TriageError {
            TriageError(
                .modelCorrupt, what, at: SourceLocation(file: path),
                remedy:
                    "retrain, or make another version current with `triage models promote VERSION`")
        }
        guard bytes.count >= 28, Array(bytes[0..<8]) == magic else {
            throw corrupt("not a Triage weights file")
        }
        let version = read(UInt32.self, bytes, at: 8)
        guard version <= format else {
            throw TriageError(
                .modelCorrupt,
                "weights format \(version) is newer than this Triage reads (\(format))",
                at: SourceLocation(file: path), remedy: "upgrade Triage")
        }
        let featureCount = Int(read(UInt32.self, bytes, at: 12))
        let classCount = Int(read(UInt32.self, bytes, at: 16))
        let expected = 20 + featureCount * 8 + featureCount * classCount * 4 + classCount * 4 + 8
        guard bytes.count == expected else {
            throw corrupt(
                "weights file is \(bytes.count) bytes, expected \(expected): truncated or damaged")
        }
        let stored = read(UInt64.self, bytes, at: expected - 8)
        guard stored == checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(expected - 8)])) else {
            throw corrupt("weights file fails its checksum: damaged")
        }

        var offset = 20
        let buckets: [UInt32] = array(bytes, at: &offset, count: featureCount)
        let idf: [Float] = array(bytes, at: &offset, count: featureCount)
        let weights = matrix(offset, featureCount * classCount)
        offset += featureCount * classCount * 4
        let bias: [Float] = array(bytes, at: &offset, count: classCount)
        for index in 1..<max(1, buckets.count) where buckets[index] <= buckets[index - 1] {
            throw corrupt("weights file lists buckets out of order")
        }
        return (
            FeatureVocabulary(buckets: buckets, weights: idf),
            LinearModel(
                featureCount: featureCount, classCount: classCount, weights: weights, bias: bias)
        )
    }

    /// A 64-bit checksum: four FNV-style lanes over interleaved 8-byte words (so the
    /// multiplications overlap), folded together, then the tail bytes. Detects damage,
    /// not tampering.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    static func checksum(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var lanes: (UInt64, UInt64, UInt64, UInt64) = (
            FeatureHash.fnvOffset, FeatureHash.fnvOffset ^ 1, FeatureHash.fnvOffset ^ 2,
            FeatureHash.fnvOffset ^ 3
        )
        @inline(__always) func step(_ lane: inout UInt64, _ word: UInt64) {
            lane ^= word
            lane &*= FeatureHash.fnvPrime
            lane ^= lane >> 29
        }
        let blocks = raw.count / 32
        for block in 0..<blocks {
            let offset = block * 32
            step(&lanes.0, raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            step(&lanes.1, raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
            step(&lanes.2, raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
            step(&lanes.3, raw.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
        }
        var hash = lanes.0
        step(&hash, lanes.1)
        step(&hash, lanes.2)
        step(&hash, lanes.3)
        for index in (blocks * 32)..<raw.count {
            hash ^= UInt64(raw[index])
            hash &*= FeatureHash.fnvPrime
        }
        return hash
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read<T: FixedWidthInteger>(
        _ type: T.Type, _ bytes: UnsafeRawBufferPointer, at offset: Int
    ) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    private static func array<T>(_ bytes: UnsafeRawBufferPointer, at offset: inout Int, count: Int)
        -> [T]
    {
        let size = MemoryLayout<T>.stride * count
        let start = offset
        offset += size
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + size)]))
            initialized = count
        }
    }
}
