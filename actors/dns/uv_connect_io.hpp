// netactors::uv_connect_io: connect_io over net::tcp_stream, one stream per
// attempt, held by handle id. Adoption spawns the tcp_connection actor on
// the same loop (the stream cannot change loops while connected).
// Thread safety: loop thread of `ctx` only (the dns_connect actor is
// loop-affine). Ownership: the loop owns the streams; cancel() and close()
// close them; an adopted stream belongs to its connection actor.
#pragma once

#include <map>

#include "actors/dns/connect_io.hpp"
#include "actors/core/loop_context.hpp"
#include "net/tcp/tcp_stream.hpp"

namespace netactors {

class uv_connect_io final : public connect_io {
 public:
  explicit uv_connect_io(loop_context& ctx);

  void attach(caf::weak_actor_ptr self) override;
  net_error start(uint32_t attempt, const net::endpoint& peer) override;
  void cancel(uint32_t attempt) override;
  adopted adopt(uint32_t attempt, caf::actor owner,
                const tcp_connection_options& options) override;
  void close() override;

 private:
  loop_context& ctx_;
  caf::weak_actor_ptr self_;  // weak: see connect_io.hpp
  std::map<uint32_t, net::handle_id> streams_;  // attempt -> open stream
};

}  // namespace netactors
