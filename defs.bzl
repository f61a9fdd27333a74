"""Build settings every netactors C++ target carries, for consumers too.

Bazel 4.2.3's default C++ toolchain compiles with -std=c++0x, and copts do
not propagate to dependents. So every cc_ target of ours gets
NETACTORS_COPTS itself (through the three wrappers below, which BUILD files
load in place of the native rules), and a workspace that depends on
@netactors//:netactors adds NETACTORS_COPTS to its own targets that include
our headers:

    load("@netactors//:defs.bzl", "NETACTORS_COPTS")
    cc_binary(name = "app", srcs = ["app.cpp"], copts = NETACTORS_COPTS,
              deps = ["@netactors//:netactors"])
"""

# Our headers use std::optional, std::variant and inline variables.
NETACTORS_COPTS = ["-std=c++17"]

def cc_library(copts = [], **kwargs):
    native.cc_library(copts = NETACTORS_COPTS + copts, **kwargs)

def cc_binary(copts = [], **kwargs):
    native.cc_binary(copts = NETACTORS_COPTS + copts, **kwargs)

def cc_test(copts = [], **kwargs):
    native.cc_test(copts = NETACTORS_COPTS + copts, **kwargs)
