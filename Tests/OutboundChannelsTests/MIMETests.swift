@testable import OutboundChannels
import Testing

struct MIMETests {
    @Test func quotedPrintableSoftBreaksLongLinesAndEncodesWhatItMust() {
        let long = String(repeating: "abcdefghij", count: 20) + " é=ü "
        let encoded = MIME.quotedPrintable(long + "\nnext\r\nline \t\n")
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 76 }, "\(lines.map(\.count))")
        #expect(encoded.contains("=C3=A9=3D=C3=BC=20"), "é, =, ü and the trailing space are encoded")
        #expect(lines.contains("line =09"), "trailing whitespace is encoded")
        #expect(decodeQuotedPrintable(encoded) == long + "\r\nnext\r\nline \t\r\n")
    }

    @Test func encodedWordsNeverSplitACharacterAndStayShort() {
        let subject = String(repeating: "日本語のメール ", count: 6)
        let encoded = MIME.encodedWords(subject)
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1 && words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        #expect(decodeEncodedWords(encoded.replacingOccurrences(of: "\r\n ", with: " ")) == subject)
        #expect(MIME.encodedWords("Plain ASCII") == "Plain ASCII")
    }

    @Test func dotStuffingDoublesLeadingDotsOnly() {
        #expect(MIME.dotStuffed(".first\r\nmid.dle\r\n.\r\n..two\r\n") == "..first\r\nmid.dle\r\n..\r\n...two\r\n")
    }

    @Test func displayNamesAreQuotedOrEncoded() {
        #expect(MIME.displayName("Sam Lee") == "Sam Lee")
        #expect(MIME.displayName("Lee, Sam") == "\"Lee, Sam\"")
        #expect(MIME.displayName("Zoë").hasPrefix("=?UTF-8?B?"))
    }
}
