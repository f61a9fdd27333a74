// The resolver actor's logic under CAF's deterministic scheduler, with a fake
// resolver_io: requests pass through unchanged, answers reach the right
// requester, errors keep their EAI names, a requester that ends has its
// lookups cancelled, and a resolver that ends answers everybody still
// waiting; the io's events are sealed (only the io, through the actor
// itself, can deliver them), and a resolver nobody can reach or whose
// spawner ended ends. Also the translation of the portable hints to
// getaddrinfo's.
#include "actors/dns/resolver.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <netdb.h>
#include <uv.h>

#include <map>
#include <string>
#include <typeindex>
#include <memory>
#include <utility>
#include <vector>

#include "actors/messages/messages.hpp"
#include "actors/dns/uv_resolver_io.hpp"
#include "tests/actors/actor_test_fixture.hpp"

namespace netactors {
namespace {

class fake_resolver_io final : public resolver_io {
 public:
  void attach(caf::weak_actor_ptr s) override { self = std::move(s); }

  started lookup(const dns_lookup& what) override {
    if (refuse) return {0, std::exchange(refuse, net_error{})};
    lookups.emplace_back(next, what);
    return {next++, {}};
  }

  started reverse_lookup(const dns_reverse_lookup& what) override {
    reverses.emplace_back(next, what);
    return {next++, {}};
  }

  cancel_outcome cancel(uint64_t request) override {
    cancelled.push_back(request);
    auto it = running.find(request);
    return it != running.end() ? cancel_outcome::abandoned
                               : cancel_outcome::cancelled;
  }

  void close() override { ++closed; }

  // As the real io does: the actor sends the event to itself.
  template <class Event>
  void deliver(Event ev) {
    auto hdl = caf::actor_cast<caf::actor>(self.lock());
    ASSERT_TRUE(hdl) << "the resolver is gone";
    caf::send_as(hdl, hdl, std::move(ev));
  }
  void answer(uint64_t request, dns_addresses result) {
    deliver(dns_io_lookup_done{request, std::move(result), {}});
  }
  void fail(uint64_t request, int code) {
    deliver(
        dns_io_lookup_done{request, {}, net_error::of(code, "getaddrinfo x")});
  }

  caf::weak_actor_ptr self;
  uint64_t next = 100;
  net_error refuse;  // the next lookup() fails with this
  std::vector<std::pair<uint64_t, dns_lookup>> lookups;
  std::vector<std::pair<uint64_t, dns_reverse_lookup>> reverses;
  std::map<uint64_t, bool> running;  // cancel() answers "abandoned" for these
  std::vector<uint64_t> cancelled;
  int closed = 0;
};

net::endpoint ep(const char* text) { return *net::endpoint::parse(text); }

dns_addresses answer_for(const char* host,
                         std::initializer_list<const char*> eps) {
  dns_addresses out;
  out.host = host;
  for (auto* e : eps) {
    auto endpoint = ep(e);
    out.addresses.push_back(
        dns_address{endpoint, family_name(endpoint), "stream", 6});
  }
  return out;
}

dns_lookup named(std::string host) {
  dns_lookup q;
  q.host = std::move(host);
  return q;
}

std::vector<std::string> texts(const dns_addresses& a) {
  std::vector<std::string> out;
  for (auto& x : a.addresses)
    out.push_back(x.address.to_string() + " " + x.family);
  return out;
}

class resolver_actor : public testing::actor_test {
 protected:
  resolver_actor() : io(std::make_shared<fake_resolver_io>()) {
    res = spawn(resolver, std::shared_ptr<resolver_io>{io}, caf::actor{});
    run();
  }

  dns_stats stats() {
    auto out = ask<dns_stats>(res, dns_get_stats{});
    run();
    EXPECT_TRUE(out->answered);
    return out->get<dns_stats>();
  }

