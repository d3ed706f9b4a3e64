extension Template {
    /// Compiles text in our syntax, accepting the seed products' spellings too:
    /// `{{first_name}}`, `{{first_name | "there"}}`, `{{firstName}}`, `{{sender.first_name}}`,
    /// `{{custom.industry}}`, `%first_name%`, `%custom_fields.key%`, `%sender_first_name%`,
    /// spintax `{Hi|Hello|Hey}` (nested), and `\{`, `\}`, `\|`, `\%`, `\\` escapes.
    public static func parse(_ source: String) throws(TemplateError) -> Template {
        var parser = TemplateParser(Array(source))
        let pieces = try parser.sequence(inChoice: false)
        return Template(pieces: TemplateParser.merged(pieces))
    }

    /// Compiles Inbox's segment arrays: `static` text, `variable` with `fallback`, `variation` options.
    public static func segments(_ segments: [Segment]) throws(TemplateError) -> Template {
        var pieces: [Piece] = []
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .text(let text): pieces.append(.text(text))
            case .variable(let name, let fallback):
                guard let variable = Variable(name: name) else {
                    throw TemplateError(message: "unknown variable \"\(name)\" in segment \(index)", offset: 0)
                }
                pieces.append(.variable(variable, fallback: fallback?.isEmpty == false ? fallback : nil))
            case .variation(let options):
                guard !options.isEmpty else { throw TemplateError(message: "variation segment \(index) has no options", offset: 0) }
                pieces.append(.choice(options.map { [.text($0)] }))
            }
        }
        return Template(pieces: TemplateParser.merged(pieces))
    }

    /// One segment of an Inbox message.
    public enum Segment: Sendable, Hashable {
        case text(String)
        case variable(name: String, fallback: String?)
        case variation([String])
    }
}

/// A recursive-descent parser over characters.
struct TemplateParser {
    let chars: [Character]
    var position = 0

    init(_ chars: [Character]) {
        self.chars = chars
    }

    /// Pieces up to the end, or (inside a choice) up to an unescaped `|` or `}`.
    mutating func sequence(inChoice: Bool) throws(TemplateError) -> [Template.Piece] {
        var pieces: [Template.Piece] = []
        var text = ""
        func flush() {
            if !text.isEmpty { pieces.append(.text(text)); text = "" }
        }
        while position < chars.count {
            let c = chars[position]
            if c == "\\", position + 1 < chars.count, "{}|%\\".contains(chars[position + 1]) {
                text.append(chars[position + 1])
                position += 2
            } else if c == "{", peek(1) == "{" {
                flush()
                pieces.append(try variable())
            } else if c == "{" {
                flush()
                pieces.append(try choice())
            } else if inChoice, c == "|" || c == "}" {
                break
            } else if c == "}", peek(1) == "}" {
                throw TemplateError(message: "\"}}\" without an opening \"{{\"", offset: position)
            } else if c == "%", let (variable, length) = percentVariable() {
                flush()
                pieces.append(.variable(variable, fallback: nil))
                position += length
            } else {
                text.append(c)
                position += 1
            }
        }
        flush()
        return pieces
    }

    private func peek(_ offset: Int) -> Character? {
        position + offset < chars.count ? chars[position + offset] : nil
    }

    /// `{{ name }}` or `{{ name | "fallback" }}` (the fallback may be unquoted).
    private mutating func variable() throws(TemplateError) -> Template.Piece {
        let start = position
        position += 2
        var inside = ""
        var closed = false
        while position < chars.count {
            if chars[position] == "}", peek(1) == "}" {
                position += 2
                closed = true
                break
            }
            inside.append(chars[position])
            position += 1
        }
        guard closed else { throw TemplateError(message: "\"{{\" is never closed with \"}}\"", offset: start) }
        var name = inside
        var fallback: String?
        if let bar = inside.firstIndex(of: "|") {
            name = String(inside[..<bar])
            var rest = String(inside[inside.index(after: bar)...]).trimmingWhitespace()
            if rest.count >= 2, let first = rest.first, first == "\"" || first == "'", rest.last == first {
                rest = String(rest.dropFirst().dropLast())
            }
            fallback = rest
        }
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw TemplateError(message: "empty variable \"{{}}\"", offset: start) }
        guard let variable = Variable(name: trimmed) else {
            throw TemplateError(message: "unknown variable \"\(trimmed)\"; use first_name, last_name, full_name, email, phone, company, title, linkedin_url, custom.KEY or sender.first_name/last_name/name/email", offset: start)
        }
        return .variable(variable, fallback: fallback)
    }

    /// `{a|b|{c|d}}`.
    private mutating func choice() throws(TemplateError) -> Template.Piece {
        let start = position
        position += 1
        var options: [[Template.Piece]] = []
        while true {
            options.append(TemplateParser.merged(try sequence(inChoice: true)))
            guard position < chars.count else {
                throw TemplateError(message: "\"{\" is never closed with \"}\" (write \\{ for a literal brace)", offset: start)
            }
            let c = chars[position]
            position += 1
            if c == "}" { break }
        }
        if options.count == 1 {
            // `{word}` with no `|` is not spintax: keep it as written.
            return .text("{" + TemplateParser.plain(options[0]) + "}")
        }
        return .choice(options)
    }

    /// `%first_name%`-style variables; only known names count, so "50% off 20%" stays text.
    private func percentVariable() -> (Variable, Int)? {
        var end = position + 1
        var name = ""
        while end < chars.count, chars[end] != "%", end - position < 60 {
            let c = chars[end]
            guard c.isLetter || c.isNumber || c == "_" || c == "." || c == "-" else { return nil }
            name.append(c)
            end += 1
        }
        guard end < chars.count, chars[end] == "%", !name.isEmpty, let variable = Variable(name: name) else { return nil }
        return (variable, end - position + 1)
    }

    /// Joins adjacent text pieces.
    static func merged(_ pieces: [Template.Piece]) -> [Template.Piece] {
        var result: [Template.Piece] = []
        for piece in pieces {
            if case .text(let next) = piece, case .text(let previous)? = result.last {
                result[result.count - 1] = .text(previous + next)
            } else if case .text(let text) = piece, text.isEmpty {
                continue
            } else {
                result.append(piece)
            }
        }
        return result
    }

    private static func plain(_ pieces: [Template.Piece]) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): text
            case .variable(let variable, _): "{{\(variable)}}"
            case .choice: ""
            }
        }.joined()
    }
}
