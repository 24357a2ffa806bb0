#!/usr/bin/python3
"""Writes the broken Chakra .et inputs of the bad-input catalogue (inputs/et/). Run it again after
changing a case; the files are committed so the tests need no Python. The encoder below writes the
Chakra wire format (docs/workload.md, "File framing": varint-delimited GlobalMetadata, then
varint-delimited Node messages of et_def.proto) by hand, so each input is broken exactly as named."""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "inputs", "et")

COMP, SEND, RECV, COLL, METADATA = 4, 5, 6, 7, 1


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    return varint(num << 3 | wire) + payload


def ld(num, data):  # length-delimited field
    return field(num, 2, varint(len(data)) + data)


def vint(num, v):
    return field(num, 0, varint(v & 0xFFFFFFFFFFFFFFFF))


def attr(name, value):
    a = ld(1, name.encode())
    if isinstance(value, bool):
        a += vint(27, int(value))
    elif isinstance(value, float):
        a += field(3, 1, struct.pack("<d", value))
    elif isinstance(value, str):
        a += ld(29, value.encode())
    elif isinstance(value, tuple):  # ("int32", v)
        a += vint(7, value[1])
    else:
        a += vint(9, value)  # int64
    return a


def node(nid, name, ntype, data_deps=(), ctrl_deps=(), duration=0, **attrs):
    m = vint(1, nid) + ld(2, name.encode()) + vint(3, ntype)
    for d in ctrl_deps:
        m += vint(4, d)
    for d in data_deps:
        m += vint(5, d)
    if duration:
        m += vint(7, duration)
    for k, v in attrs.items():
        m += ld(10, attr(k, v))
    return m


def gm():
    return ld(1, b"0.0.4") + ld(2, attr("schema", "1.0.2-chakra.0.0.4"))


def record(msg):
    return varint(len(msg)) + msg


def trace(*nodes):
    return record(gm()) + b"".join(record(n) for n in nodes)


def ok_nodes():
    return [node(0, "compute", COMP, duration=10, is_cpu_op=False),
            node(1, "allreduce", COLL, data_deps=[0], comm_type=0, comm_size=1048576, is_cpu_op=False)]


def write_set(name, per_npu):
    """per_npu: list of bytes, one file per NPU: <name>.<i>.et"""
    for i, data in enumerate(per_npu):
        with open(os.path.join(OUT, f"{name}.{i}.et"), "wb") as f:
            f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    good = trace(*ok_nodes())
    write_set("good", [good, good])
    write_set("truncated", [good[:-5], good])
    # Only NPU 1's trace is broken: under mpirun -np 2 only rank 1 loads it, and every rank must
    # still end with the one message.
    write_set("truncated_npu1", [good, good[:-5]])
    write_set("truncated_gzip", [gzip.compress(good, mtime=0)[:-12], good])
    write_set("garbage", [bytes((i * 97 + 13) % 256 for i in range(300)), good])
    write_set("empty", [b"", good])
    write_set("huge_length", [record(gm()) + varint(1 << 40) + b"\x08\x01", good])
    write_set("zero_length_record", [record(gm()) + b"\x00", good])
    write_set("text_not_et", [b"DATA\n1\nconv1 -1 5 NONE 0 5 NONE 0 5 ALLREDUCE 1024 5\n", good])
    write_set("cycle", [trace(node(0, "a", COMP, data_deps=[1], duration=1),
                              node(1, "b", COMP, data_deps=[0], duration=1)), good])
    write_set("self_loop", [trace(node(0, "a", COMP, data_deps=[0], duration=1)), good])
    write_set("dangling_dep", [trace(node(0, "a", COMP, data_deps=[42], duration=1)), good])
    write_set("duplicate_id", [trace(node(0, "a", COMP, duration=1), node(0, "b", COMP, duration=1)), good])
    write_set("coll_no_size", [trace(node(0, "ar", COLL, comm_type=0)), good])
    write_set("coll_no_type", [trace(node(0, "ar", COLL, comm_size=1024)), good])
    write_set("coll_bad_type", [trace(node(0, "ar", COLL, comm_type=42, comm_size=1024)), good])
    write_set("send_no_dst_tag", [trace(node(0, "send", SEND, comm_size=1024)),
                                  trace(node(0, "recv", RECV, comm_size=1024, comm_src=("int32", 0),
                                             comm_tag=("int32", 7)))])
    write_set("recv_no_src", [trace(node(0, "send", SEND, comm_size=1024, comm_dst=("int32", 1),
                                        comm_tag=("int32", 7))),
                              trace(node(0, "recv", RECV, comm_size=1024, comm_tag=("int32", 7)))])
    write_set("unknown_type", [trace(node(0, "x", 99, duration=1)), good])
    write_set("float_size", [trace(node(0, "ar", COLL, comm_type=0, comm_size=1.5)), good])
    write_set("unknown_group", [trace(node(0, "ar", COLL, comm_type=0, comm_size=1024, pg_name="17")), good])
    # Four NPUs' traces: used with networks of 2 and 8 NPUs (surplus and missing files).
    write_set("four", [good] * 4)
    # Eight NPUs whose all-reduce names communicator group "1", which groups_first_four.json
    # limits to NPUs 0-3: NPUs 4-7 run a collective of a group they are not in.
    in_group1 = trace(node(0, "compute", COMP, duration=10, is_cpu_op=False),
                      node(1, "allreduce", COLL, data_deps=[0], comm_type=0, comm_size=1048576,
                           is_cpu_op=False, pg_name="1"))
    write_set("group1_of8", [in_group1] * 8)
    # Eight empty traces: every NPU's error must be printed, in NPU order, on any rank count.
    write_set("empty8", [b""] * 8)
    # NPU 0 sends tag 7 to NPU 1, which never receives it (NPU 1 only computes).
    write_set("unmatched_send", [trace(node(0, "send_tag7", SEND, comm_size=4096, comm_dst=("int32", 1),
                                            comm_tag=("int32", 7))),
                                 trace(node(0, "compute", COMP, duration=10, is_cpu_op=False))])
    # Only NPU 1 runs a collective the simulator has no model of (GATHER): the error arises while
    # simulating, on NPU 1's rank only, and must still end every rank with it.
    write_set("gather_on_npu1", [trace(node(0, "compute", COMP, duration=10, is_cpu_op=False)),
                                 trace(node(0, "gather", COLL, comm_type=3, comm_size=1024, is_cpu_op=False))])
    # NPU 1 waits for a message from NPU 0 that is never sent.
    write_set("unmatched_recv", [trace(node(0, "compute", COMP, duration=10, is_cpu_op=False)),
                                 trace(node(0, "recv_tag7", RECV, comm_size=4096, comm_src=("int32", 0),
                                            comm_tag=("int32", 7)))])
    # Hardening (docs/hardening.md): sizes past the bound, durations that add up past the time
    # range, a peer outside the network.
    write_set("huge_comm_size", [trace(node(0, "ar", COLL, comm_type=0, comm_size=(1 << 62) - 1)), good])
    big = 6_000_000_000_000  # microseconds: each fits the time range, two do not
    write_set("duration_sum_overflow", [trace(node(0, "a", COMP, duration=big),
                                              node(1, "b", COMP, data_deps=[0], duration=big)), good])
    write_set("send_outside", [trace(node(0, "send", SEND, comm_size=1024, comm_dst=("int32", 99),
                                          comm_tag=("int32", 7))),
                               trace(node(0, "recv", RECV, comm_size=1024, comm_src=("int32", 0),
                                          comm_tag=("int32", 7)))])


if __name__ == "__main__":
    main()
