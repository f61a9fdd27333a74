"""netactors_dependencies(): the repositories netactors needs, all offline.

Bazel 4.2.3 fetches rules_cc, rules_java and remote_coverage_tools from the
internet unless a WORKSPACE declares them. This macro declares each one that
the calling WORKSPACE has not declared already: rules_cc and
remote_coverage_tools from the copies in netactors' third_party/, rules_java
from Debian's bazel-rules-java (installed by tools/setup.sh). Consumers:

    local_repository(name = "netactors", path = "/path/to/netactors")
    load("@netactors//:repositories.bzl", "netactors_dependencies")
    netactors_dependencies()
"""

_DEBIAN_RULES_JAVA = "/usr/share/bazel/rules/java"

def _netactors_copy_impl(repository_ctx):
    # Label() in a .bzl resolves in the repository that holds the .bzl file,
    # so this finds netactors' root whatever the consumer named it.
    root = repository_ctx.path(Label("//:WORKSPACE")).dirname
    source = root
    for part in repository_ctx.attr.directory.split("/"):
        source = source.get_child(part)
    if not source.exists:
        fail("netactors: %s is missing from %s" % (repository_ctx.attr.directory, root))
    for entry in source.readdir():
        repository_ctx.symlink(entry, entry.basename)

# A repository made of one directory of the netactors source tree.
_netactors_copy = repository_rule(
    implementation = _netactors_copy_impl,
    attrs = {"directory": attr.string(mandatory = True)},
    local = True,
)

def netactors_dependencies():
    """Declares rules_cc, rules_java and remote_coverage_tools unless present."""
    if not native.existing_rule("rules_cc"):
        _netactors_copy(name = "rules_cc", directory = "third_party/rules_cc")
    if not native.existing_rule("remote_coverage_tools"):
        _netactors_copy(
            name = "remote_coverage_tools",
            directory = "third_party/coverage_stub",
        )
    if not native.existing_rule("rules_java"):
        native.local_repository(name = "rules_java", path = _DEBIAN_RULES_JAVA)
