/// The hash functions behind every feature.
///
/// These are frozen: a trained model stores bucket numbers, so changing a constant
/// here would silently scramble every model already written. Add a new namespace
/// instead of altering an old one.
enum FeatureHash {
    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// Separates kinds of features that could otherwise hash alike: the word "ab" and
    /// the character bigram "ab" must not share a bucket by construction.
    enum Namespace: UInt64 {
        case word = 0x77
        case wordPair = 0x7770
        case characters = 0x63
        case column = 0x6b
    }

    /// FNV-1a over bytes, continuing from `seed`.
    @inline(__always)
    static func fnv1a<C: Collection>(_ bytes: C, seed: UInt64 = fnvOffset) -> UInt64
    where C.Element == UInt8 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= fnvPrime
        }
        return hash
    }

    /// The splitmix64 finaliser: spreads FNV's weak low bits over the whole word.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A feature's bucket among `1 << bits`, from a token hash in a namespace.
    @inline(__always)
    static func bucket(_ hash: UInt64, _ namespace: Namespace, bits: Int) -> UInt32 {
        let mixed = mix(hash ^ (namespace.rawValue &* 0x9e37_79b9_7f4a_7c15))
        return UInt32(truncatingIfNeeded: mixed >> UInt64(64 - bits))
    }

    /// Combines two token hashes into the hash of the ordered pair.
    @inline(__always)
    static func pair(_ first: UInt64, _ second: UInt64) -> UInt64 {
        mix(first) &* 0x2545_f491_4f6c_dd1d ^ second
    }
}
