import Foundation
import Testing

@testable import TriageKit

/// The stored form of label probabilities must be exactly what `JSONEncoder` with
/// sorted keys writes, whichever writer produced it.
@Suite struct ProbabilityJSONTests {
    private func reference(_ probabilities: [LabelProbability]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(probabilities), as: UTF8.self)
    }

    @Test func numbersMatchJSONEncoder() throws {
        var values: [Double] = [
            0, -0.0, 1, 0.5, 0.1 + 0.2, 1e-7, 1.5e-5, 1e-4, 1e16, 2.5e15, .leastNonzeroMagnitude,
            1.0 / 3, 100, 0.999_999_999_999, .leastNormalMagnitude, .greatestFiniteMagnitude,
        ]
        var generator = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &generator)
        var random = SplitMix64(seed: seed)
        for _ in 0..<2_000 {
            let anyBits = Double(bitPattern: random.next())
            if anyBits.isFinite { values.append(anyBits) }
            values.append(Double(random.next() % 1_000_000) / 1_000_000)
        }
        let json = ProbabilityJSON()
        for value in values {
            let item = [LabelProbability(label: "billing", probability: value)]
            #expect(try json.encode(item) == reference(item), "value \(value), seed \(seed)")
        }
    }

    @Test func labelsMatchJSONEncoderAndReadBack() throws {
        let labels = [
            "billing", "", "two words", "naïve café", "日本語", "emoji 🙂", "a/b", "q\"t",
            "back\\slash", "tab\t", "line\nbreak", "bell\u{7}", "del\u{7f}", "sep\u{2028}",
        ]
        let json = ProbabilityJSON()
        let probabilities = labels.enumerated().map { index, label in
            LabelProbability(label: label, probability: Double(index) / 16)
        }
        for item in probabilities {
            #expect(
                try json.encode([item]) == reference([item]),
                "label \(item.label.debugDescription)")
        }
        let all = try json.encode(probabilities)
        #expect(all == (try reference(probabilities)))
        #expect(try json.decode(all) == probabilities)
        #expect(try json.encode([]) == "[]")
    }

    @Test func textThatIsNotAnArrayIsRefused() {
        let json = ProbabilityJSON()
        for text in ["", "{}", "[{\"label\":1}]", "[{\"oops\""] {
            #expect(throws: (any Error).self) { try json.decode(text) }
        }
    }
}

/// A small seeded generator, so a failure can be replayed from its printed seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
