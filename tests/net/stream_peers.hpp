// The two ends of a half-close echo exchange, for any net::stream (TCP or
// Unix): the tests of each stream kind run the same conversation.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <utility>

#include "net/core/loop.hpp"
#include "net/core/stream.hpp"

namespace stream_peers {

// Echoes everything and closes after the peer's EOF.
class echo_observer : public net::stream::observer {
 public:
  echo_observer(net::loop& l, net::handle_id id) : loop_(l), id_(id) {}
  void on_connect(net::result<void>) override {}
  void on_read(net::byte_buffer bytes) override {
    ASSERT_TRUE(loop_.find_as<net::stream>(id_)->write(std::move(bytes), 0));
  }
  void on_read_end(net::uv_error) override {
    (void)loop_.find_as<net::stream>(id_)->shutdown();
  }
  void on_write_done(uint64_t, net::result<void>) override {}
  void on_shutdown(net::result<void>) override {
    loop_.find_as<net::stream>(id_)->close();
  }
  void on_closing() override {}

 private:
  net::loop& loop_;
  net::handle_id id_;
};

// Sends `payload`, half-closes, collects the echo until EOF; `done` gets
// the echo, or "connect: NAME" when the connect failed.
class client_observer : public net::stream::observer {
 public:
  client_observer(net::loop& l, std::string payload,
                  std::promise<std::string>* done)
      : loop_(l), payload_(std::move(payload)), done_(done) {}
  net::handle_id id = 0;
  void on_connect(net::result<void> st) override {
    if (!st) {
      done_->set_value("connect: " + st.error().name());
      loop_.find_as<net::stream>(id)->close();
      return;
    }
    auto* s = loop_.find_as<net::stream>(id);
    ASSERT_TRUE(s->read_start());
    ASSERT_TRUE(s->write(net::byte_buffer::copy_of(payload_), 1));
    ASSERT_TRUE(s->shutdown());
  }
  void on_read(net::byte_buffer bytes) override { got_ += bytes.view(); }
  void on_read_end(net::uv_error e) override {
    EXPECT_EQ(e.name(), "EOF");
    done_->set_value(got_);
    loop_.find_as<net::stream>(id)->close();
  }
  void on_write_done(uint64_t, net::result<void> st) override {
    EXPECT_TRUE(st);
  }
  void on_shutdown(net::result<void> st) override { EXPECT_TRUE(st); }
  void on_closing() override {}

 private:
  net::loop& loop_;
  std::string payload_;
  std::promise<std::string>* done_;
  std::string got_;
};

}  // namespace stream_peers
