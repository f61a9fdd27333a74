// shared_behavior_actor (actors/core/shared_behavior.hpp): actors that share
// one behavior each handle their own messages with their own state, on
// CAF's threads and on loop threads alike, and the shared behavior is built
// once however many actors use it. A request's continuation, run in a
// later turn, finds its own actor too.
#include "actors/core/shared_behavior.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <caf/all.hpp>
#include <string>
#include <vector>

#include "actors/core/runtime.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;

using counter_actor = caf::typed_actor<
    caf::replies_to<std::string>::with<std::string>,  // name + count so far
    caf::reacts_to<int>,                              // add to the count
    // ask `peer` for its name, then add n: the count after
    caf::replies_to<caf::actor, int>::with<int>>;

struct counter_state {
  std::string name;
  int count = 0;
};

using counter_self = shared_stateful_pointer<counter_actor, counter_state>;

std::atomic<int> behaviors_built{0};

counter_actor::behavior_type shared_counter_behavior() {
  ++behaviors_built;
  return {
      [](const std::string& prefix) {
        auto self = bound_self<counter_self>();
        return prefix + self->state.name + "=" +
               std::to_string(self->state.count);
      },
      [](int n) { bound_self<counter_self>()->state.count += n; },
      [](const caf::actor& peer, int n) -> caf::result<int> {
        auto self = bound_self<counter_self>();
        auto rp = self->make_response_promise<int>();
        self->request(peer, 5s, std::string{"?"})
            .then([n, rp](const std::string&) mutable {
              // A continuation runs in a later turn of the same actor.
              auto me = bound_self<counter_self>();
              me->state.count += n;
              rp.deliver(me->state.count);
            });
        return rp;
      },
  };
}

counter_actor::behavior_type counter(counter_self self, std::string name) {
  self->state.name = std::move(name);
  static auto shared = shared_counter_behavior();
  return use_shared_behavior(self, shared);
}

std::string ask(caf::scoped_actor& self, const counter_actor& who) {
  std::string out;
  self->request(who, 5s, std::string{"?"})
      .receive([&](std::string& s) { out = s; },
               [&](caf::error& err) { out = self->system().render(err); });
  return out;
}

TEST(shared_behavior, each_actor_handles_its_own_messages_with_its_own_state) {
  caf::actor_system_config cfg;
  runtime rt{cfg, 2};
  caf::scoped_actor self{rt.system()};
  std::vector<counter_actor> counters;
  for (int i = 0; i < 4; ++i) {
    auto name = "c" + std::to_string(i);
    // Half on CAF's scheduler, half on the runtime's two loops.
    counters.push_back(i % 2 == 0 ? rt.system().spawn(counter, name)
                                  : rt.loop_at(i / 2).spawn(counter, name));
  }
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k <= i; ++k) self->send(counters[i], 10);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(ask(self, counters[i]),
              "?c" + std::to_string(i) + "=" + std::to_string(10 * (i + 1)));
  EXPECT_EQ(behaviors_built.load(), 1);
  for (auto& c : counters) self->send_exit(c, caf::exit_reason::user_shutdown);
}

TEST(shared_behavior, a_request_continuation_finds_its_own_actor) {
  caf::actor_system_config cfg;
  runtime rt{cfg, 1};
  caf::scoped_actor self{rt.system()};
  auto on_caf = rt.system().spawn(counter, std::string{"a"});
  auto on_loop = rt.loop_at(0).spawn(counter, std::string{"b"});
  auto add_after_asking = [&](const counter_actor& who,
                              const counter_actor& peer, int n) {
    int count = -1;
    self->request(who, 5s, caf::actor_cast<caf::actor>(peer), n)
        .receive([&](int c) { count = c; },
                 [&](caf::error& err) { ADD_FAILURE() << self->system().render(err); });
    return count;
  };
  EXPECT_EQ(add_after_asking(on_caf, on_loop, 3), 3);
  EXPECT_EQ(add_after_asking(on_loop, on_caf, 5), 5);
  EXPECT_EQ(add_after_asking(on_caf, on_loop, 4), 7);
  EXPECT_EQ(ask(self, on_caf), "?a=7");
  EXPECT_EQ(ask(self, on_loop), "?b=5");
  for (auto& c : {on_caf, on_loop})
    self->send_exit(c, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace netactors
