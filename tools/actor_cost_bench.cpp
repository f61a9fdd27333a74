// tools/actor_cost_bench: what one actor per connection costs, and what a
// lighter actor type would save (issue #9: "below ~1.1 KiB needs a lighter
// actor type -- measure whether one is worth its cost in clarity").
//
// Two kinds of actor, both on one netactors loop, both carrying a 120-byte
// state (a TCP connection's, tcp_connection_state):
// - caf: what every netactors socket actor is. A CAF event-based actor
//   (scheduled_actor, its four-queue mailbox), loop-affine, with one shared
//   behavior (loop_context::spawn, shared_behavior_actor).
// - light: the least CAF 0.17 lets an actor be and still have a handle, links
//   and monitors: a monitorable_actor with one lock-free FIFO and a switch
//   over its messages, resumed by a task on the loop. It handles only what
//   this benchmark sends (an int, a stop atom, an exit message) and answers
//   requests to it after it ended with an error. It is a measuring device,
//   not a component: a connection actor of this kind would need its own
//   request/response, timeouts and behavior dispatch in place of CAF's.
//
// Measured in one process, kinds alternating: heap bytes per live actor
// (mallinfo2, exact: malloc's chunk sizes), RSS per live actor, and the loop
// thread's CPU time per lifecycle (spawn, two messages, stop, destruction).
// Prints one JSON object.
//
//   actor_cost_bench [--actors N=20000] [--batch B=4000] [--rounds R=20]
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "actors/core/loop_context.hpp"
#include "actors/core/runtime.hpp"
#include "actors/core/shared_behavior.hpp"
#include "net/core/loop.hpp"

namespace {

using stop_atom = caf::atom_constant<caf::atom("stop")>;
using bench_actor =
    caf::typed_actor<caf::reacts_to<int>, caf::reacts_to<stop_atom>>;

// Messages handled and actors ended, by either kind (loop thread only, but
// read by main after a barrier).
std::atomic<uint64_t> handled{0};
std::atomic<uint64_t> ended{0};

// As big as tcp_connection_state.
struct payload {
  char bytes[112] = {};
  uint64_t sum = 0;
};

// --- caf: a netactors loop-affine actor with a shared behavior ----------

struct caf_state {
  payload data;
  ~caf_state() { ended.fetch_add(1, std::memory_order_relaxed); }
};

using caf_self = netactors::shared_stateful_pointer<bench_actor, caf_state>;

bench_actor::behavior_type caf_kind(caf_self self) {
  static auto shared = bench_actor::behavior_type{
      [](int x) {
        netactors::bound_self<caf_self>()->state.data.sum += x;
        handled.fetch_add(1, std::memory_order_relaxed);
      },
      [](stop_atom) { netactors::bound_self<caf_self>()->quit(); },
  };
  return netactors::use_shared_behavior(self, shared);
}

// --- light: monitorable_actor + one FIFO, resumed by loop tasks ----------

class light_actor final : public caf::monitorable_actor {
 public:
  // A dynamically typed handle (caf::actor) for spawn_class.
  using behavior_type = caf::behavior;

  light_actor(caf::actor_config& cfg, net::loop* l)
      : caf::monitorable_actor(cfg), loop_(l) {}

  ~light_actor() override { ended.fetch_add(1, std::memory_order_relaxed); }

  // Called by actor_system::spawn_class: alive until it quits.
  void launch(caf::execution_unit*, bool, bool) { keep_alive_ = ctrl(); }

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit*) override {
    auto* x = ptr.release();
    auto* head = head_.load(std::memory_order_acquire);
    for (;;) {
      if (head == closed()) {
        bounce(x);
        return;
      }
      x->next = (head == nullptr || head == running()) ? nullptr : head;
      if (head_.compare_exchange_weak(head, x, std::memory_order_acq_rel,
                                      std::memory_order_acquire))
        break;
    }
    if (head == nullptr) schedule();  // it was idle: one task per wake-up
  }

  const char* name() const override { return "light_actor"; }

 private:
  // head_: nullptr idle; running(): a task runs, nothing new; closed():
  // ended; else newest-first messages, with a task on its way or running.
  static caf::mailbox_element* running() {
    return reinterpret_cast<caf::mailbox_element*>(uintptr_t{1});
  }
  static caf::mailbox_element* closed() {
    return reinterpret_cast<caf::mailbox_element*>(uintptr_t{2});
  }

