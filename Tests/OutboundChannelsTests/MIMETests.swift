import Foundation
@testable import OutboundChannels
import Testing

struct MIMETests {
    @Test func aReplysTextIsItsPlainPartDecodedAndAutomaticAnswersAreKnown() {
        let reply = """
            From: Jane <jane@example.com>\r
            Subject: Re: Hello\r
            In-Reply-To: <action_1@sender.example>\r
            Content-Type: multipart/mixed; boundary="outer"\r
            \r
            --outer\r
            Content-Type: multipart/alternative; boundary=inner\r
            \r
            --inner\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Gr=C3=BC=C3=9Fe, a long line that was =\r
            softly broken.\r
            --inner\r
            Content-Type: text/html\r
            \r
            <p>Grüße</p>\r
            --inner--\r
            --outer--\r
            """
        let email = InboundMail.parse(rawMessage: reply)
        #expect(email.text?.hasPrefix("Grüße, a long line that was softly broken.") == true, "\(email.text ?? "nil")")
        #expect(email.references == ["<action_1@sender.example>"] && !email.isAutomatic && email.report == nil)
        let base64 = "From: a@example.com\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Data("Hallo Welt".utf8).base64EncodedString() + "\r\n"
        #expect(InboundMail.parse(rawMessage: base64).text == "Hallo Welt")

        #expect(InboundMail.parse(rawMessage: "From: a@example.com\r\nAuto-Submitted: auto-replied\r\n\r\nAway").isAutomatic)
        #expect(!InboundMail.parse(rawMessage: "From: a@example.com\r\nAuto-Submitted: no\r\n\r\nHi").isAutomatic)
        #expect(InboundMail.parse(rawMessage: "From: a@example.com\r\nSubject: Automatic reply: Hello\r\n\r\nAway").isAutomatic)
        #expect(InboundMail.parse(rawMessage: "From: a@example.com\r\nSubject: Abwesenheitsnotiz: Hallo\r\n\r\nWeg").isAutomatic)
        #expect(!InboundMail.parse(rawMessage: "From: a@example.com\r\nSubject: Re: Out of office plans\r\n\r\nSure").isAutomatic,
                "a person's reply about being out of office is a reply")
    }

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