  std::shared_ptr<fake_resolver_io> io;
  caf::actor res;
};

TEST_F(resolver_actor, passes_the_lookup_through_and_replies_with_the_answer) {
  dns_lookup q{"dual.test", "443", "ipv6", "stream", 6,     true,
               false,       true,  true,   false,    false, 900};
  auto out = ask<dns_addresses>(res, q);
  run();
  ASSERT_EQ(io->lookups.size(), 1u);
  auto& seen = io->lookups[0].second;
  EXPECT_EQ(seen.host, "dual.test");
  EXPECT_EQ(seen.service, "443");
  EXPECT_EQ(seen.family, "ipv6");
  EXPECT_EQ(seen.timeout_ms, 900u);
  EXPECT_TRUE(seen.canonical_name);
  EXPECT_FALSE(out->answered);
  auto answer = answer_for("dual.test", {"[2001:db8::30]:443"});
  answer.canonical_name = "dual.test";
  io->answer(io->lookups[0].first, answer);
  run();
  ASSERT_TRUE(out->answered);
  ASSERT_FALSE(out->error) << sys.render(out->error);
  auto& got = out->get<dns_addresses>();
  EXPECT_EQ(texts(got), std::vector<std::string>{"[2001:db8::30]:443 ipv6"});
  EXPECT_EQ(got.canonical_name, "dual.test");
  auto s = stats();
  EXPECT_EQ(s.started, 1u);
  EXPECT_EQ(s.answered, 1u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.requesters, 0u);
}

TEST_F(resolver_actor, a_failed_lookup_is_a_uv_error_with_its_eai_name) {
  auto out = ask<dns_addresses>(res, named("nx.test"));
  run();
  io->fail(io->lookups[0].first, UV_EAI_NONAME);
  run();
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(error_name(out->error), "EAI_NONAME");
  EXPECT_EQ(to_net_error(out->error).context, "getaddrinfo x");
  auto timed = ask<dns_addresses>(res, named("slow.test"));
  run();
  io->fail(io->lookups[1].first, UV_ETIMEDOUT);
  run();
  EXPECT_EQ(error_name(timed->error), "ETIMEDOUT");
  auto s = stats();
  EXPECT_EQ(s.failed, 2u);
  EXPECT_EQ(s.timed_out, 1u);
  EXPECT_EQ(s.answered, 0u);
}

TEST_F(resolver_actor, refuses_at_once_what_the_io_cannot_start) {
  io->refuse = net_error::of(UV_EINVAL, "family must be any, ipv4 or ipv6");
  auto out = ask<dns_addresses>(res, dns_lookup{"x.test", "", "ipv5"});
  run();
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(error_name(out->error), "EINVAL");
  EXPECT_EQ(stats().started, 0u);
}

TEST_F(resolver_actor, routes_many_answers_in_any_order_to_their_requesters) {
  std::vector<std::shared_ptr<testing::reply_log>> outs;
  for (int i = 0; i < 50; ++i)
    outs.push_back(
        ask<dns_addresses>(res, named("h" + std::to_string(i) + ".test")));
  run();
  ASSERT_EQ(io->lookups.size(), 50u);
  EXPECT_EQ(stats().in_flight, 50u);
  for (size_t i = io->lookups.size(); i-- > 0;) {
    auto& [id, q] = io->lookups[i];
    io->answer(id, answer_for(q.host.c_str(), {"192.0.2.1:0"}));
  }
  run();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(outs[i]->answered) << i;
    EXPECT_EQ(outs[i]->get<dns_addresses>().host,
              "h" + std::to_string(i) + ".test");
  }
  auto s = stats();
  EXPECT_EQ(s.answered, 50u);
  EXPECT_EQ(s.in_flight, 0u);
}

TEST_F(resolver_actor, cancels_every_lookup_of_a_requester_that_ends) {
  caf::actor doomed;
  caf::actor other;
  ask<dns_addresses>(res, named("a.test"), &doomed);
  auto kept = ask<dns_addresses>(res, named("b.test"), &other);
  run();
  auto a = io->lookups[0].first;
  auto b = io->lookups[1].first;
  EXPECT_EQ(stats().requesters, 2u);
  caf::anon_send_exit(doomed, caf::exit_reason::kill);
  run();
  EXPECT_EQ(io->cancelled, std::vector<uint64_t>{a});
  auto s = stats();
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.in_flight, 1u);
  EXPECT_EQ(s.requesters, 1u);
  // The survivor is still answered.
  io->answer(b, answer_for("b.test", {"192.0.2.2:0"}));
  run();
  ASSERT_TRUE(kept->answered);
  EXPECT_FALSE(kept->error);
}

TEST_F(resolver_actor,
       counts_a_running_lookup_it_could_not_cancel_as_abandoned) {
  // One requester with two lookups in flight.
  auto twice = spawn(
      [](caf::event_based_actor* self, caf::actor r) {
        self->request(r, caf::infinite, named("c.test"))
            .then([](dns_addresses&) {});
        self->request(r, caf::infinite, named("d.test"))
            .then([](dns_addresses&) {});
      },
      res);
  run();
  ASSERT_EQ(io->lookups.size(), 2u);
  auto c = io->lookups[0].first;
  auto d = io->lookups[1].first;
  EXPECT_EQ(stats().requesters, 1u);
  io->running[d] = true;
  caf::anon_send_exit(twice, caf::exit_reason::kill);
  run();
  EXPECT_EQ(io->cancelled, (std::vector<uint64_t>{c, d}));
  auto s = stats();
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.abandoned, 1u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.requesters, 0u);
  // The abandoned lookup's answer still arrives, and finds nobody.
  io->answer(d, answer_for("d.test", {"192.0.2.4:0"}));
  run();
  EXPECT_EQ(stats().answered, 0u);
}