  void schedule() {
    loop_->post([self = caf::strong_actor_ptr{ctrl()}](net::loop&) {
      static_cast<light_actor*>(caf::actor_cast<caf::abstract_actor*>(self))
          ->run();
    });
  }

  void run() {
    auto expected = running();
    do {
      auto* list = head_.exchange(running(), std::memory_order_acq_rel);
      // Oldest first.
      caf::mailbox_element* fifo = nullptr;
      while (list != nullptr && list != running()) {
        auto* next = static_cast<caf::mailbox_element*>(list->next);
        list->next = fifo;
        fifo = list;
        list = next;
      }
      while (fifo != nullptr) {
        caf::mailbox_element_ptr x{fifo};
        fifo = static_cast<caf::mailbox_element*>(fifo->next);
        if (quitting_) {
          bounce(x.release());
          continue;
        }
        handle(*x);
      }
      if (quitting_) return quit();
      expected = running();
    } while (!head_.compare_exchange_strong(expected, nullptr,
                                            std::memory_order_acq_rel));
  }

  void handle(caf::mailbox_element& x) {
    auto& msg = x.content();
    if (msg.match_elements<int>()) {
      data_.sum += msg.get_as<int>(0);
      handled.fetch_add(1, std::memory_order_relaxed);
    } else if (msg.match_elements<stop_atom>() ||
               msg.match_elements<caf::exit_msg>()) {
      quitting_ = true;
    } else if (x.mid.is_request()) {
      reply_error(x, caf::sec::unexpected_message);
    }
  }

  void quit() {
    auto* rest = head_.exchange(closed(), std::memory_order_acq_rel);
    while (rest != nullptr && rest != running()) {
      auto* next = static_cast<caf::mailbox_element*>(rest->next);
      bounce(rest);
      rest = next;
    }
    cleanup(caf::error{}, nullptr);  // exit and down messages to links, monitors
    keep_alive_.reset();              // may destroy this: last
  }

  void reply_error(caf::mailbox_element& x, caf::sec code) {
    if (x.sender != nullptr)
      x.sender->enqueue(caf::make_mailbox_element(
                            ctrl(), x.mid.response_id(), {},
                            caf::make_error(code)),
                        nullptr);
  }

  // A message that came too late: requests learn that nobody will answer.
  void bounce(caf::mailbox_element* raw) {
    caf::mailbox_element_ptr x{raw};
    if (x->mid.is_request()) reply_error(*x, caf::sec::request_receiver_down);
  }

  std::atomic<caf::mailbox_element*> head_{nullptr};
  net::loop* loop_;
  caf::strong_actor_ptr keep_alive_;
  bool quitting_ = false;
  payload data_;
};

// --- measuring ------------------------------------------------------------

enum class kind { caf, light };

const char* kind_name(kind k) { return k == kind::caf ? "caf" : "light"; }

uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

uint64_t rss_bytes() {
  std::ifstream in{"/proc/self/statm"};
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * uint64_t(::sysconf(_SC_PAGESIZE));
}

caf::actor spawn_one(kind k, netactors::runtime& rt) {
  auto& ctx = rt.loop_at(0);
  if (k == kind::caf) return caf::actor_cast<caf::actor>(ctx.spawn(caf_kind));
  caf::actor_config cfg;
  return caf::actor_cast<caf::actor>(
      rt.system().spawn_class<light_actor, caf::no_spawn_options>(cfg, &ctx.loop()));
}

// Runs f on the loop thread and waits for it.
template <class F>
auto on_loop(netactors::runtime& rt, F f) -> decltype(f()) {
  std::promise<decltype(f())> done;
  auto result = done.get_future();
  rt.loop_at(0).loop().post([&](net::loop&) { done.set_value(f()); });
  return result.get();
}

// Waits on the loop thread until `counter` reaches `target` (the loop runs
// the actors' tasks in between); false if it never does.
bool wait_for(netactors::runtime& rt, const std::atomic<uint64_t>& counter,
              uint64_t target) {
  for (int i = 0; i < 1000000; ++i) {
    if (on_loop(rt, [&] { return counter.load() >= target; })) return true;
  }
  return false;
}

struct memory_result {
  double heap_bytes = 0;
  double rss_bytes = 0;
};

