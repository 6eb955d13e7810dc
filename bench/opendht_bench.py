#!/usr/bin/python3
"""Load generator for an OpenDHT network, the counterpart of dht_bench.

Run with Debian's /usr/bin/python3 (python3-opendht is built for it):

  bench/opendht_bench.py --network 77 --writer 127.0.0.1:14001 \
      --reader 127.0.0.1:14002 --value-bytes 1024

OpenDHT has no client/server split: a client is a DHT node. This program
runs two of them on loopback (ports chosen by the kernel), a writer that
bootstraps from --writer and a reader that bootstraps from --reader, so puts
and gets start at different nodes as in dht_bench (puts on node 1, gets on
the others).

--mode workload (default): the phases of dht_bench, each bounded by an
operation count and --max-seconds:
  1. sequential puts of distinct random values (key = SHA-1 of the value):
     latency until the put's done callback reports success;
  2. sequential gets of those keys on the reader: latency until the first
     value equal to what was put arrives (the get is then cancelled);
  3. concurrent puts, --concurrency in flight: ops/s;
  4. concurrent gets of phase 1's keys, --concurrency in flight: ops/s.
--mode check --values-file F: gets every value saved by --save-values with a
fresh reader node; prints the share readable and the latency.

Prints human-readable lines and "RESULT <key> <value>" lines with the same
keys as dht_bench. Every wait is bounded by --op-timeout.
"""

import argparse
import hashlib
import os
import sys
import threading
import time

import opendht as dht


def percentile(samples, p):
    if not samples:
        return 0.0
    s = sorted(samples)
    return s[min(len(s) - 1, int(p * len(s)))]


def result(key, value):
    print(f"RESULT {key} {value:.4f}", flush=True)


def print_latency(label, phase, samples, errors):
    print(f"{label} {phase} sequential: n={len(samples)} errors={errors} "
          f"p50={percentile(samples, .5):.3f}ms "
          f"p90={percentile(samples, .9):.3f}ms "
          f"p99={percentile(samples, .99):.3f}ms", flush=True)
    result(f"{phase}_seq_n", len(samples))
    result(f"{phase}_seq_errors", errors)
    for p, name in ((.5, "p50"), (.9, "p90"), (.99, "p99")):
        result(f"{phase}_{name}_ms", percentile(samples, p))


def write_samples(path, samples):
    if path:
        with open(path, "w") as f:
            f.writelines(f"{ms:.4f}\n" for ms in samples)


def start_node(network, bootstrap):
    """A client node on 127.0.0.1 bootstrapped from each of the
    comma-separated host:port of `bootstrap`."""
    cfg = dht.DhtConfig()
    cfg.setNetwork(network)
    node = dht.DhtRunner()
    node.run(port=0, ipv4="127.0.0.1", config=cfg)
    for hp in bootstrap.split(","):
        host, port = hp.rsplit(":", 1)
        node.bootstrap(host, port)
    return node


def key_of(value):
    return dht.InfoHash(hashlib.sha1(value).hexdigest().encode())


class Op:
    """One asynchronous put or get; wait() returns True on success."""

    def __init__(self):
        self.event = threading.Event()
        self.ok = False

    def finish(self, ok):
        if not self.event.is_set():
            self.ok = ok
            self.event.set()

    def wait(self, timeout):
        return self.event.wait(timeout) and self.ok


def put_async(node, value, on_done):
    node.put(key_of(value), dht.Value(value),
             lambda ok, nodes: on_done(bool(ok)))


def get_async(node, value, on_done):
    """Calls on_done(True) at the first value equal to `value`, or
    on_done(False) if the search ends without one."""
    state = {"found": False}

    def on_value(v):
        if bytes(v.data) == value:
            state["found"] = True
            on_done(True)
            return False  # stop the search
        return True

    node.get(key_of(value), on_value,
             lambda ok, nodes: None if state["found"] else on_done(False))


def run_sequential(label, phase, op, values, bound, timeout):
    samples, errors, done_values = [], 0, []
    end = time.monotonic() + bound
    for value in values:
        if time.monotonic() >= end:
            break
        o = Op()
        t0 = time.monotonic()
        op(value, o.finish)
        if o.wait(timeout):
            samples.append((time.monotonic() - t0) * 1000)
            done_values.append(value)
        else:
            errors += 1
    print_latency(label, phase, samples, errors)
    return samples, errors, done_values


