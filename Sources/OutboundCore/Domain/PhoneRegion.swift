/// Enough of the world's numbering plans to turn a national number into E.164: the country
/// calling code, the trunk prefix dialled before national numbers, and the length of the
/// national significant number. Regions are ISO 3166 alpha-2 codes.
public struct PhoneRegion: Sendable, Hashable {
    public let code: String
    public let callingCode: String
    public let trunkPrefix: String
    public let nationalLengths: ClosedRange<Int>

    public static let all: [String: PhoneRegion] = {
        let table: [(String, String, String, ClosedRange<Int>)] = [
            ("US", "1", "1", 10...10), ("CA", "1", "1", 10...10), ("GB", "44", "0", 9...10), ("IE", "353", "0", 7...9),
            ("DE", "49", "0", 6...11), ("FR", "33", "0", 9...9), ("ES", "34", "", 9...9), ("IT", "39", "", 6...11),
            ("NL", "31", "0", 9...9), ("BE", "32", "0", 8...9), ("CH", "41", "0", 9...9), ("AT", "43", "0", 4...13),
            ("SE", "46", "0", 7...9), ("NO", "47", "", 8...8), ("DK", "45", "", 8...8), ("FI", "358", "0", 5...10),
            ("PL", "48", "", 9...9), ("PT", "351", "", 9...9), ("AU", "61", "0", 9...9), ("NZ", "64", "0", 8...10),
            ("IN", "91", "0", 10...10), ("SG", "65", "", 8...8), ("JP", "81", "0", 9...10), ("BR", "55", "0", 10...11),
            ("MX", "52", "", 10...10), ("ZA", "27", "0", 9...9), ("IL", "972", "0", 8...9), ("AE", "971", "0", 8...9),
        ]
        return Dictionary(uniqueKeysWithValues: table.map {
            ($0.0, PhoneRegion(code: $0.0, callingCode: $0.1, trunkPrefix: $0.2, nationalLengths: $0.3))
        })
    }()

    public static let defaultCode = "US"

    /// E.164 for `raw`: international forms (`+…`, `00…`) as they are, national numbers through
    /// this region's plan. Nil when the digits cannot be a number here.
    public func normalise(_ raw: String) -> String? {
        // Nearly every value is ASCII digits, a leading `+` and separators: read as bytes.
        var kept: [UInt8] = []
        kept.reserveCapacity(raw.utf8.count)
        var plain = true
        for byte in raw.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): kept.append(byte)
            case UInt8(ascii: "+") where kept.isEmpty: kept.append(byte)
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "/"),
                 UInt8(ascii: "\t"): continue
            default: plain = false
            }
            if !plain { break }
        }
        if plain { return normalise(kept: String(decoding: kept, as: UTF8.self)) }
        var text = raw.trimmingWhitespace()
        if let extensionMark = text.range(of: "ext", options: .caseInsensitive) { text = String(text[..<extensionMark.lowerBound]) }
        return normalise(kept: text.filter { !" -.()/\t".contains($0) })
    }

    /// The rest of `normalise`, once separators are gone.
    private func normalise(kept: String) -> String? {
        if kept.hasPrefix("+") { return Identity.phone(kept) }
        guard !kept.isEmpty, kept.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if kept.hasPrefix("00") { return Identity.phone("+" + kept.dropFirst(2)) }
        if callingCode == "1", kept.hasPrefix("011") { return Identity.phone("+" + kept.dropFirst(3)) }
        var national = Substring(kept)
        // The trunk prefix is dialled only inside the country: "0" in most of Europe, "1" in
        // North America (where it is the same digit as the calling code).
        if !trunkPrefix.isEmpty, national.hasPrefix(trunkPrefix), national.count - trunkPrefix.count >= nationalLengths.lowerBound {
            national = national.dropFirst(trunkPrefix.count)
        }
        guard nationalLengths.contains(national.count) else { return nil }
        return Identity.phone("+" + callingCode + national)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        // Fast path: most values start and end with a visible ASCII character.
        if let first = utf8.first, let last = utf8.last, first > 32, first < 128, last > 32, last < 128 { return self }
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
