"""C++ protobuf and gRPC code generation with Debian's protoc.

Bazel 4's native proto_library wants protobuf's source tree, which an offline
Debian machine does not have, so this file runs /usr/bin/protoc and
/usr/bin/grpc_cpp_plugin directly.

Usage:

    load("//bazel:proto.bzl", "cc_proto_grpc_library")

    cc_proto_grpc_library(
        name = "dht_cc",
        srcs = ["datamgmt/dht/v1/dht.proto"],
        deps = ["@googleapis//:api_annotations_cc"],
    )

A .proto is imported by its path relative to the package that declares it
(here `datamgmt/dht/v1/dht.proto`), and the generated headers are included
the same way (`#include "datamgmt/dht/v1/dht.grpc.pb.h"`). `deps` name other
cc_proto_grpc_library targets whose .proto files the srcs import; their
generated code is linked in. Well-known types (google/protobuf/*.proto) come
from Debian's libprotobuf-dev and need no dependency.
"""

_ProtoGenInfo = provider(
    doc = "Transitive .proto sources and the -I roots that resolve them.",
    fields = {
        "sources": "depset of .proto Files",
        "import_roots": "depset of exec-root-relative directories",
    },
)

def _import_root(label):
    parts = [p for p in [label.workspace_root, label.package] if p]
    return "/".join(parts) if parts else "."

def _relative(path, root):
    if root == ".":
        return path
    if not path.startswith(root + "/"):
        fail("%s is not under the import root %s" % (path, root))
    return path[len(root) + 1:]

def _proto_gen_impl(ctx):
    root = _import_root(ctx.label)
    out_root = ctx.bin_dir.path if root == "." else ctx.bin_dir.path + "/" + root
    hdrs = []
    srcs = []
    rels = []
    for src in ctx.files.srcs:
        rel = _relative(src.path, root)
        rels.append(rel)
        stem = rel[:-len(".proto")]
        suffixes = [".pb"] + ([".grpc.pb"] if ctx.attr.grpc else [])
        for suffix in suffixes:
            hdrs.append(ctx.actions.declare_file(stem + suffix + ".h"))
            srcs.append(ctx.actions.declare_file(stem + suffix + ".cc"))

    sources = depset(
        ctx.files.srcs,
        transitive = [d[_ProtoGenInfo].sources for d in ctx.attr.deps],
    )
    roots = depset(
        [root],
        transitive = [d[_ProtoGenInfo].import_roots for d in ctx.attr.deps],
    )

    args = ctx.actions.args()
    args.add_all(roots, format_each = "-I%s")
    args.add("--cpp_out=" + out_root)
    tools = []
    if ctx.attr.grpc:
        args.add("--plugin=protoc-gen-grpc=" + ctx.attr.grpc_plugin)
        args.add("--grpc_out=" + out_root)
    args.add_all(rels)

    ctx.actions.run(
        executable = ctx.attr.protoc,
        arguments = [args],
        inputs = sources,
        outputs = hdrs + srcs,
        tools = tools,
        mnemonic = "ProtocCpp",
        progress_message = "Generating C++ for %s" % ctx.label,
        # protoc resolves -I roots relative to the exec root.
        use_default_shell_env = False,
    )
    return [
        _ProtoGenInfo(sources = sources, import_roots = roots),
        DefaultInfo(files = depset(hdrs + srcs)),
        OutputGroupInfo(hdrs = depset(hdrs), srcs = depset(srcs)),
    ]

_proto_gen = rule(
    implementation = _proto_gen_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"]),
        "deps": attr.label_list(providers = [_ProtoGenInfo]),
        "grpc": attr.bool(default = True),
        "protoc": attr.string(default = "/usr/bin/protoc"),
        "grpc_plugin": attr.string(default = "/usr/bin/grpc_cpp_plugin"),
    },
)

def cc_proto_grpc_library(name, srcs, deps = [], grpc = True, visibility = None, testonly = False):
    """Generates C++ message (and, if grpc, service) code for srcs.

    Args:
      name: the cc_library to define.
      srcs: .proto files in this package.
      deps: other cc_proto_grpc_library targets that srcs import.
      grpc: also generate gRPC service stubs (.grpc.pb.{h,cc}).
      visibility: of the cc_library.
      testonly: as for any rule.
    """
    gen = name + "_gen"
    _proto_gen(
        name = gen,
        srcs = srcs,
        deps = [d + "_gen" for d in deps],
        grpc = grpc,
        testonly = testonly,
        visibility = visibility,
    )
    native.filegroup(name = gen + "_hdrs", srcs = [":" + gen], output_group = "hdrs", testonly = testonly)
    native.filegroup(name = gen + "_srcs", srcs = [":" + gen], output_group = "srcs", testonly = testonly)
    native.cc_library(
        name = name,
        srcs = [":" + gen + "_srcs"],
        hdrs = [":" + gen + "_hdrs"],
        # Generated headers are included relative to this package and are
        # outside the project's -Werror scope (-isystem).
        includes = ["."],
        deps = deps + ["@system//:protobuf"] + (["@system//:grpc++"] if grpc else []),
        testonly = testonly,
        visibility = visibility,
    )