TEST_F(resolver_actor, answers_a_reverse_lookup_with_the_name) {
  auto out = ask<dns_name>(
      res, dns_reverse_lookup{ep("192.0.2.30:53"), false, true, true});
  run();
  ASSERT_EQ(io->reverses.size(), 1u);
  EXPECT_TRUE(io->reverses[0].second.name_required);
  io->deliver(dns_io_reverse_done{
      io->reverses[0].first, dns_name{ep("192.0.2.30:53"), "dual.test", "53"},
      {}});
  run();
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(out->get<dns_name>().host, "dual.test");
  EXPECT_EQ(out->get<dns_name>().service, "53");
}

TEST_F(resolver_actor,
       a_resolver_that_ends_answers_everybody_waiting_and_closes) {
  auto one = ask<dns_addresses>(res, named("a.test"));
  auto two = ask<dns_name>(res, dns_reverse_lookup{ep("192.0.2.1:0")});
  run();
  caf::anon_send_exit(res, caf::exit_reason::kill);
  run();
  ASSERT_TRUE(one->answered);
  ASSERT_TRUE(two->answered);
  EXPECT_EQ(error_name(one->error), "ECANCELED");
  EXPECT_EQ(error_name(two->error), "ECANCELED");
  EXPECT_EQ(io->closed, 1);
}

// Sends every io event of the resolver as `from` would: anonymously, or as
// another actor.
caf::behavior forger(caf::event_based_actor* self, caf::actor res,
                     uint64_t request) {
  self->send(res, dns_io_lookup_done{request, answer_for("forged.test",
                                                         {"192.0.2.66:0"}),
                                     {}});
  self->send(res, dns_io_reverse_done{request, {}, {}});
  return {[](const std::string&) {}};
}

TEST_F(resolver_actor, ignores_io_events_that_do_not_come_from_its_io) {
  auto out = ask<dns_addresses>(res, named("a.test"));
  auto rev = ask<dns_name>(res, dns_reverse_lookup{ep("192.0.2.1:0")});
  run();
  auto a = io->lookups[0].first;
  auto r = io->reverses[0].first;
  caf::anon_send(res, dns_io_lookup_done{
                          a, answer_for("forged.test", {"192.0.2.66:0"}), {}});
  caf::anon_send(res, dns_io_reverse_done{r, {}, {}});
  spawn(forger, res, a);
  spawn(forger, res, r);
  run();
  EXPECT_FALSE(out->answered);
  EXPECT_FALSE(rev->answered);
  EXPECT_EQ(stats().in_flight, 2u);
  // Still healthy: the real answers get through.
  io->answer(a, answer_for("a.test", {"192.0.2.1:0"}));
  io->deliver(dns_io_reverse_done{r, dns_name{ep("192.0.2.1:0"), "h", "0"},
                                  {}});
  run();
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(out->get<dns_addresses>().host, "a.test");
  ASSERT_TRUE(rev->answered);
  EXPECT_EQ(rev->get<dns_name>().host, "h");
}

TEST(resolver_io_events, have_no_json_form_and_are_not_registered) {
  for (const char* type : {"dns_io_lookup_done", "dns_io_reverse_done"}) {
    auto msg = message_from_json(
        nlohmann::json{{"type", type}, {"data", nlohmann::json::object()}});
    ASSERT_FALSE(msg) << type;
    EXPECT_EQ(msg.error(), caf::sec::invalid_argument);
  }
  caf::actor_system_config cfg;
  add_message_types(cfg);
  EXPECT_EQ(cfg.type_names_by_rtti.count(typeid(dns_io_lookup_done)), 0u);
  EXPECT_EQ(cfg.type_names_by_rtti.count(typeid(dns_io_reverse_done)), 0u);
  EXPECT_EQ(cfg.type_names_by_rtti.count(typeid(dns_lookup)), 1u);
}

// When a resolver ends on its own.
class resolver_lifetime : public testing::actor_test {
 protected:
  std::shared_ptr<fake_resolver_io> io = std::make_shared<fake_resolver_io>();
};

TEST_F(resolver_lifetime, a_resolver_nobody_can_reach_ends_and_closes_its_io) {
  auto out = std::make_shared<testing::watch_outcome>();
  {
    auto r = sys.spawn(resolver, std::shared_ptr<resolver_io>{io},
                       caf::actor{});
    spawn(testing::watcher, out, r.address());
    run();
    EXPECT_FALSE(io->self.lock() == nullptr);
  }
  run();
  EXPECT_TRUE(out->ended);
  EXPECT_EQ(io->closed, 1);
  EXPECT_TRUE(io->self.lock() == nullptr);
}

