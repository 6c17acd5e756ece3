/// How text becomes features.
public struct TextFeatureSettings: Codable, Sendable, Equatable {
    /// Features hash into `1 << hashBits` buckets before the vocabulary keeps the used
    /// ones. More bits mean fewer collisions and a larger vocabulary.
    public var hashBits: Int
    /// The longest run of words counted as one feature: 1 for words alone, 2 adds
    /// word pairs.
    public var wordNgrams: Int
    /// Character n-grams taken inside each word padded by a space on both sides, from
    /// `charNgramMin` to `charNgramMax` characters; 0 turns them off.
    public var charNgramMin: Int
    public var charNgramMax: Int
    /// Counts become `1 + ln(count)` rather than raw counts.
    public var sublinearFrequency: Bool
    /// Weights each feature by its smoothed inverse document frequency.
    public var idf: Bool
    /// Buckets seen in fewer training documents than this are dropped.
    public var minDocumentFrequency: Int
    /// The version of the tokeniser's rules the model was trained with.
    public var tokenizer: Int

    public init(
        hashBits: Int = 22, wordNgrams: Int = 2, charNgramMin: Int = 0,
        charNgramMax: Int = 0, sublinearFrequency: Bool = true, idf: Bool = true,
        minDocumentFrequency: Int = 1, tokenizer: Int = TextFeatureSettings.currentTokenizer
    ) {
        self.hashBits = hashBits
        self.wordNgrams = wordNgrams
        self.charNgramMin = charNgramMin
        self.charNgramMax = charNgramMax
        self.sublinearFrequency = sublinearFrequency
        self.idf = idf
        self.minDocumentFrequency = minDocumentFrequency
        self.tokenizer = tokenizer
    }

    /// The tokeniser rules this build implements.
    public static let currentTokenizer = 1

    /// Checks the settings before any work starts.
    public func validate() throws {
        guard (8...24).contains(hashBits) else {
            throw TriageError.invalidArgument("hash bits must be between 8 and 24, got \(hashBits)")
        }
        guard (1...4).contains(wordNgrams) else {
            throw TriageError.invalidArgument(
                "word n-grams must be between 1 and 4, got \(wordNgrams)")
        }
        let charactersOff = charNgramMin == 0 && charNgramMax == 0
        let charactersValid =
            (1...8).contains(charNgramMin) && (charNgramMin...8).contains(charNgramMax)
        guard charactersOff || charactersValid else {
            throw TriageError.invalidArgument(
                "character n-grams must satisfy 1 ≤ min ≤ max ≤ 8, got \(charNgramMin)–\(charNgramMax)"
            )
        }
        guard tokenizer == Self.currentTokenizer else {
            throw TriageError(
                .modelCorrupt,
                "the model's tokeniser rules (version \(tokenizer)) are not this Triage's",
                remedy: "use the Triage that trained it, or retrain")
        }
        guard (1...1_000_000_000).contains(minDocumentFrequency) else {
            throw TriageError.invalidArgument(
                "the minimum document frequency must be between 1 and 10⁹, got \(minDocumentFrequency)"
            )
        }
    }
}

/// Turns text into the hash buckets of its words, word n-grams and character n-grams.
///
/// One hasher per thread: it owns scratch buffers.
struct TextHasher {
    let settings: TextFeatureSettings
    private var tokenizer = Tokenizer()
    private var recent: [UInt64] = []
    private var padded: [UInt8] = []
    private var starts: [Int] = []
    /// The word buckets of the last text hashed, one per word: what familiarity with
    /// the training vocabulary is judged on.
    private(set) var wordBuckets: [UInt32] = []

    init(settings: TextFeatureSettings) {
        self.settings = settings
    }

    /// Appends the buckets of every feature of `text` to `buckets`; a feature that
    /// occurs twice appears twice.
    ///
    /// - Parameter salt: seeds every word hash, so that several text columns keep
    ///   their features apart; a model with one text column uses the FNV offset.
    mutating func appendBuckets(
        of text: String, salt: UInt64 = FeatureHash.fnvOffset, to buckets: inout [UInt32]
    ) {
        let bits = settings.hashBits
        let longest = settings.wordNgrams
        let charMin = settings.charNgramMin
        let charMax = settings.charNgramMax
        recent.removeAll(keepingCapacity: true)

        // The closure cannot capture `self` mutably, so the scratch state moves out
        // for the duration of the walk and back in afterwards.
        var recent = self.recent
        var padded = self.padded
        var starts = self.starts
        var words = self.wordBuckets
        words.removeAll(keepingCapacity: true)
        tokenizer.forEachWord(in: text) { word in
            let hash = FeatureHash.fnv1a(word, seed: salt)
            let wordBucket = FeatureHash.bucket(hash, .word, bits: bits)
            buckets.append(wordBucket)
            words.append(wordBucket)

            // Word n-grams ending at this word, longest last.
            if longest > 1 {
                var combined = hash
                for back in stride(
                    from: recent.count - 1, through: max(0, recent.count - longest + 1), by: -1)
                {
                    combined = FeatureHash.pair(recent[back], combined)
                    buckets.append(FeatureHash.bucket(combined, .wordPair, bits: bits))
                }
                recent.append(hash)
                if recent.count >= longest { recent.removeFirst() }
            }

            if charMin > 0 {
                Self.appendCharacterBuckets(
                    of: word, salt: salt, min: charMin, max: charMax, bits: bits,
                    padded: &padded, starts: &starts, to: &buckets)
            }
        }
        self.recent = recent
        self.padded = padded
        self.starts = starts
        self.wordBuckets = words
    }

    /// Character n-grams of one word padded with a space on each side, counted in
    /// Unicode scalars. A padded word shorter than `min` yields nothing.
    private static func appendCharacterBuckets(
        of word: UnsafeBufferPointer<UInt8>, salt: UInt64, min: Int, max: Int, bits: Int,
        padded: inout [UInt8], starts: inout [Int], to buckets: inout [UInt32]
    ) {
        padded.removeAll(keepingCapacity: true)
        padded.append(0x20)
        padded.append(contentsOf: word)
        padded.append(0x20)

        // Offsets where each scalar starts, plus the end.
        starts.removeAll(keepingCapacity: true)
        for (offset, byte) in padded.enumerated() where byte & 0xc0 != 0x80 {
            starts.append(offset)
        }
        let length = starts.count
        starts.append(padded.count)
        guard length >= min else { return }

        padded.withUnsafeBufferPointer { bytes in
            for n in min...Swift.min(max, length) {
                let seed = salt ^ UInt64(n)
                for first in 0...(length - n) {
                    let slice = UnsafeBufferPointer(
                        rebasing: bytes[starts[first]..<starts[first + n]])
                    let hash = FeatureHash.fnv1a(slice, seed: seed)
                    buckets.append(FeatureHash.bucket(hash, .characters, bits: bits))
                }
            }
        }
    }
}
