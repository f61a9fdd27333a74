// netactors::jsonrpc: the JSON-RPC 2.0 codec of the netnode gateway. Any
// language drives netactors with the framework's own messages, one JSON text
// per line. Pure: no I/O, no state between lines, nothing thrown across the
// API (every nlohmann exception is caught and becomes an error response).
// Thread safety: pure functions; a method_table is read-only once built.
//
// The protocol (https://www.jsonrpc.org/specification, all of it):
// - Framing: one JSON text per line, UTF-8, '\n'-terminated (a '\r' before
//   it is dropped by net::line_framer). A line of only whitespace is ignored.
//   A line longer than max_line_length bytes is answered by
//   framing_error_response: -32600 Invalid Request whose data is the error
//   object of EMSGSIZE; the framer skips it up to the next newline. (-32600,
//   not -32700: the line was never parsed, it is refused for its size.)
//   Likewise a line nested deeper than max_depth (64) arrays and objects is
//   -32600 before it is parsed.
// - Requests: {"jsonrpc":"2.0","method":M,"params":P,"id":ID}. M is the
//   type name of a request message (jsonrpc_methods.hpp lists them; replies,
//   events and internal messages are never methods) or an extra method the
//   gateway registers (method_table::add). P is the message's JSON data,
//   exactly the envelope's "data" (actors/messages/messages.hpp). Any member of the
//   request other than these four is -32600 (a misspelt "params" would
//   otherwise silently call with defaults).
// - Params with defaults: P is laid over the JSON of the default-constructed
//   message (its default member values): objects member by member, at any
//   depth; anything else (strings, numbers, arrays) replaced whole. So any
//   field may be omitted, and omitting params means every default. A key the
//   message does not have, at any depth, is -32602 naming it ("peer.scope");
//   a mistyped or out-of-range value is -32602 naming the field, with the
//   decoder's reason. P must be an object: an array (by-position) is -32602,
//   a string, number, boolean or null is -32600 (the spec's "structured
//   value" rule).
// - ID: a string, a number or null, echoed exactly (a string as the same
//   string, a 64-bit integer digit for digit; a fractional number, or an
//   integer beyond 64 bits, as the same double). Absent: a notification, which
//   is performed but never answered, not even with an error. Any other id
//   (true, {}, []) is -32600 with id null.
// - Results: {"jsonrpc":"2.0","id":ID,"result":{"type":T,"data":D}}, the
//   reply's envelope. A reply that is an empty message (the "done" of
//   tcp_shutdown, udp_set_ttl, ...) is "result":null.
// - Errors: {"jsonrpc":"2.0","id":ID,"error":{"code":C,"message":M,"data":D}}.
//     -32700 Parse error        the line is not JSON (id null)
//     -32600 Invalid Request    not a request object, too long or too deep
//                                (id null unless a valid id could be read)
//     -32601 Method not found   M names no request message nor extra method
//     -32602 Invalid params     data {"field": the dotted path} when a field
//                                is to blame
//     -32603 Internal error     a reply that cannot be written as JSON
//     -32000 Request failed     the request was performed and failed; data is
//                                the project's error object {"code":-3008,
//                                "name":"EAI_NONAME","message":..,"context":..}
//   The connection stays usable after every one of them: the codec keeps no
//   state, so the next line is parsed as if nothing had happened.
// - Batches: a JSON array of requests gives a JSON array of their responses
//   (batch_response), notifications omitted; a batch of only notifications
//   gets nothing back; an empty array is a single -32600 (not an array). Each
//   element is checked on its own: one bad element does not spoil the others.
// - Events of streams (subscriptions, connections) are server-to-client
//   notifications: {"jsonrpc":"2.0","method":"event","params":{"request":ID,
//   "type":"interfaces_changed","data":{...}}}, ID being the request that
//   started the stream.
// - Every output is one line of valid UTF-8: no raw newline (JSON escapes
//   it), and a string that is not UTF-8 (an interface name from the kernel)
//   has its bad bytes replaced by U+FFFD rather than failing.
// Outputs are the line's text without its '\n'; the gateway appends it.
#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/messages/messages.hpp"
#include "net/core/uv_error.hpp"

namespace netactors::jsonrpc {

/// JSON-RPC 2.0 error codes (the first five are the spec's).
enum error_code : int {
  parse_error = -32700,
  invalid_request = -32600,
  method_not_found = -32601,
  invalid_params = -32602,
  internal_error = -32603,
  request_failed = -32000,  ///< implementation-defined server error range
};

/// The longest line the gateway reads (terminator not counted): 1 MiB.
inline constexpr size_t max_line_length = size_t{1} << 20;

/// The deepest nesting of arrays and objects a line may have (a batch of
/// requests whose params hold endpoints is 4 deep).
inline constexpr size_t max_depth = 64;

// -- decoding params --------------------------------------------------------

/// What a params decoder gives: the request as a message, or the reason the
/// params are invalid (-32602) and the field to blame ("" for none).
struct decoded {
  caf::message message;
  std::string error;  ///< empty: decoded
  std::string field;  ///< dotted path of the culprit, when known

