// netactors::testing::fake_tcp_io: a tcp_io with no socket behind it, for
// running connection actors under CAF's deterministic test_coordinator (the
// role CAF's own test_multiplexer plays for its brokers).
//
// The test scripts what the "socket" answers (write outcomes, errors of the
// other calls, the write queue size, addresses) and reads back what the actor
// asked of it. Events the real loop would send (tcp_io_write_done, ...) the
// test sends itself as the actor, as the real seam does:
// caf::send_as(conn, conn, io->drain(token)). Bytes arrive through
// receive(), which applies the read window as the real seam does.
// Thread safety: none; the test thread and the test_coordinator share it.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <uv.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "actors/messages/tcp_messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/tcp/tcp_io.hpp"
#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"

namespace netactors::testing {

class fake_tcp_io final : public tcp_io {
 public:
  /// One call of write(): the bytes as the actor handed them over.
  struct write_call {
    std::string bytes;
    uint64_t token = 0;
    bool pending = false;  ///< still counted in write_queue_size()
  };

  explicit fake_tcp_io(uint64_t id = 7) : id_(id) {
    local_address = *net::endpoint::parse("[2001:db8::1]:7000");
    peer_address = *net::endpoint::parse("[2001:db8::2]:40123");
  }

  // -- scripting ------------------------------------------------------------

  /// What write() answers when no scripted outcome is queued.
  write_outcome default_write{net_error{}, /*completed=*/true};
  /// Outcomes for the next write() calls, first to last.
  std::deque<write_outcome> next_writes;

  void next_write_completes() { next_writes.push_back({net_error{}, true}); }
  void next_write_pends() { next_writes.push_back({net_error{}, false}); }
  void next_write_fails(net_error err) {
    next_writes.push_back({std::move(err), false});
  }
  void all_writes_pend() { default_write = {net_error{}, false}; }

  /// Bytes handed to write() that "the kernel" has not taken yet. A pending
  /// write adds its size; drain() removes it. Tests may also set it directly.
  size_t queued_bytes = 0;
  /// What bytes_received() reports.
  uint64_t received = 0;

  net_error connect_result;
  net_error read_start_result;
  net_error read_stop_result;
  net_error shutdown_result;
  net_error nodelay_result;
  net_error keepalive_result;

  net::endpoint local_address;
  net::endpoint peer_address;

  /// The pending write with `token` went out: its bytes leave the queue.
  /// Returns the event the loop would send the connection actor.
  tcp_io_write_done drain(uint64_t token, net_error status = {}) {
    for (auto& w : writes)
      if (w.token == token && w.pending) {
        w.pending = false;
        queued_bytes -= std::min(queued_bytes, w.bytes.size());
      }
    return tcp_io_write_done{token, std::move(status)};
  }

  // -- inspection -----------------------------------------------------------

  /// "The socket read `bytes`" (the socket must be reading): they go to
  /// `owner` as tcp_received from `conn` while the window allows, or, as a
  /// window marker, reading stops and the marker goes to `conn` itself.
  /// Returns whether it was a marker.
  bool receive(const caf::actor& conn, const caf::actor& owner,
               const std::string& bytes) {
    received += bytes.size();
    auto data = net::byte_buffer::copy_of(bytes);
    if (window_.on_read(bytes.size()) == read_window::verdict::deliver) {
      caf::send_as(conn, owner, tcp_received{id_, std::move(data)});
      return false;
    }
    calls.emplace_back("read_stop");  // what the seam does inside the read
    caf::send_as(conn, conn,
                 tcp_io_read_marker{std::move(data), window_.delivered()});
    return true;
  }

  /// "The peer sent its FIN": tcp_read_closed straight to `owner` as from
  /// `conn` when the actor asked for that and fin_straight_to_owner allows,
  /// otherwise tcp_io_read_end to `conn`, as the real seam does.
  void peer_closes(const caf::actor& conn, const caf::actor& owner) {
    if (fin_straight_to_owner(fin_to_owner, count("shutdown") > 0, window_)) {
      fin_came = true;
      caf::send_as(conn, owner, tcp_read_closed{id_, net_error::of(UV_EOF)});
      return;
    }
    caf::send_as(conn, conn, tcp_io_read_end{net_error::of(UV_EOF)});
  }
  bool fin_to_owner = false;  ///< set by send_fin_to_owner()
  bool fin_came = false;      ///< what read_ended() reports

  /// Every call in order: "attach", "connect [::1]:80", "read_start",
  /// "read_stop", "write", "shutdown", "nodelay on", "keepalive on 30",
  /// "read_window 100", "close".
  std::vector<std::string> calls;
  std::vector<write_call> writes;
  std::vector<net::endpoint> connects;
  /// From attach(); weak, so the fake never keeps an actor alive.
  caf::actor_addr attached_self;
  caf::actor_addr attached_owner;

  size_t count(const std::string& call) const {
    return static_cast<size_t>(std::count(calls.begin(), calls.end(), call));
  }
  bool closed() const { return count("close") > 0; }

  // -- tcp_io ---------------------------------------------------------------

  uint64_t id() const override { return id_; }

  void attach(const caf::actor& self, caf::actor owner) override {
    calls.emplace_back("attach");
    attached_self = self.address();
    attached_owner = owner.address();
  }

  void send_fin_to_owner() override { fin_to_owner = true; }
  bool read_ended() const override { return fin_came; }

  net_error connect(const net::endpoint& peer) override {
    calls.push_back("connect " + peer.to_string());
    connects.push_back(peer);
    if (!connect_result) peer_address = peer;
    return connect_result;
  }

  net_error read_start() override {
    calls.emplace_back("read_start");
    return read_start_result;
  }

  net_error read_stop() override {
    calls.emplace_back("read_stop");
    return read_stop_result;
  }

  write_outcome write(net::byte_buffer bytes, uint64_t token) override {
    calls.emplace_back("write");
    auto outcome = default_write;
    if (!next_writes.empty()) {
      outcome = next_writes.front();
      next_writes.pop_front();
    }
    bool pending = !outcome.error && !outcome.completed;
    if (pending) queued_bytes += bytes.size();
    writes.push_back(write_call{bytes.to_string(), token, pending});
    return outcome;
  }

  size_t write_queue_size() const override { return queued_bytes; }

  net_error shutdown() override {
    calls.emplace_back("shutdown");
    return shutdown_result;
  }

  net_error set_nodelay(bool enable) override {
    calls.push_back(enable ? "nodelay on" : "nodelay off");
    return nodelay_result;
  }

  net_error set_keepalive(bool enable, unsigned delay_seconds) override {
    calls.push_back((enable ? "keepalive on " : "keepalive off ") +
                    std::to_string(delay_seconds));
    return keepalive_result;
  }

  read_window& window() override { return window_; }
  void set_read_window(uint64_t bytes) override {
    calls.push_back("read_window " + std::to_string(bytes));
    window_.set_window(bytes);
  }

  uint64_t bytes_received() const override { return received; }
  net::endpoint local() const override { return local_address; }
  net::endpoint peer() const override { return peer_address; }

  void close() override { calls.emplace_back("close"); }

 private:
  uint64_t id_;
  read_window window_{256 * 1024};
};

}  // namespace netactors::testing
