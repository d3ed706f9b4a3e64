import Foundation

/// Starts a test server script (`python3 <arguments>`) and waits for its `READY …` line: the
/// process and that line's words. Its stderr is not the test's own: a server still holding it
/// would keep `swift test` waiting.
public func startServerScript(_ arguments: [String], name: String, hint: String) throws -> (Process, [Substring]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let stdout = Pipe()
    process.standardOutput = stdout
    process.standardInput = Pipe()
    process.standardError = FileHandle.nullDevice
    try process.run()
    return (process, try readyLine(of: stdout, script: name, hint: hint))
}

/// The words of the `READY …` line a test server script prints once it listens.
public func readyLine(of stdout: Pipe, script: String, hint: String) throws -> [Substring] {
    var seen = ""
    while !seen.contains("\n") {
        let chunk = stdout.fileHandleForReading.availableData
        if chunk.isEmpty { throw SinkError("\(script) exited before it was ready (\(hint))") }
        seen += String(decoding: chunk, as: UTF8.self)
    }
    let words = seen.split(separator: "\n").first?.split(separator: " ") ?? []
    guard words.first == "READY" else { throw SinkError("\(script) said: \(seen)") }
    return words
}

public struct SinkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