// `n` actors spawned, each has handled one message, all alive.
memory_result measure_memory(kind k, netactors::runtime& rt, size_t n) {
  std::vector<caf::actor> held;
  held.reserve(n);
  auto heap0 = mallinfo2().uordblks;
  auto rss0 = rss_bytes();
  auto handled0 = handled.load();
  for (size_t i = 0; i < n; ++i) {
    held.push_back(spawn_one(k, rt));
    caf::anon_send(held.back(), 1);
  }
  if (!wait_for(rt, handled, handled0 + n)) std::abort();
  memory_result r;
  // The handles' vector is counted out: an owner keeps its own.
  r.heap_bytes = (double(mallinfo2().uordblks) - double(heap0)) / double(n);
  r.rss_bytes = (double(rss_bytes()) - double(rss0)) / double(n);
  auto ended0 = ended.load();
  for (auto& a : held) caf::anon_send(a, stop_atom::value);
  held.clear();
  if (!wait_for(rt, ended, ended0 + n)) std::abort();
  return r;
}

// Loop-thread CPU per lifecycle: spawn, two messages, stop, destruction.
double measure_lifecycle_ns(kind k, netactors::runtime& rt, size_t batch) {
  auto ended0 = ended.load();
  auto t0 = on_loop(rt, [&] {
    auto t = thread_cpu_ns();
    for (size_t i = 0; i < batch; ++i) {
      auto a = spawn_one(k, rt);
      caf::anon_send(a, 1);
      caf::anon_send(a, 2);
      caf::anon_send(a, stop_atom::value);
    }
    return t;
  });
  if (!wait_for(rt, ended, ended0 + batch)) std::abort();
  auto t1 = on_loop(rt, [] { return thread_cpu_ns(); });
  return double(t1 - t0) / double(batch);
}

size_t arg(int argc, char** argv, const char* name, size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::strtoull(argv[i + 1], nullptr, 10);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  size_t actors = arg(argc, argv, "--actors", 20000);
  size_t batch = arg(argc, argv, "--batch", 4000);
  size_t rounds = arg(argc, argv, "--rounds", 20);
  if (actors == 0 || batch == 0 || rounds == 0) {
    std::fprintf(stderr,
                 "usage: actor_cost_bench [--actors N] [--batch B] [--rounds R]\n");
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  netactors::runtime rt{cfg, 1};
  memory_result mem[2];
  std::vector<double> ns[2];
  // Memory first: later, ended CAF actors' blocks wait in loop_context's
  // list of weak references until it is pruned, and a prune during the
  // measurement would free them and skew the heap figure.
  for (auto k : {kind::caf, kind::light})
    mem[int(k)] = measure_memory(k, rt, actors);
  // Warm up both (first spawns pay for the allocator's growth).
  for (auto k : {kind::caf, kind::light}) measure_lifecycle_ns(k, rt, batch);
  for (size_t r = 0; r < rounds; ++r)
    for (auto k : r % 2 == 0 ? std::vector<kind>{kind::caf, kind::light}
                             : std::vector<kind>{kind::light, kind::caf})
      ns[int(k)].push_back(measure_lifecycle_ns(k, rt, batch));
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  using caf_impl = netactors::loop_affine<std::remove_pointer_t<caf_self>>;
  std::printf("{\"actors\":%zu,\"batch\":%zu,\"rounds\":%zu,"
              "\"sizeof_caf_block\":%zu,\"sizeof_light_block\":%zu",
              actors, batch, rounds, sizeof(caf::actor_storage<caf_impl>),
              sizeof(caf::actor_storage<light_actor>));
  // Under a sanitizer's allocator mallinfo2 says nothing: null.
  auto heap = [](double bytes) {
    return bytes > 0 ? std::to_string(std::lround(bytes)) : std::string{"null"};
  };
  for (auto k : {kind::caf, kind::light})
    std::printf(",\"%s\":{\"heap_bytes_per_actor\":%s,\"rss_bytes_per_actor\":%.0f,"
                "\"lifecycle_cpu_ns\":%.0f}",
                kind_name(k), heap(mem[int(k)].heap_bytes).c_str(),
                mem[int(k)].rss_bytes, median(ns[int(k)]));
  std::string heap_ratio = "null";
  if (mem[0].heap_bytes > 0 && mem[1].heap_bytes > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", mem[1].heap_bytes / mem[0].heap_bytes);
    heap_ratio = buf;
  }
  std::printf(",\"light_over_caf\":{\"heap\":%s,\"rss\":%.2f,\"lifecycle_cpu\":%.2f}}\n",
              heap_ratio.c_str(), mem[1].rss_bytes / mem[0].rss_bytes,
              median(ns[1]) / median(ns[0]));
  return 0;
}
