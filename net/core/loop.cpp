#include "net/core/loop.hpp"

#include <cassert>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "net/core/handle.hpp"  // close_handle() calls handle_base::close()

namespace net {

namespace {

std::atomic<handle_id> next_handle_id{1};

void fail_init(const char* what, int rc) {
  // Without its loop, async or check handle the adapter cannot work at all;
  // this happens only when the process is out of file descriptors or memory.
  std::fprintf(stderr, "netactors: %s failed: %s: %s\n", what, uv_err_name(rc),
               uv_strerror(rc));
  std::abort();
}

}  // namespace

loop::loop(std::string name) : name_(std::move(name)) {
  // A write to a socket the peer has reset raises SIGPIPE, whose default
  // action kills the process; libuv leaves it to the program. With it
  // ignored the write fails with EPIPE, which reaches the owner by name.
  static std::once_flag sigpipe_once;
  std::call_once(sigpipe_once, [] { std::signal(SIGPIPE, SIG_IGN); });
  // Everything libuv needs is initialised here, before the loop thread (or
  // any thread that could post) exists.
  if (int rc = uv_loop_init(&loop_); rc < 0) fail_init("uv_loop_init", rc);
  loop_.data = this;
  read_buffer_pool_.reserve(read_buffer_pool_size);  // giving back never allocates
  if (int rc = uv_async_init(&loop_, &wakeup_, [](uv_async_t* h) {
        static_cast<loop*>(h->loop->data)->drain_remote();
      });
      rc < 0)
    fail_init("uv_async_init", rc);
  uv_check_init(&loop_, &drain_check_);
  uv_idle_init(&loop_, &drain_idle_);
  uv_check_start(&drain_check_, [](uv_check_t* h) {
    static_cast<loop*>(h->loop->data)->drain_local();
  });
  // The check handle must not keep the loop alive on its own.
  uv_unref(reinterpret_cast<uv_handle_t*>(&drain_check_));
  thread_ = std::thread{[this] { run(); }};
}

loop::~loop() { stop(); }

bool loop::on_loop_thread() const noexcept {
  return loop_thread_id_.load(std::memory_order_acquire) ==
         std::this_thread::get_id();
}

bool loop::post(task t) {
  if (on_loop_thread()) {
    // While stopping, the loop thread still runs what its own tasks and
    // callbacks post: run() drains the local list before it closes the loop.
    local_.push_back(std::move(t));
    arm_local_drain();
    return true;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  if (stopping_) return false;
  remote_.push_back(std::move(t));
  // uv_async_send coalesces: one wake-up may stand for many queued tasks,
  // which is why drain_remote() takes the whole queue at once. It is called
  // under the lock because the loop closes wakeup_ once it has seen
  // stopping_ under this lock: no send can then reach a closed handle.
  uv_async_send(&wakeup_);
  return true;
}

void loop::arm_local_drain() {
  if (!idle_armed_ && !uv_is_closing(reinterpret_cast<uv_handle_t*>(&drain_idle_))) {
    // An active idle handle makes the next poll non-blocking, so ready tasks
    // run in this iteration's check phase or the next one's.
    // Its callback does nothing: tasks run only in the check phase, right
    // after a poll, so I/O is served between any two budgets of tasks.
    uv_idle_start(&drain_idle_, [](uv_idle_t*) {});
    idle_armed_ = true;
  }
}

void loop::drain_remote() {
  std::vector<task> batch;
  bool stop_now = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    batch.swap(remote_);
    stop_now = stopping_;
  }
  // Run outside the lock: tasks may post more tasks.
  // Counted per task (relaxed, written only here): a task that reads the
  // counters sees every task that ran before it.
  for (auto& t : batch) {
    t(*this);
    tasks_run_.fetch_add(1, std::memory_order_relaxed);
    remote_tasks_.fetch_add(1, std::memory_order_relaxed);
  }
  if (stop_now) begin_stop();
}

void loop::drain_local() {
  // Run batches until the list is empty: what a task posts (an actor that a
  // message made ready) runs in this same turn, so a read's reply is written
  // before the next poll instead of costing one more epoll_wait. Batches keep
  // posting order. Once local_task_budget tasks have run, the rest waits for
  // the next turn (the idle handle stays armed, so that poll does not block):
  // actors that keep messaging each other cannot starve I/O callbacks.
  size_t ran = 0;
  while (!local_.empty() && ran < local_task_budget) {
    local_batch_.swap(local_);
    ran += local_batch_.size();
    for (auto& t : local_batch_) {
      t(*this);
      tasks_run_.fetch_add(1, std::memory_order_relaxed);
    }
    local_batch_.clear();
  }
  if (local_.empty() && idle_armed_) {
    uv_idle_stop(&drain_idle_);
    idle_armed_ = false;
  }
}

int loop::stop() {
  assert(!on_loop_thread() && "loop::stop() would join its own thread");
  std::call_once(stop_once_, [this] {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stopping_ = true;
      uv_async_send(&wakeup_);
    }
    thread_.join();
  });
  return close_result_;
}

