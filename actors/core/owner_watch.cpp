#include "actors/core/owner_watch.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/attachable.hpp>
#include <caf/make_message.hpp>
#include <caf/message_id.hpp>
#include <caf/system_messages.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <memory>
#include <mutex>
#include <unordered_map>

namespace netactors {

namespace {

// Guards every watch's ring and the registry below.
std::mutex& watch_mutex() {
  static std::mutex m;
  return m;
}

// The watch of each owner that has one, by the owner's control block (kept
// alive by the linking socket's handle to it while it is looked up; erased
// by the watch when the owner ends, before the block can be reused).
std::unordered_map<const caf::actor_control_block*, owner_watch*>& watches() {
  static std::unordered_map<const caf::actor_control_block*, owner_watch*> m;
  return m;
}

}  // namespace

// Attached to the owner; owned by the owner's attachable list.
class owner_watch final : public caf::attachable {
 public:
  explicit owner_watch(const caf::actor& owner)
      : owner_(owner.address()), key_(caf::actor_cast<caf::actor_control_block*>(owner)) {
    ring_.prev_ = ring_.next_ = &ring_;
  }

  ~owner_watch() override {
    // actor_exited emptied the ring; a watch whose attach never happened
    // does not exist (attach runs actor_exited for an ended owner).
    ring_.prev_ = ring_.next_ = nullptr;
  }

  // Under watch_mutex().
  void push(owner_link& l) {
    l.prev_ = ring_.prev_;
    l.next_ = &ring_;
    ring_.prev_->next_ = &l;
    ring_.prev_ = &l;
  }

  void actor_exited(const caf::error& reason, caf::execution_unit* host) override {
    std::lock_guard<std::mutex> guard{watch_mutex()};
    watches().erase(key_);
    auto sender = caf::actor_cast<caf::strong_actor_ptr>(owner_);
    for (auto* l = ring_.next_; l != &ring_;) {
      auto* next = l->next_;
      l->prev_ = l->next_ = nullptr;
      // A socket whose last handle is being dropped right now (its state's
      // destructor waits for the mutex) is skipped: it is ending anyway.
      caf::weak_actor_ptr weak{l->self_};
      if (auto socket = weak.lock())
        socket->enqueue(sender, caf::make_message_id(),
                        caf::make_message(caf::down_msg{owner_, reason}), host);
      l = next;
    }
    ring_.prev_ = ring_.next_ = &ring_;
  }

 private:
  caf::actor_addr owner_;
  const caf::actor_control_block* key_;
  owner_link ring_;  // sentinel of the ring of linked sockets
};

void owner_link::link(const caf::actor& owner, caf::actor_control_block* self) {
  if (!owner) return;
  self_ = self;
  std::unique_ptr<owner_watch> fresh;
  {
    std::lock_guard<std::mutex> guard{watch_mutex()};
    auto key = caf::actor_cast<caf::actor_control_block*>(owner);
    auto& slot = watches()[key];
    if (slot == nullptr) {
      fresh = std::make_unique<owner_watch>(owner);
      slot = fresh.get();
    }
    slot->push(*this);
  }
  // Outside the mutex: for an owner that already ended, attach calls
  // actor_exited at once (which takes the mutex and tells this socket).
  if (fresh)
    caf::actor_cast<caf::abstract_actor*>(owner)->attach(std::move(fresh));
}

void owner_link::unlink() {
  // Never linked, or unlinked before (written by this socket only): the
  // destructor after finish's unlink takes no mutex.
  if (self_ == nullptr) return;
  // Read under the mutex too: the watch unhooks links from its owner's
  // thread.
  std::lock_guard<std::mutex> guard{watch_mutex()};
  self_ = nullptr;  // no watch reads it once unhooked
  if (prev_ == nullptr) return;
  prev_->next_ = next_;
  next_->prev_ = prev_;
  prev_ = next_ = nullptr;
}

}  // namespace netactors
