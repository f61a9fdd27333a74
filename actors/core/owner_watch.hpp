// netactors::owner_link: how a socket actor (TCP connection, UDP socket)
// learns that its owner ended, at one CAF attachable per owner instead of
// one monitor per socket.
//
// Why not self->monitor(owner): CAF 0.17 puts one attachable (48 bytes) per
// monitor on the monitored actor's list, and demonitor walks that list. An
// owner is usually long-lived and owns many sockets (one echo handler serves
// every connection of its loop), so each connection cost 48 bytes on the
// owner and its end a walk that grew with the owner's connections (~1.5k
// instructions at a few hundred connections).
//
// Here the owner carries one attachable (an owner_watch, made by the first
// link to it and gone with the owner) holding a doubly linked ring of the
// owner_links of every socket it owns; each socket's state embeds its
// owner_link (three pointers, no allocation). Linking and unlinking are O(1)
// under one process-wide mutex (short critical sections: a hash lookup on
// link, two pointer swaps on unlink). When the owner ends, its watch sends
// every linked socket the down_msg a monitor would have sent (same source,
// same reason, queued behind everything the owner sent before it ended), so
// the socket's down handler is unchanged. An owner that had already ended
// when linked produces the down_msg at once, as monitor() does.
// Memory: 24 bytes per socket; per owner that ever owned a socket, one
// watch (a 64-byte allocation) and its registry entry (~40 bytes), both
// freed when that owner ends.
// A CAF upgrade must re-check: abstract_actor::attach runs actor_exited at
// once (synchronously) for an actor that already ended, every attachable
// runs actor_exited exactly once when its actor ends (monitorable_actor::
// cleanup), and the attachable is destroyed only after that.
// Thread safety: link/unlink from any thread (the state's destructor may run
// wherever the last handle to an unconnected socket was dropped).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_control_block.hpp>

namespace netactors {

class owner_watch;

/// One socket actor's place in its owner's watch. Lives in the socket's
/// state; its destructor unlinks.
class owner_link {
 public:
  owner_link() = default;
  owner_link(const owner_link&) = delete;
  owner_link& operator=(const owner_link&) = delete;
  ~owner_link() { unlink(); }

  /// Links `self` (the socket actor, whose state holds this link) to
  /// `owner`'s watch: when `owner` ends, `self` gets a down_msg from it. A
  /// null owner links nothing. Call once.
  void link(const caf::actor& owner, caf::actor_control_block* self);

  /// No more down_msg; idempotent.
  void unlink();

 private:
  friend class owner_watch;
  owner_link* prev_ = nullptr;  // null: not linked
  owner_link* next_ = nullptr;
  caf::actor_control_block* self_ = nullptr;  // the socket actor (weakly); null once unlinked
};

}  // namespace netactors
