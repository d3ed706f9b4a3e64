import Foundation
import Testing
@testable import OutboundCore

@Suite struct PhoneRegionTests {
    @Test(arguments: [
        ("US", "(415) 555-0133", "+14155550133"),
        ("US", "1-415-555-0133", "+14155550133"),
        ("US", "011 44 20 7946 0958", "+442079460958"),
        ("CA", "604.555.0199", "+16045550199"),
        ("GB", "020 7946 0958", "+442079460958"),
        ("GB", "07700 900123", "+447700900123"),
        ("DE", "030 1234567", "+49301234567"),
        ("DE", "0049 30 1234567", "+49301234567"),
        ("FR", "01 23 45 67 89", "+33123456789"),
        ("ES", "612 345 678", "+34612345678"),
        ("AU", "0412 345 678", "+61412345678"),
        ("IN", "098765 43210", "+919876543210"),
        ("US", "+33 1 23 45 67 89", "+33123456789"),
        ("US", "415-555-0133 ext 12", "+14155550133"),
    ])
    func nationalAndInternationalNumbersBecomeE164(region: String, raw: String, expected: String) {
        #expect(PhoneRegion.all[region]!.normalise(raw) == expected)
    }

    @Test(arguments: [("US", "555-0133"), ("GB", "12"), ("DE", "abc"), ("US", "+0 123"), ("FR", "")])
    func impossibleNumbersAreRejected(region: String, raw: String) {
        #expect(PhoneRegion.all[region]!.normalise(raw) == nil)
    }
}

@Suite struct CSVReaderTests {
    func read(_ text: String, chunk: Int = 3) -> [CSVRecord] {
        read(Array(text.utf8), chunk: chunk)
    }

    func read(_ bytes: [UInt8], chunk: Int = 3) -> [CSVRecord] {
        var reader = CSVReader()
        var records: [CSVRecord] = []
        var start = 0
        while start < bytes.count {
            reader.feed(bytes[start..<min(start + chunk, bytes.count)]) { records.append($0) }
            start += chunk
        }
        reader.finish { records.append($0) }
        return records
    }

    @Test func quotedFieldsWithCommasNewlinesAndQuotes() {
        let records = read("name,note\r\n\"Doe, Jane\",\"said \"\"hi\"\"\nthen left\"\r\nBob,\n")
        #expect(records.map(\.fields) == [["name", "note"], ["Doe, Jane", "said \"hi\"\nthen left"], ["Bob", ""]])
        #expect(records.map(\.number) == [1, 2, 3])
        #expect(records.allSatisfy { $0.error == nil })
    }

    @Test func byteOrderMarkAndBareCarriageReturns() {
        let records = read([0xEF, 0xBB, 0xBF] + Array("a,b\rc,d".utf8), chunk: 1)
        #expect(records.map(\.fields) == [["a", "b"], ["c", "d"]])
    }

    @Test func blankLinesAreSkippedButNumbersStayTrueToRecords() {
        let records = read("a\n\n\nb\n")
        #expect(records.map(\.fields) == [["a"], ["b"]])
    }

    @Test func unterminatedQuoteIsAnErrorOnItsRecord() {
        let records = read("a,b\n1,\"open\n2,3\n")
        #expect(records.count == 2)
        #expect(records[1].error?.contains("unterminated") == true)
    }

    @Test func invalidUTF8IsAnErrorNamingTheColumn() {
        let records = read(Array("a,b\n".utf8) + [0x6F, 0x6B, 0x2C, 0xFF, 0xFE, 0x0A] + Array("c,d\n".utf8))
        #expect(records.count == 3)
        #expect(records[1].error == "column 2 is not valid UTF-8")
        #expect(records[2].error == nil && records[2].fields == ["c", "d"])
    }

    @Test func chunkBoundariesDoNotMatter() {
        let text = "first_name,email\n\"Zoë, the \"\"great\"\"\",zoe@example.com\r\nÅsa,asa@example.com\n"
        let whole = read(text, chunk: 10_000)
        for size in [1, 2, 5, 7] { #expect(read(text, chunk: size) == whole) }
    }

    @Test func randomAwkwardFilesNeverCrashAndKeepRecordCountsSane() {
        var generator = SeededGenerator(seed: 42)
        let alphabet: [UInt8] = Array("ab,\"\r\n é".utf8) + [0xFF, 0xC3]
        for _ in 0..<300 {
            let length = Int(generator.next() % 200)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let records = read(bytes, chunk: Int(generator.next() % 7) + 1)
            let newlines = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count
            #expect(records.count <= newlines + 1)
            #expect(zip(records, records.dropFirst()).allSatisfy { $0.number + 1 == $1.number })
        }
    }
}

/// A small deterministic generator (SplitMix64) for repeatable fuzzing.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ColumnMappingTests {
    @Test func commonHeadersAreRecognised() {
        let mapping = ColumnMapping(header: ["First Name", "Last name", "E-mail", "Mobile Phone", "LinkedIn Profile",
                                             "Company Name", "Job Title", "Industry", ""])
        #expect(mapping.targets == [.firstName, .lastName, .email, .phone, .linkedinURL, .company, .title, .custom("Industry"), .ignore])
    }

    @Test func overridesWinAndDuplicatesBecomeCustom() {
        let mapping = ColumnMapping(header: ["Email", "Work Email", "Plan"],
                                    overrides: ["Email": .ignore, "Plan": .custom("tier")])
        #expect(mapping.targets == [.ignore, .email, .custom("tier")])
        let twice = ColumnMapping(header: ["email", "E-mail"])
        #expect(twice.targets == [.email, .custom("E-mail")])
    }

    @Test func emptyCellsAreLeftOut() {
        let mapping = ColumnMapping(header: ["first_name", "email", "Plan"])
        let input = mapping.input(for: ["", "a@b.co", "pro"])
        #expect(input.firstName.isAbsent)
        #expect(input.email == .value("a@b.co"))
        #expect(input.customFields.value?["Plan"] == .value(.string("pro")))
    }
}
