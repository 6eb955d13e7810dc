#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/gateway_transcode_fuzz.cc.

Each seed is "<METHOD> <path>\\n<query>\\n<Content-Type>" then, separated by
lines "~~~", a request body, a response message (encoded here with Debian's
protoc from text format) and a status message. Run from the repository root:

    python3 fuzz/seeds/make_transcode_seeds.py
"""
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "fuzz" / "corpus" / "gateway_transcode_fuzz"
INCLUDES = [
    "-Iproto",
    "-Igateway/transcode",
    "-I/usr/share/gocode/src/github.com/grpc-ecosystem/grpc-gateway/"
    "third_party/googleapis",
    "-I/usr/include",
]
FILES = {
    "datamgmt.dht.v1.": "datamgmt/dht/v1/dht.proto",
    "datamgmt.peers.v1.": "datamgmt/peers/v1/peers.proto",
    "datamgmt.health.v1.": "datamgmt/health/v1/health_monitor.proto",
    "datamgmt.gateway.transcode.testdata.": "testdata/transcode_testdata.proto",
    "google.rpc.": "google/rpc/status.proto",
}


def encode(message: str, text: str) -> bytes:
    proto = next(f for p, f in FILES.items() if message.startswith(p))
    return subprocess.run(
        ["protoc", "--encode=" + message, *INCLUDES, proto],
        input=text.encode(), capture_output=True, check=True, cwd=ROOT,
    ).stdout


TD = "datamgmt.gateway.transcode.testdata."
EVERYTHING = encode(TD + "Everything", """
  declared_first: 1 d: 0.1 f: -2.5 i32: -3 i64: -9007199254740993
  u32: 4294967295 u64: 18446744073709551615 s32: -7 s64: 8 fx32: 9
  fx64: 10 sfx32: -11 sfx64: -12 b: true s: "caf\\303\\251 <x> \\"q\\""
  by: "\\000\\377" color: COLOR_BLUE r_i64: [1, -2] r_s: ["a", ""]
  r_book { name: "n" count: 3 } r_color: [COLOR_RED, COLOR_BLUE]
  r_d: [1e300, -0.0] r_by: ["x"] book { shelf { id: "s" size: 5 } }
  m_s_i64 { key: "b" value: 2 } m_s_i64 { key: "a" value: 1 }
  m_i_book { key: -1 value { name: "m" } } m_b_s { key: true value: "t" }
  m_u_color { key: 7 value: COLOR_RED } opt: 0 c_book { count: 1 }
  dur { seconds: -1 nanos: -500000000 } ts { seconds: 1705312200 nanos: 5 }
  w_i64 { value: 6 } w_s { value: "w" } mask { paths: ["a.b", "c"] }
  st { fields { key: "k" value { list_value { values { number_value: 1 }
                                              values { null_value: NULL_VALUE } } } } }
  v { string_value: "v" } empty {}
  any { type_url: "type.googleapis.com/google.protobuf.Duration"
        value: "\\010\\036" }
  r_dur { seconds: 3 } lv { values { bool_value: false } }
""")
SEEDS = {
    "put_json": ("POST /data\n\napplication/json", '{"data":"aGVsbG8="}',
                 encode("datamgmt.dht.v1.PutDataResponse",
                        'hash: "2cf2" size: 5 replicas: 3'), ""),
    "put_octets": ("POST /data\n\napplication/octet-stream", "hello",
                   b"", "Data not found"),
    "get_data": ("GET /data/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e7"
                 "3043362938b9824\n\n", "",
                 encode("datamgmt.dht.v1.GetDataResponse",
                        'data: "hello" hash: "2cf2" size: 5'), ""),
    "peers": ("GET /network/peers\nhealthy=true\n", "",
              encode("datamgmt.peers.v1.ListPeersResponse", """
                peers { address: "10.0.0.7:8000" host: "10.0.0.7" port: 8000
                        last_seen: 1705312200.5 success_count: 100
                        failure_count: 5 node_id: "ab" healthy: true
                        success_rate: 0.95 last_rtt { nanos: 3000000 } }"""),
              ""),
    "stats": ("GET /network/stats\n\n", "",
              encode("datamgmt.dht.v1.NetworkStats",
                     "total_peers: 15 healthy_peers: 12 data_sent: "
                     "18446744073709551615 uptime: 86400"), ""),
    "add_peer": ("POST /v1/peers\n\napplication/json",
                 '{"address":"[::1]:8000","nodeId":""}', b"", ""),
    "remove_peer": ("DELETE /v1/peers/%5B%3A%3A1%5D%3A8000\n"
                    "last_seen_before=1705312200.5\n", "", b"", ""),
    "update_book": ("PATCH /v1/books/7\n\napplication/json; charset=utf-8",
                    '{"name":"b","shelf":{"id":"s","size":"3"},"count":5,'
                    '"color":"COLOR_RED"}',
                    encode(TD + "Book", 'name: "b" count: 5 color: COLOR_RED'),
                    ""),
    "tag_book": ("POST /v1/books/7:tag\n\napplication/json", '["a","b"]',
                 b"", ""),
    "list_books": ("GET /v1/shelves/s1/books\npage_size=10&tags=a&tags=b&"
                   "color=COLOR_RED&ids=1&ids=-2&flag=true&ratio=0.5&"
                   "token=YWJj&max_age=3.5s&limit=4&filter.count=2&"
                   "weight=1e-3&since=2024-01-15T10:30:00Z&s32=-1\n", "",
                   encode(TD + "ListBooksResponse",
                          'books { name: "x" } books { count: 2 }'), ""),
    "get_book": ("GET /v1/shelves/s%2F1/books/b\n\n", "", EVERYTHING,
                 "not found: caf\xc3\xa9"),
    "nested": ("GET /v1/nested/s1/42/COLOR_BLUE\n\n", "", b"", ""),
    "file": ("GET /v1/files/a/b/c.txt\n\n", "", b"", ""),
    "put_blob": ("PUT /v1/blobs/x\n\napplication/octet-stream", "\x00\x01raw",
                 encode(TD + "Blob", 'id: "x" content: "\\001\\002" '
                        'labels: ["l"] counts { key: "c" value: 3 }'), ""),
    "blob_counts": ("GET /v1/blobs/x/counts\n\n", "",
                    encode(TD + "Blob", 'counts { key: "a" value: 1 } '
                           'counts { key: "b" value: 18446744073709551615 }'),
                    ""),
    "blob_content": ("GET /v1/blobs/x\n\n", "",
                     encode(TD + "Blob", 'content: "raw"'), ""),
    "overlap_verb": ("GET /v1/o/a:go\n\n", "", b"", ""),
    "head_custom": ("HEAD /v1/books/7\n\n", "", b"", ""),
    "wrong_method": ("DELETE /network/stats\n\n", "", b"", ""),
    "status_details": ("GET /nowhere\n\n", "",
                       encode("google.rpc.Status", """
                         code: 8 message: "slow down"
                         details { type_url: "type.googleapis.com/google.protobuf.Duration"
                                   value: "\\010\\036" }
                         details { type_url: "type.googleapis.com/no.such.Type"
                                   value: "x" }"""),
                       "too many requests"),
}

OUT.mkdir(parents=True, exist_ok=True)
for name, (head, body, response, message) in SEEDS.items():
    data = b"\n~~~\n".join([head.encode(), body.encode("latin-1"), response,
                            message.encode("latin-1")])
    (OUT / ("seed_" + name)).write_bytes(data)
    print("seed_%s: %d bytes" % (name, len(data)))
