#include "actors/core/stop_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdlib>

#include "actors/log/line_sink.hpp"

namespace netactors {

namespace {
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

void block_stop_signals() {
  auto set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal() {
  auto set = stop_signals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

stop_deadline::stop_deadline(std::string program,
                             std::chrono::milliseconds limit, int exit_code,
                             std::function<void()> last_words) {
  auto until = std::chrono::steady_clock::now() + limit;
  watchdog_ = std::thread{[=, last_words = std::move(last_words)] {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (done_.wait_until(lock, until, [this] { return disarmed_; })) return;
    }
    line_sink::write_without_waiting(
        2, program + ": shutdown did not finish within " +
               std::to_string(limit.count()) + " ms; exiting now with code " +
               std::to_string(exit_code) + "\n");
    if (last_words) last_words();
    std::_Exit(exit_code);
  }};
}

stop_deadline::~stop_deadline() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    disarmed_ = true;
  }
  done_.notify_one();
  watchdog_.join();
}

}  // namespace netactors
