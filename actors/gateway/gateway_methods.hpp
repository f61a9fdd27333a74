// netactors::gateway::gateway_methods: the method table of a netnode
// gateway (actors/gateway/gateway.hpp), i.e. the decoders of its params.
// Every request message of the codec keeps its own decoder, except those the
// gateway routes to a relayed connection, which name it; the gateway adds
// the methods it implements itself. What each decoded message holds:
//   cancel {"request":ID}            -> (std::string key)
//   stats {}                         -> (std::string "")
//   dhcp_discover {"interface":NAME,"timeout":MS=10000,"request":false}
//                                    -> (std::string, uint32_t, bool)
//   tcp_write {"request":ID,"data":BASE64}
//                                    -> (std::string key, tcp_write)
//   tcp_shutdown {"request":ID}      -> (std::string key, tcp_shutdown)
//   tcp_close {"request":ID}         -> (std::string key, tcp_close)
// `key` is the id's JSON text, so that ids compare exactly as they were
// written (1 and "1" differ); ID is a string, a number or null.
// Thread safety: pure; the table is built per gateway and read-only after.
#pragma once

#include "actors/gateway/jsonrpc.hpp"

namespace netactors::gateway {

/// The request messages plus cancel, stats and dhcp_discover, with
/// tcp_write, tcp_shutdown and tcp_close taking the "request" of a relayed
/// connection.
jsonrpc::method_table gateway_methods();

}  // namespace netactors::gateway
