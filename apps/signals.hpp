// Clean shutdown on SIGINT/SIGTERM for the apps: block the signals before
// any thread starts (so no loop or CAF thread takes them), then wait for one
// with sigwait on the main thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace apps {

/// Blocks SIGINT and SIGTERM in the calling thread and every thread it
/// starts afterwards. Call first thing in main().
void block_stop_signals();

/// Waits for SIGINT or SIGTERM; returns the signal number.
int wait_for_stop_signal();

/// The last resort after a stop signal: whatever the load, the process ends
/// within `limit`. If it is still alive then (the orderly teardown did not
/// finish), it says so on stderr, runs `last_words` (flush what can be
/// flushed without waiting, e.g. line_sink::close) and exits with the code
/// the app meant (std::_Exit: no destructor runs, nothing waits any more).
/// Destroying the deadline disarms it.
class stop_deadline {
 public:
  stop_deadline(std::string program, std::chrono::milliseconds limit,
                int exit_code, std::function<void()> last_words);
  ~stop_deadline();

  stop_deadline(const stop_deadline&) = delete;
  stop_deadline& operator=(const stop_deadline&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool disarmed_ = false;
  std::thread watchdog_;
};

}  // namespace apps
