"""SimPy side of faultline's kernel benchmark: the same workloads written the idiomatic
SimPy 3 way (a process per pending event for hold; a Store inbox per node and a timeout
callback per message in flight for pingpong). Prints one JSON line; timing covers env.run.

Usage: python3 bench/simpy_bench.py <hold|hold-large|pingpong> [events=200000] [seed=12345]
"""
import json
import random
import sys
import time

import simpy

workload = sys.argv[1] if len(sys.argv) > 1 else "hold"
events = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 12345)
env = simpy.Environment()
count = [0]


class Done(Exception):
    pass


def tick():
    count[0] += 1
    if count[0] >= events:
        raise Done()


def holder():
    while True:
        yield env.timeout(rng.expovariate(1.0))
        tick()


NODES = 100


def other(me):
    x = rng.randrange(NODES - 1)
    return x + 1 if x >= me else x


inboxes = []


def send(dst):
    ev = env.timeout(1 + rng.expovariate(1 / 5))
    ev.callbacks.append(lambda _e: inboxes[dst].put(dst))


def node(me):
    while True:
        yield inboxes[me].get()
        tick()
        send(other(me))


if workload in ("hold", "hold-large"):
    for _ in range(1_000 if workload == "hold" else 100_000):
        env.process(holder())
elif workload == "pingpong":
    inboxes = [simpy.Store(env) for _ in range(NODES)]
    for n in range(NODES):
        env.process(node(n))
    for n in range(NODES):
        for _ in range(10):
            send(other(n))
else:
    sys.exit(f"unknown workload {workload!r}: expected hold, hold-large or pingpong")

start = time.perf_counter()
try:
    env.run()
except Done:
    pass
seconds = time.perf_counter() - start
print(json.dumps({"impl": f"simpy-{simpy.__version__}", "workload": workload, "events": count[0], "seconds": seconds, "eventsPerSec": count[0] / seconds, "finalTimeMs": env.now}))