def run_concurrent(label, phase, op, values, ops, concurrency, bound,
                   timeout):
    """Keeps `concurrency` ops in flight; returns the number finished."""
    lock = threading.Condition()
    state = {"finished": 0, "errors": 0, "in_flight": 0}

    def on_done(ok):
        with lock:
            state["finished"] += 1
            state["in_flight"] -= 1
            if not ok:
                state["errors"] += 1
            lock.notify_all()

    begin = time.monotonic()
    end = begin + bound
    issued = 0
    while issued < ops and time.monotonic() < end:
        with lock:
            if not lock.wait_for(lambda: state["in_flight"] < concurrency,
                                 timeout=end - time.monotonic()):
                break
            state["in_flight"] += 1
        op(values[issued % len(values)], on_done)
        issued += 1
    with lock:
        lock.wait_for(lambda: state["in_flight"] == 0, timeout=timeout)
        lost = state["in_flight"]
        finished = state["finished"]
        errors = state["errors"] + lost
    secs = time.monotonic() - begin
    rate = (finished - state["errors"]) / secs
    print(f"{label} {phase} concurrent({concurrency}): n={finished + lost} "
          f"errors={errors} {rate:.0f} ops/s", flush=True)
    result(f"{phase}_conc_n", finished + lost)
    result(f"{phase}_conc_errors", errors)
    result(f"{phase}_ops_s", rate)
    return finished + lost


def workload(args):
    writer = start_node(args.network, args.writer)
    reader = start_node(args.network, args.reader)
    time.sleep(1)  # both clients learn the network before timing starts
    rnd = __import__("random").Random(12345)
    make = lambda: rnd.getrandbits(8 * args.value_bytes).to_bytes(
        args.value_bytes, "little")
    seq_values = [make() for _ in range(args.sequential_ops)]
    label, bound, timeout = args.label, args.max_seconds, args.op_timeout

    put_lat, put_err, stored = run_sequential(
        label, "put", lambda v, d: put_async(writer, v, d), seq_values, bound,
        timeout)
    write_samples(args.samples_prefix and args.samples_prefix + "-put.txt",
                  put_lat)
    if args.save_values:
        with open(args.save_values, "w") as f:
            f.writelines(f"{key_of(v)} {v.hex()}\n" for v in stored)
    get_lat, get_err, _ = run_sequential(
        label, "get", lambda v, d: get_async(reader, v, d), stored, bound,
        timeout)
    write_samples(args.samples_prefix and args.samples_prefix + "-get.txt",
                  get_lat)
    total = len(put_lat) + put_err + len(get_lat) + get_err

    conc_values = [make() for _ in range(args.concurrent_ops)]
    total += run_concurrent(label, "put",
                            lambda v, d: put_async(writer, v, d), conc_values,
                            args.concurrent_ops, args.concurrency, bound,
                            timeout)
    if stored:
        total += run_concurrent(label, "get",
                                lambda v, d: get_async(reader, v, d), stored,
                                args.concurrent_ops, args.concurrency, bound,
                                timeout)
    result("ops_total", total)
    writer.join()
    reader.join()
    return 0 if stored else 1


def check(args):
    with open(args.values_file) as f:
        values = [bytes.fromhex(line.split()[1]) for line in f if line.strip()]
    reader = start_node(args.network, args.reader)
    time.sleep(1)
    samples, errors, _ = run_sequential(
        args.label, "check", lambda v, d: get_async(reader, v, d), values,
        args.max_seconds, args.op_timeout)
    print(f"{args.label} check: {len(samples)} of {len(values)} readable; "
          f"p50={percentile(samples, .5):.3f}ms "
          f"p99={percentile(samples, .99):.3f}ms", flush=True)
    result("check_total", len(values))
    result("check_readable", len(samples))
    reader.join()
    return 0 if samples else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=("workload", "check"), default="workload")
    p.add_argument("--network", type=int, required=True,
                   help="OpenDHT network id of the nodes under test")
    p.add_argument("--writer", required=True,
                   help="host:port[,host:port...] the writer bootstraps from")
    p.add_argument("--reader", required=True,
                   help="host:port[,host:port...] the reader bootstraps from")
    p.add_argument("--value-bytes", type=int, default=1024)
    p.add_argument("--sequential-ops", type=int, default=300)
    p.add_argument("--concurrent-ops", type=int, default=3000)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--op-timeout", type=float, default=10)
    p.add_argument("--label", default="")
    p.add_argument("--samples-prefix", default="")
    p.add_argument("--save-values", default="")
    p.add_argument("--values-file", default="")
    args = p.parse_args()
    for hp in (args.writer + "," + args.reader).split(","):
        if not hp.startswith("127."):
            sys.exit(f"refusing non-loopback bootstrap address {hp}")
    return workload(args) if args.mode == "workload" else check(args)


if __name__ == "__main__":
    # OpenDHT's threads may outlive main's joins; exit without waiting.
    rc = main()
    sys.stdout.flush()
    os._exit(rc)
