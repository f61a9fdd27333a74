// Clean shutdown on SIGINT/SIGTERM for the apps: block the signals before
// any thread starts (so no loop or CAF thread takes them), then wait for one
// with sigwait on the main thread.
#pragma once

namespace apps {

/// Blocks SIGINT and SIGTERM in the calling thread and every thread it
/// starts afterwards. Call first thing in main().
void block_stop_signals();

/// Waits for SIGINT or SIGTERM; returns the signal number.
int wait_for_stop_signal();

}  // namespace apps
