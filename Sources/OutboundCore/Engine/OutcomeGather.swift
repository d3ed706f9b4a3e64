import Foundation
import Synchronization

/// The outcomes of one tick's sends, as they come back. The tick takes what has arrived when the
/// last send returns or its wait runs out, whichever is first; an outcome arriving after that is
/// handed back to its sender's task, which records it alone. So one slow provider delays only
/// its own sender (still in flight, so it is not claimed again), not every other sender's next step.
final class OutcomeGather: Sendable {
    private struct State {
        var outcomes: [Outcome] = []
        var pending: Int
        var waiter: CheckedContinuation<Void, Never>?
        var timedOut = false
        var closed = false
    }

    private let state: Mutex<State>

    init(expecting count: Int) {
        state = Mutex(State(pending: count))
    }

    /// Adds an outcome for the tick; false when the tick has already taken its outcomes (the caller records this one).
    func deliver(_ outcome: Outcome) -> Bool {
        let (taken, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.closed else { return (false, nil) }
            state.outcomes.append(outcome)
            state.pending -= 1
            guard state.pending == 0 else { return (true, nil) }
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume()
        return taken
    }

    /// Waits until every send has returned or `limit` has passed, then closes: the outcomes so far.
    func take(waitingAtMost limit: Duration) async -> [Outcome] {
        // Every send already returned (a simulator, a fast provider): no timer to start.
        if state.withLock({ $0.pending == 0 }) { return close() }
        let timer = Task { [self] in
            try? await Task.sleep(for: limit)
            let waiter = state.withLock { state in
                state.timedOut = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.pending == 0 || state.timedOut { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
        timer.cancel()
        return close()
    }

    /// Closes the tick's gathering: later outcomes are recorded by their own tasks.
    private func close() -> [Outcome] {
        state.withLock { state in
            state.closed = true
            return state.outcomes
        }
    }
}