void loop::begin_stop() {
  close_registered_handles();
  auto close_internal = [](auto* h) {
    auto* raw = reinterpret_cast<uv_handle_t*>(h);
    if (!uv_is_closing(raw)) uv_close(raw, nullptr);
  };
  close_internal(&wakeup_);
  close_internal(&drain_check_);
  close_internal(&drain_idle_);
  idle_armed_ = false;
}

void loop::close_registered_handles() {
  // close() may run observer code that registers or closes other handles, so
  // iterate over a snapshot of the ids.
  std::vector<handle_id> ids;
  ids.reserve(handles_.size());
  for (auto& entry : handles_) ids.push_back(entry.first);
  for (auto id : ids)
    if (auto* h = find(id)) h->close();
}

void loop::run() {
  loop_thread_id_.store(std::this_thread::get_id(), std::memory_order_release);
  uv_run(&loop_, UV_RUN_DEFAULT);
  // The stop task closed every handle, but close callbacks and the last tasks
  // may have posted more work or opened handles: finish until nothing is left.
  for (;;) {
    drain_remote();  // stopping_ is set: nothing new arrives from outside
    while (!local_.empty()) drain_local();
    close_registered_handles();
    uv_run(&loop_, UV_RUN_DEFAULT);
    bool remote_empty;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      remote_empty = remote_.empty();
    }
    if (local_.empty() && handles_.empty() && remote_empty) break;
  }
  read_buffer_pool_.clear();
  close_result_ = uv_loop_close(&loop_);
}

handle_base* loop::find(handle_id id) const {
  auto it = handles_.find(id);
  return it == handles_.end() ? nullptr : it->second;
}

void loop::close_handle(handle_id id) {
  if (id == 0) return;
  if (on_loop_thread()) {
    if (auto* h = find(id)) h->close();
    return;
  }
  post([id](loop& l) {
    if (auto* h = l.find(id)) h->close();
  });
}

handle_id loop::register_handle(handle_base* h) {
  auto id = next_handle_id.fetch_add(1, std::memory_order_relaxed);
  handles_.emplace(id, h);
  handles_opened_.fetch_add(1, std::memory_order_relaxed);
  handles_open_.store(handles_.size(), std::memory_order_relaxed);
  return id;
}

void loop::unregister_handle(handle_id id) {
  handles_.erase(id);
  handles_open_.store(handles_.size(), std::memory_order_relaxed);
}

loop_counters loop::counters() const noexcept {
  loop_counters c;
  c.tasks_run = tasks_run_.load(std::memory_order_relaxed);
  c.remote_tasks = remote_tasks_.load(std::memory_order_relaxed);
  c.handles_open = handles_open_.load(std::memory_order_relaxed);
  c.handles_opened = handles_opened_.load(std::memory_order_relaxed);
  return c;
}

byte_buffer loop::take_read_buffer() {
  if (read_buffer_pool_.empty()) return byte_buffer{read_buffer_size};
  byte_buffer buf = std::move(read_buffer_pool_.back());
  read_buffer_pool_.pop_back();
  return buf;
}

void loop::give_back_read_buffer(byte_buffer buf) {
  // Buffers of another size (small reads copied out, bytes an actor built)
  // are simply freed with `buf`.
  if (buf.capacity() == read_buffer_size &&
      read_buffer_pool_.size() < read_buffer_pool_size) {
    buf.resize(0);
    read_buffer_pool_.push_back(std::move(buf));
  }
}

}  // namespace net
