// netactors::line_sink_actor: a log actor (it takes std::string messages,
// one line each, as echo_handler's `log` does) in front of a line_sink. It
// hands each line to the sink, which never waits, so its mailbox empties as
// fast as it fills whatever the reader of the output does.
// Thread safety: an actor; the sink is shared with whoever closes it.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>

#include "actors/log/line_sink.hpp"

namespace netactors {

/// Spawns the actor on the actor system's scheduler. The sink outlives the
/// actor (it holds a reference); close the sink after the actor's producers
/// are gone, or at any time: lines after close() are dropped and counted.
caf::actor spawn_line_sink_actor(caf::actor_system& sys,
                                 std::shared_ptr<line_sink> sink);

}  // namespace netactors
