import Testing

@testable import TriageKit

@Suite struct FeatureTests {
    @Test func tokenizerLowercasesAndKeepsInnerApostrophes() {
        var tokenizer = Tokenizer()
        #expect(
            tokenizer.words(in: "Don't STOP me now, I'm having_fun!")
                == ["don't", "stop", "me", "now", "i'm", "having_fun"])
        #expect(tokenizer.words(in: "rock 'n' roll’s") == ["rock", "n", "roll's"])
    }

    @Test func tokenizerHandlesOtherScripts() {
        var tokenizer = Tokenizer()
        #expect(
            tokenizer.words(in: "Ünïcödé ΣΟΦΙΑ straße — naïve café 12,5€")
                == ["ünïcödé", "σοφια", "strasse", "naïve", "café", "12", "5"])
        #expect(tokenizer.words(in: "नमस्ते दुनिया") == ["नमस्ते", "दुनिया"])
        #expect(tokenizer.words(in: "  ,,, ").isEmpty)
    }

    @Test func tokenizerNormalisesCompatibilityForms() {
        var tokenizer = Tokenizer()
        // Full-width letters, a ligature, a decomposed accent and a circled digit.
        #expect(tokenizer.words(in: "Ｆｕｌｌ ﬁle cafe\u{301} ①") == ["full", "file", "café", "1"])
    }

    @Test func tokenizerTurnsAddressesAndLongNumbersIntoShapes() {
        var tokenizer = Tokenizer()
        #expect(
            tokenizer.words(in: "Claim at www.dbuk.net/win now!")
                == ["claim", "at", "<url>", "dbuk.net", "now"])
        #expect(
            tokenizer.words(
                in: "see (https://Example.com:8080/a?b=1), or mail Bob@Mail.example.org.")
                == ["see", "<url>", "example.com", "or", "mail", "<email>", "mail.example.org"])
        #expect(
            tokenizer.words(in: "call 09061701461 or 911 by 2024")
                == ["call", "<number:11>", "or", "911", "by", "2024"])
        #expect(tokenizer.words(in: "the end. a@b") == ["the", "end", "a", "b"])
    }

    @Test func hashingIsFrozen() {
        // Saved models depend on these exact buckets; a change here breaks them all.
        let word = FeatureHash.fnv1a(Array("hello".utf8))
        #expect(word == 0xa430_d846_80aa_bd0b)
        #expect(FeatureHash.bucket(word, .word, bits: 22) == 3_985_138)
    }

    @Test func featuresCoverWordsPairsAndCharacters() throws {
        let settings = TextFeatureSettings(
            hashBits: 20, wordNgrams: 2, charNgramMin: 2, charNgramMax: 3,
            minDocumentFrequency: 1)
        var hasher = TextHasher(settings: settings)
        var buckets: [UInt32] = []
        hasher.appendBuckets(of: "ab cd", to: &buckets)
        // 2 words + 1 pair + per word " ab " (4 chars): 3 bigrams + 2 trigrams.
        #expect(buckets.count == 2 + 1 + 2 * 5)

        let text = [InputColumn(name: "text", kind: .text)]
        let (featurizer, rows) = try Featurizer.fit(
            rows: [["ab cd"], ["cd ef"], ["ab cd"]], inputs: text, text: settings)
        #expect(rows.rowCount == 3)
        // Every row is scaled to unit length.
        for row in 0..<3 {
            let range = rows.rowOffsets[row]..<rows.rowOffsets[row + 1]
            let norm = rows.values[range].reduce(0) { $0 + $1 * $1 }
            #expect(abs(norm - 1) < 1e-5)
        }
        // Unseen words add nothing; the same text gives the same row.
        let again = featurizer.transform([["ab cd zz"]])
        let first = featurizer.transform([["ab cd"]])
        #expect(Set(again.columns) == Set(first.columns))
    }

    @Test func minimumDocumentFrequencyDropsRareFeatures() throws {
        var settings = TextFeatureSettings(
            hashBits: 20, wordNgrams: 1, charNgramMin: 0, charNgramMax: 0, minDocumentFrequency: 2)
        let text = [InputColumn(name: "text", kind: .text)]
        let rows: [[String?]] = [["a b"], ["a c"], ["a d"]]
        let (kept, _) = try Featurizer.fit(rows: rows, inputs: text, text: settings)
        #expect(kept.vocabulary.count == 1)
        settings.minDocumentFrequency = 1
        let (all, _) = try Featurizer.fit(rows: rows, inputs: text, text: settings)
        #expect(all.vocabulary.count == 4)
    }

    @Test func tabularColumnsAreStandardisedIndicatedAndFlagged() throws {
        let settings = TextFeatureSettings(hashBits: 20, wordNgrams: 1, minDocumentFrequency: 1)
        let inputs = [
            InputColumn(name: "age", kind: .numeric, mean: 40, deviation: 10),
            InputColumn(name: "plan", kind: .categorical),
            InputColumn(name: "note", kind: .text),
        ]
        let training: [[String?]] = [
            ["30", "gold", "hello"], ["50", "basic", "hi"], [nil, "gold", ""],
        ]
        let (featurizer, rows) = try Featurizer.fit(rows: training, inputs: inputs, text: settings)
        // Text words 2, age value and missing flag, plan gold and basic: 6 buckets.
        #expect(featurizer.vocabulary.count == 6)
        // Row 0: one word, the standardised age -1 and "gold".
        let first = rows.rowOffsets[0]..<rows.rowOffsets[1]
        #expect(rows.values[first].sorted() == [-1, 1, 1])

        // An unseen category adds nothing; an unreadable number counts as missing.
        let unseen = featurizer.transform([["45", "platinum", nil], ["forty", "gold", "hello"]])
        let row0 = unseen.rowOffsets[0]..<unseen.rowOffsets[1]
        #expect(unseen.values[row0] == [0.5])
        let row1 = unseen.rowOffsets[1]..<unseen.rowOffsets[2]
        #expect(unseen.values[row1].sorted() == [1, 1, 1])
    }

    @Test func columnTypingGuessesKindsAndLearnsStatistics() throws {
        var examples = LabelledExamples(columns: ["age", "plan", "message"])
        let messages = (0..<40).map {
            "message number \($0) about something rather long and unique"
        }
        for index in 0..<40 {
            examples.append(
                row: [
                    index % 7 == 0 ? "" : String(20 + index % 5), ["gold", "basic"][index % 2],
                    messages[index],
                ],
                label: "x")
        }
        let inputs = try ColumnTyping.infer(examples)
        #expect(inputs.map(\.kind) == [.numeric, .categorical, .text])
        #expect(abs((inputs[0].mean ?? 0) - 22.0) < 0.2)

        let forced = try ColumnTyping.infer(examples, forced: ["age": .categorical, "plan": .text])
        #expect(forced.map(\.kind) == [.categorical, .text, .text])
        #expect(throws: TriageError.self) {
            try ColumnTyping.infer(examples, forced: ["plan": .numeric])
        }
    }

    @Test func transposeSwapsRowsAndColumns() {
        var matrix = SparseMatrix(columnCount: 3)
        matrix.appendRow(columns: [2, 0], values: [1, 2])
        matrix.appendRow(columns: [], values: [])
        matrix.appendRow(columns: [1, 2], values: [3, 4])
        let transposed = matrix.transposed()
        #expect(transposed.rowCount == 3 && transposed.columnCount == 3)
        #expect(transposed.rowOffsets == [0, 1, 2, 4])
        #expect(transposed.columns == [0, 2, 0, 2])
        #expect(transposed.values == [2, 3, 1, 4])
    }

    @Test func bucketTableFindsEveryKeyAndRejectsOthers() {
        let buckets = (0..<5000).map { UInt32($0 * 7919 % 1_000_003) }.sorted()
        let table = BucketTable(buckets: buckets)
        for (column, bucket) in buckets.enumerated() {
            #expect(table.column(of: bucket) == Int32(column))
        }
        #expect(table.column(of: 1_000_004) == -1)
    }
}

@Suite struct JSONWriterTests {
    @Test func escapesAndSeparatesCorrectly() {
        var json = JSONWriter()
        json.beginObject()
        json.key("text")
        json.value("say \"hi\"\n\t\\ café \u{1}")
        json.key("n")
        json.value(3)
        json.key("p")
        json.value(0.1234567)
        json.key("list")
        json.beginArray()
        json.value(true)
        json.null()
        json.endArray()
        json.endObject()
        #expect(
            String(decoding: json.bytes, as: UTF8.self)
                == #"{"text":"say \"hi\"\n\t\\ café \u0001","n":3,"p":0.123457,"list":[true,null]}"#
        )
    }
}
