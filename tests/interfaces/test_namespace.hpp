// A private network namespace for interface tests, with a known topology.
// enter_test_namespace() must run on the main thread before any other thread
// exists (unshare(CLONE_NEWNET) moves only the calling thread; threads started
// later inherit it). The namespace has no other members, so it and every link
// in it vanish when the test process exits, however it exits.
// Thread safety: enter_test_namespace() once, before threads; sh() from any
// thread.
#pragma once

#include <string>

namespace interfaces_test {

/// Runs `command` with /bin/sh; returns its exit status (-1 if it could not
/// run). Its output goes to the test log.
int sh(const std::string& command);

/// Moves the process into a new network namespace and builds the topology
/// below, waiting until both veth ends report IFF_RUNNING (30 s at most).
/// Returns "" or what failed.
///   lo  index 1, up:  127.0.0.1/8, ::1/128
///   va  index 10, 02:00:00:00:00:0a, up: 192.0.2.10/24, 2001:db8::10/64,
///       fe80::10/64 (all nodad; no automatic link-local address)
///   vb  index 11, 02:00:00:00:00:0b, up, peer of va, no addresses
std::string enter_test_namespace();

/// The topology's exact `interfaces --json` / snapshot form, as JSON text.
extern const char* const expected_json;

}  // namespace interfaces_test
