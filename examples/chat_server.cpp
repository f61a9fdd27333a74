// chat_server: a line-based chat room. Every line a client sends goes to
// every other client as "HOST:PORT: line"; joins and leaves are announced as
// "* HOST:PORT joined" / "* HOST:PORT left". A client that does not read is
// cut off once its connection's write queue is full, and the others go on.
//
//   chat_server [--listen HOST:PORT] [--max-line BYTES] [--max-queue BYTES]
//
// The first stdout line is {"event":"listening","address":..,"port":..}
// (port 0 picks a free port). SIGINT/SIGTERM stop it with exit code 0; a
// failed listen exits 1 naming the error; bad usage exits 2.
#include "netactors.hpp"

#include <caf/all.hpp>


#include <charconv>
#include <chrono>
#include <iostream>
#include <map>
#include <string>

using namespace netactors;

namespace {

struct member {
  std::string name;  // the peer's address, "127.0.0.1:40312"
  net::line_framer lines;
};

struct chat_room_state {
  std::map<caf::actor, member> members;  // by connection actor
  static inline const char* name = "chat_room";
};

using chat_room_actor = caf::stateful_actor<chat_room_state>;

caf::actor connection_of(chat_room_actor* self) {
  return caf::actor_cast<caf::actor>(self->current_sender());
}

// tcp_try_write, not tcp_write: past the write queue limit a try_write is
// refused (tcp_write_refused comes back) and the connection lives, so the
// room itself decides what a slow reader costs, and can tell the others.
// A plain tcp_write would end the connection with ENOBUFS instead, which
// the room would learn only as one more "closed" among read errors.
void say(chat_room_actor* self, const caf::actor& to, const std::string& text) {
  self->send(to, tcp_try_write{net::byte_buffer::copy_of(text)});
}

void tell_others(chat_room_actor* self, const caf::actor& from,
                 const std::string& text) {
  for (auto& [conn, m] : self->state.members)
    if (conn != from) say(self, conn, text);
}

void leave(chat_room_actor* self, const caf::actor& conn, const std::string& how) {
  auto i = self->state.members.find(conn);
  if (i == self->state.members.end()) return;  // gone already
  auto name = i->second.name;
  self->state.members.erase(i);
  tell_others(self, conn, "* " + name + " " + how + "\n");
}

// The owner of every connection. Inbound bytes are bounded by each
// connection's read window (a handler that returns has consumed them),
// outbound ones by its write queue limit.
caf::behavior chat_room(chat_room_actor* self, size_t max_line) {
  return {
    [=](tcp_connection_opened& ev) {
      auto conn = connection_of(self);
      tell_others(self, conn, "* " + ev.peer.to_string() + " joined\n");
      self->state.members.emplace(
          conn, member{ev.peer.to_string(), net::line_framer{max_line}});
    },
    [=](tcp_received& ev) {
      auto conn = connection_of(self);
      auto i = self->state.members.find(conn);
      if (i == self->state.members.end()) return;  // cut off meanwhile
      auto& m = i->second;
      for (auto& line : m.lines.feed(ev.data.view())) {
        if (line)
          tell_others(self, conn, m.name + ": " + *line + "\n");
        else  // too long: only its sender hears about it
          say(self, conn, "* not sent: " + line.error().to_string() + "\n");
      }
    },
    // Above high water a member is only slow; the write queue limit below
    // is where it is cut off.
    [](tcp_backpressure&) {},
    [=](tcp_write_refused& ev) {
      auto conn = connection_of(self);
      self->send(conn, tcp_close{});
      leave(self, conn, "was cut off (" + ev.reason.name + ": it does not read)");
    },
    // The peer sends no more: a last line without '\n' still counts.
    // Returning answers the request; the connection then closes.
    [=](tcp_read_closed&) {
      auto conn = connection_of(self);
      auto i = self->state.members.find(conn);
      if (i == self->state.members.end()) return;
      if (auto last = i->second.lines.finish())
        tell_others(self, conn, i->second.name + ": " + *last + "\n");
    },
    [=](tcp_connection_closed&) { leave(self, connection_of(self), "left"); },
  };
}

constexpr const char* usage_text =
    "usage: chat_server [--listen HOST:PORT] [--max-line BYTES] "
    "[--max-queue BYTES]\n"
    "  --listen     default 127.0.0.1:7070; [::1]:0 for IPv6; port 0 picks one\n"
    "  --max-line   longest line relayed (default 4096)\n"
    "  --max-queue  bytes queued for a member before it is cut off "
    "(default 1048576)\n";

int usage(const std::string& why) {
  std::cerr << "chat_server: " << why << "\n" << usage_text;
  return 2;
}

bool parse_size(const std::string& text, uint64_t* out) {
  auto end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc{} && ptr == end && *out > 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:7070";
  uint64_t max_line = 4096;
  uint64_t max_queue = 1024 * 1024;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help") {
      std::cout << usage_text;
      return 0;
    }
    if (i + 1 == argc) return usage("missing value for " + flag);
    std::string value = argv[++i];
    if (flag == "--listen")
      listen = value;
    else if (flag == "--max-line" && parse_size(value, &max_line))
      continue;
    else if (flag == "--max-queue" && parse_size(value, &max_queue))
      continue;
    else
      return usage("bad option: " + flag + " " + value);
  }
  auto address = net::endpoint::parse(listen);
  if (!address) return usage(address.error().to_string());
  // Before any thread starts, so that no loop or CAF thread takes them.
  block_stop_signals();

  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  runtime rt{cfg};  // one loop; registers the message types
  // The room runs on the loop thread, next to its connections.
  auto room = rt.loop_at(0).spawn(chat_room, static_cast<size_t>(max_line));
  tcp_connection_handler handler;
  handler.actor = room;
  handler.options.write_queue_limit = max_queue;
  auto listener = spawn_tcp_listener(rt, handler);
  caf::scoped_actor self{rt.system()};
  int exit_code = 0;
  self->request(listener, caf::infinite, tcp_listen{*address})
      .receive(
          [&](tcp_listening& ok) {
            std::cout << nlohmann::ordered_json{{"event", "listening"},
                                                {"address", ok.address.address()},
                                                {"port", ok.address.port()}}
                             .dump()
                      << std::endl;
          },
          [&](caf::error& err) {
            std::cerr << "chat_server: " << to_net_error(err).to_string() << "\n";
            exit_code = 1;
          });
  if (exit_code == 0) wait_for_stop_signal();
  // Ends the listener, the room and every connection; ~runtime then waits.
  rt.shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(2));
  return exit_code;
}
