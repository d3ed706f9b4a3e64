/// HTML text: the one escaping every page, email part and preview uses.
public enum HTML {
    /// `text` safe inside an element or a double-quoted attribute (`&`, `<`, `>`, `"`).
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
