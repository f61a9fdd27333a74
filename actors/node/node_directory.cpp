#include "actors/node/node_directory.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/publish.hpp>

#include <uv.h>

#include "actors/messages/net_error.hpp"
#include "actors/messages/node_messages.hpp"

namespace netactors {

caf::behavior node_directory(caf::event_based_actor* self,
                             std::map<std::string, caf::actor> services,
                             peer_tracker_actor peers) {
  return {
    [self, services, peers](node_service_request& r) -> caf::result<caf::actor> {
      auto& asker = self->current_sender();
      if (peers && asker && asker->node() != self->node())
        self->send(peers, peer_atom::value, asker->node());
      auto i = services.find(r.name);
      if (i == services.end())
        return make_caf_error(
            net_error::of(UV_ENOENT, "no service \"" + r.name + "\" on this node"));
      return i->second;
    },
  };
}

caf::actor spawn_node_directory(caf::actor_system& sys,
                                std::map<std::string, caf::actor> services,
                                peer_tracker_actor peers) {
  return sys.spawn(node_directory, std::move(services), std::move(peers));
}

caf::expected<uint16_t> publish_node(caf::actor_system& sys,
                                     const caf::actor& directory,
                                     const net::endpoint& where, bool tls) {
  auto host = where.address();
  auto port = where.port();
  // SO_REUSEADDR: a node that restarts can publish on its port again while
  // the connections of its previous run are in TIME_WAIT.
  return tls ? caf::openssl::publish(directory, port, host.c_str(), true)
             : sys.middleman().publish(directory, port, host.c_str(), true);
}

}  // namespace netactors