TEST_F(resolver_lifetime, a_resolver_ends_with_its_spawner) {
  auto spawner = spawn(
      [](caf::event_based_actor*, int) -> caf::behavior {
        return {[](const std::string&) {}};
      },
      0);
  auto r = spawn(resolver, std::shared_ptr<resolver_io>{io}, spawner);
  auto watched = watch(r);
  run();
  EXPECT_FALSE(watched->ended);
  caf::anon_send_exit(spawner, caf::exit_reason::user_shutdown);
  run();
  EXPECT_TRUE(watched->ended);
  EXPECT_EQ(io->closed, 1);
}

// An actor that asks `r` to look up `host` when told to.
caf::behavior asking_spawner(caf::event_based_actor* self, int) {
  return {[self](caf::actor r, const std::string& host) {
    self->request(r, caf::infinite, named(host))
        .then([](dns_addresses&) {}, [](caf::error&) {});
  }};
}

TEST_F(resolver_lifetime, a_spawners_own_lookups_do_not_unwatch_it) {
  auto spawner = spawn(asking_spawner, 0);
  auto r = spawn(resolver, std::shared_ptr<resolver_io>{io}, spawner);
  auto watched = watch(r);
  caf::anon_send(spawner, r, std::string{"a.test"});
  run();
  ASSERT_EQ(io->lookups.size(), 1u);
  // Its last lookup answered, the spawner stops being a requester, but the
  // resolver still watches it as its spawner.
  io->answer(io->lookups[0].first, answer_for("a.test", {"192.0.2.1:0"}));
  run();
  EXPECT_FALSE(watched->ended);
  caf::anon_send_exit(spawner, caf::exit_reason::user_shutdown);
  run();
  EXPECT_TRUE(watched->ended);
}

TEST(uv_resolver_io_hints, map_the_portable_spelling_to_getaddrinfo_values) {
  net::addrinfo_hints h;
  dns_lookup q;
  EXPECT_FALSE(to_addrinfo_hints(q, h));
  EXPECT_EQ(h.family, AF_UNSPEC);
  EXPECT_EQ(h.socktype, 0);
  EXPECT_EQ(h.flags, 0);
  q = dns_lookup{"x",  "80", "ipv6", "stream", 6,    true,
                 true, true, true,   true,     true, 0};
  EXPECT_FALSE(to_addrinfo_hints(q, h));
  EXPECT_EQ(h.family, AF_INET6);
  EXPECT_EQ(h.socktype, SOCK_STREAM);
  EXPECT_EQ(h.protocol, 6);
  EXPECT_EQ(h.flags, AI_ADDRCONFIG | AI_NUMERICHOST | AI_NUMERICSERV |
                         AI_CANONNAME | AI_V4MAPPED | AI_PASSIVE);
  q = dns_lookup{"x", "", "ipv4", "dgram"};
  EXPECT_FALSE(to_addrinfo_hints(q, h));
  EXPECT_EQ(h.family, AF_INET);
  EXPECT_EQ(h.socktype, SOCK_DGRAM);
}

TEST(uv_resolver_io_hints, refuse_unknown_families_socket_types_and_protocols) {
  net::addrinfo_hints h;
  EXPECT_EQ(to_addrinfo_hints(dns_lookup{"x", "", "ipv5"}, h).name, "EINVAL");
  EXPECT_EQ(to_addrinfo_hints(dns_lookup{"x", "", "any", "seqpacket"}, h).name,
            "EINVAL");
  EXPECT_EQ(to_addrinfo_hints(dns_lookup{"x", "", "any", "any", 256}, h).name,
            "EINVAL");
  EXPECT_NE(to_addrinfo_hints(dns_lookup{"x", "", "IPv6"}, h)
                .context.find("\"IPv6\""),
            std::string::npos);
}

TEST(uv_resolver_io_hints, name_families_and_socket_types) {
  EXPECT_EQ(family_name(ep("[::1]:1")), "ipv6");
  EXPECT_EQ(family_name(ep("127.0.0.1:1")), "ipv4");
  EXPECT_EQ(socktype_name(SOCK_STREAM), "stream");
  EXPECT_EQ(socktype_name(SOCK_DGRAM), "dgram");
  EXPECT_EQ(socktype_name(SOCK_RAW), "raw");
  EXPECT_EQ(socktype_name(0), "any");
  EXPECT_EQ(socktype_name(SOCK_SEQPACKET), std::to_string(SOCK_SEQPACKET));
}

}  // namespace
}  // namespace netactors
