// net::loop: a libuv loop running on its own thread, and the only place uv
// handles live. Other threads reach it by posting tasks (a mutex-guarded queue
// woken by one uv_async_t, drained in batches); tasks posted from the loop
// thread itself go to a local ready list that costs no system call and is
// drained until empty, within a budget, after every poll.
//
// Ownership: the loop owns every handle registered with it (net/core/handle.hpp);
// a handle is freed in its close callback, and stop() closes whatever is left.
// Thread safety: post(), stop(), on_loop_thread() and name() are thread-safe;
// everything else is loop-thread only.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include "net/core/byte_buffer.hpp"
#include "net/core/unique_task.hpp"

namespace net {

class handle_base;

/// Identifies a handle on one loop; never reused within a process.
using handle_id = uint64_t;

/// What a loop has done so far: a snapshot of relaxed counters (each exact,
/// not consistent with the others).
struct loop_counters {
  uint64_t tasks_run = 0;       ///< tasks run, posted from anywhere
  uint64_t remote_tasks = 0;    ///< of which posted from other threads
  uint64_t handles_open = 0;    ///< handles registered now
  uint64_t handles_opened = 0;  ///< handles registered ever
};

class loop {
 public:
  using task = unique_task<void(loop&)>;

  /// Initialises the libuv loop and starts its thread. The first loop of a
  /// process sets SIGPIPE to be ignored (writes to a reset peer then fail
  /// with EPIPE instead of killing the process).
  explicit loop(std::string name = "netactors");

  /// Calls stop().
  ~loop();

  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  /// Thread-safe. Queues `t` to run on the loop thread, in posting order per
  /// thread. Returns false (and destroys `t` unrun) once stop() has begun;
  /// tasks posted before that always run.
  bool post(task t);

  /// Thread-safe: the counters as they are now.
  loop_counters counters() const noexcept;

  /// Thread-safe, but not from the loop thread. Runs every task already
  /// posted, closes every handle (their pending requests end with
  /// UV_ECANCELED), runs the loop until nothing is left, joins the thread and
  /// returns uv_loop_close's result: 0, or UV_EBUSY if something leaked.
  /// Idempotent: later calls return the first result.
  int stop();

  /// Thread-safe.
  bool on_loop_thread() const noexcept;

  /// Thread-safe. The name given at construction ("netactors-0", ...).
  const std::string& name() const noexcept { return name_; }

  /// Loop thread only: the libuv loop.
  uv_loop_t* raw() noexcept { return &loop_; }

  /// Loop thread only: the registered handle with `id`, or nullptr if it was
  /// closed (or never existed). Actors hold ids, never handle pointers.
  handle_base* find(handle_id id) const;

  /// Loop thread only: find(id) as a T, or nullptr if it is not one. The
  /// handle is nearly always exactly a T, which a typeid comparison (a
  /// pointer compare for types with external linkage) confirms; only
  /// otherwise does it pay for dynamic_cast's walk of the class hierarchy.
  template <class T>
  T* find_as(handle_id id) const {
    // `base` depends on T, so handle_base need only be complete where
    // find_as is instantiated (clang checks non-dependent typeid at once).
    using base = std::conditional_t<std::is_class_v<T>, handle_base, void>;
    base* h = find(id);
    if (h == nullptr) return nullptr;
    if (typeid(*h) == typeid(T)) return static_cast<T*>(h);
    return dynamic_cast<T*>(h);
  }

  /// Thread-safe. Closes the handle with `id` if it is still registered: at
  /// once on the loop thread, otherwise through post() (an owner whose state
  /// dies off its loop thread, e.g. at teardown, must still have the loop do
  /// the closing).
  void close_handle(handle_id id);

  /// Loop thread only: how many handles are registered (open or closing).
  size_t handle_count() const noexcept { return handles_.size(); }

  /// Loop thread only: a 64 KiB read buffer. Reads land here and are either
  /// copied out (small reads) or handed over by move (large ones); see
  /// net/tcp/tcp_stream.cpp. Returns it to the loop with give_back_read_buffer()
  /// (a write does so when it completes). Up to read_buffer_pool_size given
  /// back buffers are kept, most recent first, so bulk traffic reuses pages
  /// already faulted in instead of allocating (and the allocator returning
  /// to the kernel) a fresh 64 KiB per read; the rest are freed.
  byte_buffer take_read_buffer();
  void give_back_read_buffer(byte_buffer buf);

  /// Loop thread only: how many read buffers the pool holds now.
  size_t pooled_read_buffers() const noexcept { return read_buffer_pool_.size(); }

  /// At most this many spare read buffers are kept (512 KiB per loop).
  static constexpr size_t read_buffer_pool_size = 8;

  /// Tasks posted on the loop thread run in its check phase, right after
  /// poll, including what they post in turn, until none is left or this many
  /// have run in the turn; the rest runs next turn, after the next
  /// (non-blocking) poll.
  static constexpr size_t local_task_budget = 1024;

  /// Bytes in the reusable read buffer.
  static constexpr size_t read_buffer_size = 64 * 1024;

 private:
  friend class handle_base;

  void run();
  void drain_remote();
  void drain_local();
  void begin_stop();
  void close_registered_handles();
  void arm_local_drain();
  handle_id register_handle(handle_base* h);
  void unregister_handle(handle_id id);

  const std::string name_;
  uv_loop_t loop_;
  uv_async_t wakeup_;   // remote tasks are pending
  uv_check_t drain_check_;  // runs local tasks right after each poll
  uv_idle_t drain_idle_;    // keeps poll from blocking while tasks are ready
  bool idle_armed_ = false;

  std::mutex mtx_;
  std::vector<task> remote_;       // guarded by mtx_
  bool stopping_ = false;          // guarded by mtx_
  std::vector<task> local_;        // loop thread only
  std::vector<task> local_batch_;  // loop thread only; reused storage

  std::unordered_map<handle_id, handle_base*> handles_;  // loop thread only
  std::vector<byte_buffer> read_buffer_pool_;            // loop thread only

  // Written by the loop thread (relaxed), read by counters().
  std::atomic<uint64_t> tasks_run_{0};
  std::atomic<uint64_t> remote_tasks_{0};
  std::atomic<uint64_t> handles_open_{0};
  std::atomic<uint64_t> handles_opened_{0};

  std::atomic<std::thread::id> loop_thread_id_{};
  std::thread thread_;
  std::once_flag stop_once_;
  int close_result_ = 0;
};

}  // namespace net
