"""libFuzzer targets that also replay their inputs in the normal build.

    load("//fuzz:fuzz.bzl", "fuzz_target")

    fuzz_target(
        name = "known_peers_fuzz",
        srcs = ["known_peers_fuzz.cc"],
        deps = ["//services/peer_manager:known_peers_file"],
    )

makes three targets:
  :known_peers_fuzz_lib          the harness (LLVMFuzzerTestOneInput)
  :known_peers_fuzz              the fuzzer (tag "manual", so `//...` skips
                                 it): with --config=fuzz (clang, see
                                 .bazelrc) linked with libFuzzer's main;
                                 otherwise with replay_main.cc
  :known_peers_fuzz_replay_test  a cc_test of the normal (gcc) build that runs
                                 the harness once on every file of
                                 fuzz/corpus/known_peers_fuzz/ and
                                 fuzz/regressions/known_peers_fuzz/
"""

def fuzz_target(name, srcs, deps = [], **kwargs):
    native.cc_library(
        name = name + "_lib",
        testonly = True,
        srcs = srcs,
        deps = deps + ["//fuzz:fuzz_check"],
        alwayslink = True,
        **kwargs
    )
    native.cc_binary(
        name = name,
        testonly = True,
        deps = [":" + name + "_lib"] + select({
            "//fuzz:fuzzing": [],
            "//conditions:default": ["//fuzz:replay_main"],
        }),
        linkopts = select({
            "//fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = ["manual"],
    )
    native.cc_test(
        name = name + "_replay_test",
        size = "small",
        deps = [
            ":" + name + "_lib",
            "//fuzz:replay_main",
        ],
        data = native.glob([
            "corpus/%s/**" % name,
            "regressions/%s/**" % name,
        ]),
        args = [
            "fuzz/corpus/" + name,
            "fuzz/regressions/" + name,
        ],
    )
