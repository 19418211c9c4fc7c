// Process-wide Xlib set-up for the agent's X11 code: thread support, and an error handler that
// logs instead of Xlib's default, which exits the process on any protocol error.
#pragma once

namespace lifeline::agent::machine {

// Call before the first Xlib call on any thread; cheap after the first time.
void ensure_xlib_ready();

}  // namespace lifeline::agent::machine
