// Clean shutdown on SIGINT/SIGTERM for a program's main(): block the
// signals before any thread starts (so no loop or CAF thread takes them),
// wait for one with sigwait on the main thread, stop the actors with
// stop_actor_now, and let a stop_deadline bound the teardown.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace netactors {

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

/// Ends the actor behind `handle` (any handle, typed ones too) with
/// user_shutdown: an anonymous exit message at high priority, so it jumps
/// the queue of a mailbox holding a backlog of connection events. CAF 0.17
/// takes a mailbox in rounds, the urgent queue first and then up to three
/// normal messages, so at most the round in progress runs before the exit.
template <class Handle>
void stop_actor_now(const Handle& handle) {
  if (auto whom = caf::actor_cast<caf::actor>(handle))
    caf::anon_send<caf::message_priority::high>(
        whom,
        caf::exit_msg{caf::actor_addr{}, caf::exit_reason::user_shutdown});
}

}  // namespace netactors