  bool ok() const noexcept { return error.empty(); }
  static decoded fail(std::string why, std::string field = {}) {
    return decoded{caf::message{}, std::move(why), std::move(field)};
  }
};

/// Decodes `params` (always an object; {} when the request had none).
using params_decoder = std::function<decoded(const nlohmann::json& params)>;

/// The defaults rule above: lays `params` over `defaults` (a default value's
/// JSON), refuses unknown keys, then decodes the result with `strict`, which
/// throws nlohmann::json::exception on a bad field; that field is named.
using strict_decoder = std::function<caf::message(const nlohmann::json&)>;
decoded decode_params_as(const nlohmann::json& defaults,
                         const nlohmann::json& params,
                         const strict_decoder& strict);

/// decode_params_as for a NETACTORS_MESSAGE type T: T{}'s JSON as defaults,
/// T's from_json as the strict decoder. Every request message's decoder,
/// and usable by an extra method for its own parameter struct.
template <class T>
decoded decode_params(const nlohmann::json& params) {
  return decode_params_as(nlohmann::json(T{}), params,
                          [](const nlohmann::json& j) {
                            return caf::make_message(j.get<T>());
                          });
}

// -- the methods ------------------------------------------------------------

/// Method names and their decoders. The default table has every request
/// message (request_message_types) under its type name.
class method_table {
 public:
  /// The request messages.
  method_table();

  /// Adds an extra method the gateway implements itself ("cancel", "stats").
  /// False, and nothing changes, when the name is taken (an extra method
  /// never silently shadows a request message) or empty.
  bool add(std::string name, params_decoder decoder);

  /// Gives a method that exists another decoder: for a gateway that routes
  /// a request message itself and needs a field of its own beside the
  /// message's (tcp_write {"request":ID,...} to a relayed connection).
  /// False, and nothing changes, when there is no such method.
  bool replace(const std::string& name, params_decoder decoder);

  /// The decoder of `name`, or null for no such method.
  const params_decoder* find(const std::string& name) const;

  /// Every method name, sorted.
  std::vector<std::string> names() const;

  /// The shared default table (request messages only).
  static const method_table& requests();

 private:
  std::map<std::string, params_decoder, std::less<>> methods_;
};

// -- parsing a line ---------------------------------------------------------

/// One request of a line (alone or in a batch).
struct call {
  /// The id as given (string, number or null); absent for a notification.
  std::optional<nlohmann::json> id;
  /// The method name, "" when the request had no usable one.
  std::string method;
  /// The decoded request when ok().
  caf::message message;
  /// 0 when decoded; otherwise the JSON-RPC error code ...
  int error_code = 0;
  /// ... and why (also for logging a failed notification).
  std::string error_message;
  /// The ready error response line when !ok() and one is due; empty for a
  /// failed notification (which gets no answer).
  std::string response;

  bool ok() const noexcept { return error_code == 0; }
  bool notification() const noexcept { return !id.has_value(); }
};

/// A parsed line: one call, a batch of calls, or a whole-line error.
struct parsed {
  /// True when the line was a (non-empty) JSON array.
  bool batch = false;
  /// In line order; empty for a blank line or a whole-line error.
  std::vector<call> calls;
  /// The whole-line error response (-32700 parse error, -32600 for an empty
  /// batch or a JSON text that is neither object nor array), else empty.
  std::string response;
};

/// Parses one line (without its '\n'). Never throws.
parsed parse_line(std::string_view line,
                  const method_table& methods = method_table::requests());

// -- encoding ---------------------------------------------------------------

/// The success response: the reply's envelope as result (null for an empty
/// message). A reply that is not one netactors message is -32603.
std::string result_response(const nlohmann::json& id,
                            const caf::message& reply);

/// An error response; `data` is left out when null.
std::string error_response(const nlohmann::json& id, int code,
                           std::string_view message,
                           const nlohmann::json& data = nullptr);

/// The project's error object for a failed request: a "uv" error whole
/// ({"code":-111,"name":"ECONNREFUSED",...}); request_timeout as ETIMEDOUT;
/// any other CAF error with code UV_UNKNOWN, its CAF name
/// ("unexpected_message", "user_shutdown", "category:code") and CAF's
/// rendering as message; no error as code 0, name "none".
nlohmann::json error_from(const caf::error& e);

/// -32000 Request failed, message the error's text, data error_from(e).
std::string failure_response(const nlohmann::json& id, const caf::error& e);

/// The answer to a line net::line_framer refused as too long (its EMSGSIZE
/// error): -32600 with id null and the error object as data.
std::string framing_error_response(const net::uv_error& e);

/// A stream event for the request `request_id`; an error when `event` is not
/// one netactors message.
caf::expected<std::string> event_notification(const nlohmann::json& request_id,
                                              const caf::message& event);

/// The batch's answer: the responses as one JSON array, in the order given;
/// "" (send nothing) when there are none.
std::string batch_response(const std::vector<std::string>& responses);

/// The responses a parsed line needs before anything is performed: the
/// whole-line error, or the ready error of each failed call. For a batch
/// the gateway adds the results of the calls it performs and answers with
/// batch_response.
std::vector<std::string> ready_responses(const parsed& p);

}  // namespace netactors::jsonrpc
