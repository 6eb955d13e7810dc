#!/usr/bin/env python3
"""Writes the seed corpora of the P2P fuzz targets (fuzz/corpus/p2p_*_fuzz/).

Each seed is a valid (or deliberately borderline) request in protobuf text
format, encoded with Debian's protoc; p2p_replies_fuzz's seeds are answers,
behind its two selector bytes (method, context). Run from the repository root after
changing proto/datamgmt/p2p/v1/p2p.proto or the seeds below:

    python3 fuzz/seeds/make_p2p_seeds.py
"""
import hashlib
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTO = "datamgmt/p2p/v1/p2p.proto"


def esc(data: bytes) -> str:
    return '"' + "".join("\\x%02x" % b for b in data) + '"'


def node_id(seed: str) -> bytes:
    return hashlib.sha256(seed.encode()).digest()


def contact(field: str, nid: bytes, address: str) -> str:
    return '%s { node_id: %s address: "%s" }' % (field, esc(nid), address)


SENDER = contact("sender", node_id("fuzz sender"), "10.9.9.9:8000")
SENDER6 = contact("sender", node_id("fuzz sender 6"), "[2001:db8::7]:9000")
SENDER_NAME = contact("sender", node_id("fuzz sender dns"), "node-7.example:8000")
BAD_SENDER = contact("sender", b"short", "10.9.9.9:8000")
HELLO_KEY = hashlib.sha256(b"hello").digest()
VALUE = b"a value of thirty-two bytes ...."


def peer(host: str, port: int, nid: bytes = b"", last_seen: float = 0) -> str:
    text = 'peers { host: "%s" port: %d' % (host, port)
    if nid:
        text += " node_id: %s" % esc(nid)
    if last_seen:
        text += " last_seen: %r" % last_seen
    return text + " }"


SEEDS = {
    "PingRequest": {
        "valid": SENDER,
        "ipv6": SENDER6,
        "dns": SENDER_NAME,
        "bad_sender": BAD_SENDER,
        "empty": "",
    },
    "FindNodeRequest": {
        "valid": SENDER + " target: " + esc(node_id("target")),
        "ipv6": SENDER6 + " target: " + esc(node_id("target 2")),
        "bad_target": SENDER + ' target: "short"',
    },
    "FindValueRequest": {
        "held": SENDER + " key: " + esc(HELLO_KEY),
        "not_held": SENDER + " key: " + esc(node_id("absent")),
        "bad_key": SENDER6 + ' key: "short"',
    },
    "StoreRequest": {
        "valid": SENDER + " key: " + esc(hashlib.sha256(VALUE).digest())
        + " value: " + esc(VALUE),
        "mismatch": SENDER + " key: " + esc(node_id("other"))
        + " value: " + esc(VALUE),
        "too_large": SENDER + " key: " + esc(hashlib.sha256(VALUE * 3).digest())
        + " value: " + esc(VALUE * 3),
        "empty_value": SENDER + " key: " + esc(HELLO_KEY),
    },
    "GetPeersRequest": {
        "default": SENDER,
        "three": SENDER + " max_peers: 3",
        "many": SENDER6 + " max_peers: 1000",
        "listed_sender": contact("sender", node_id("listed"), "10.2.0.1:8000")
        + " max_peers: 5",
    },
    "SharePeersRequest": {
        "valid": SENDER + " " + " ".join([
            peer("10.3.0.1", 8000, node_id("p1"), 1705312200.5),
            peer("2001:db8::1", 8000),
            peer("node-3.example", 9000, node_id("p3")),
        ]),
        "malformed": SENDER + " " + " ".join([
            peer("", 8000),
            peer("10.3.0.2", 0),
            peer("10.3.0.3", 70000),
            peer("10.3.0.4", 8000, b"short"),
            peer("10.3.0.5", 8000, b"", -1.0),
        ]),
        "self": SENDER + " " + peer("127.0.0.1", 8000),
        "too_many": SENDER + " " + " ".join(
            peer("10.4.%d.%d" % (i // 250, i % 250), 8000) for i in range(101)),
    },
}

DIRS = {
    "PingRequest": "p2p_ping_fuzz",
    "FindNodeRequest": "p2p_find_node_fuzz",
    "FindValueRequest": "p2p_find_value_fuzz",
    "StoreRequest": "p2p_store_fuzz",
    "GetPeersRequest": "p2p_get_peers_fuzz",
    "SharePeersRequest": "p2p_share_peers_fuzz",
}

for message, seeds in SEEDS.items():
    out_dir = ROOT / "fuzz" / "corpus" / DIRS[message]
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in seeds.items():
        encoded = subprocess.run(
            ["protoc", "--encode=datamgmt.p2p.v1." + message, "-Iproto", PROTO],
            input=text.encode(), capture_output=True, check=True, cwd=ROOT,
        ).stdout
        (out_dir / ("seed_" + name)).write_bytes(encoded)
        print("%s/seed_%s: %d bytes" % (DIRS[message], name, len(encoded)))


# p2p_replies_fuzz: byte 0 the method (0 Ping .. 5 SharePeers), byte 1 the
# context (bit 0: addressed to the contact "called"; bits 1-7: max_peers).
CALLED = contact("responder", node_id("called"), "10.0.0.7:8000")
OTHER = contact("responder", node_id("other"), "[2001:db8::9]:8000")
SELF = contact("responder", node_id("self"), "127.0.0.1:8000")


def contacts(field: str, n: int) -> str:
    return " ".join(contact(field, node_id("c%d" % i), "10.5.0.%d:8000" % i)
                    for i in range(n))


REPLIES = {
    "ping": (0, 1, "PingResponse", CALLED),
    "ping_other": (0, 1, "PingResponse", OTHER),
    "ping_self": (0, 0, "PingResponse", SELF),
    "find_node": (1, 1, "FindNodeResponse", CALLED + " " + contacts("contacts", 6)
                  + ' contacts { node_id: "short" address: "10.5.1.1:8000" }'),
    "find_value": (2, 1, "FindValueResponse", CALLED + ' value: "hello"'),
    "find_value_wrong": (2, 0, "FindValueResponse", OTHER + ' value: "hullo"'),
    "find_value_closer": (2, 1, "FindValueResponse", CALLED + " closer { "
                          + contacts("contacts", 3) + " }"),
    "store": (3, 1, "StoreResponse", CALLED),
    "get_peers": (4, 1 | (3 << 1), "GetPeersResponse", CALLED + " " + " ".join([
        peer("10.3.0.1", 8000, node_id("p1"), 1705312200.5),
        peer("2001:DB8::0:1", 8000),
        peer("Node-3.Example", 9000, node_id("p3")),
        peer("10.3.0.4", 0),
        peer("10.3.0.5", 8000, b"", -1.0),
    ])),
    "share_peers": (5, 0, "SharePeersResponse", OTHER + " added: 3 ignored: 1"),
}
out_dir = ROOT / "fuzz" / "corpus" / "p2p_replies_fuzz"
out_dir.mkdir(parents=True, exist_ok=True)
for name, (method, ctx, message, text) in REPLIES.items():
    encoded = subprocess.run(
        ["protoc", "--encode=datamgmt.p2p.v1." + message, "-Iproto", PROTO],
        input=text.encode(), capture_output=True, check=True, cwd=ROOT,
    ).stdout
    (out_dir / ("seed_" + name)).write_bytes(bytes([method, ctx]) + encoded)
    print("p2p_replies_fuzz/seed_%s: %d bytes" % (name, len(encoded) + 2))
