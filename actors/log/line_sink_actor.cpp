#include "actors/log/line_sink_actor.hpp"

#include <caf/all.hpp>

namespace netactors {

namespace {

caf::behavior line_sink_actor(caf::event_based_actor*,
                              std::shared_ptr<line_sink> sink) {
  return {[sink](std::string& line) { sink->write_line(std::move(line)); }};
}

}  // namespace

caf::actor spawn_line_sink_actor(caf::actor_system& sys,
                                 std::shared_ptr<line_sink> sink) {
  return sys.spawn(line_sink_actor, std::move(sink));
}

}  // namespace netactors
