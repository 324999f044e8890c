// bare-loop.mjs — the floor faultline's kernel is measured against: the benchmark workloads
// as one hand-written loop with no abstraction at all. A binary min-heap on (time, seq) in
// parallel typed arrays, an inline xorshift128+ generator, and a switch on an integer kind.
//
// Usage: node bench/bare-loop.mjs <hold|hold-large|pingpong> [events=2000000] [seed=12345]
// Prints one JSON line; the timing covers the event loop only.

const workload = process.argv[2] ?? 'hold';
const EVENTS = Number(process.argv[3] ?? 2_000_000);
const SEED = Number(process.argv[4] ?? 12345);

// xorshift128+ with two 32-bit halves per word would be slower in JS; this is sfc32.
let a = 0x9e3779b9 ^ SEED,
  b = 0x243f6a88,
  c = 0xb7e15162,
  d = SEED | 1;
function random() {
  a |= 0;
  b |= 0;
  c |= 0;
  d |= 0;
  const t = (((a + b) | 0) + d) | 0;
  d = (d + 1) | 0;
  a = b ^ (b >>> 9);
  b = (c + (c << 3)) | 0;
  c = (c << 21) | (c >>> 11);
  c = (c + t) | 0;
  return (t >>> 0) / 4294967296;
}
for (let i = 0; i < 12; i++) random();

let capacity = 1 << 10;
let times = new Float64Array(capacity);
let seqs = new Float64Array(capacity);
let kinds = new Int32Array(capacity);
let args = new Int32Array(capacity);
let size = 0;
let nextSeq = 0;
let now = 0;

function grow() {
  capacity *= 2;
  const t = new Float64Array(capacity);
  t.set(times);
  times = t;
  const s = new Float64Array(capacity);
  s.set(seqs);
  seqs = s;
  const k = new Int32Array(capacity);
  k.set(kinds);
  kinds = k;
  const x = new Int32Array(capacity);
  x.set(args);
  args = x;
}

function push(time, kind, arg) {
  if (size === capacity) grow();
  const seq = nextSeq++;
  let i = size++;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (times[p] < time || (times[p] === time && seqs[p] < seq)) break;
    times[i] = times[p];
    seqs[i] = seqs[p];
    kinds[i] = kinds[p];
    args[i] = args[p];
    i = p;
  }
  times[i] = time;
  seqs[i] = seq;
  kinds[i] = kind;
  args[i] = arg;
}

function removeTop() {
  const last = --size;
  if (last === 0) return;
  const t = times[last],
    s = seqs[last],
    k = kinds[last],
    x = args[last];
  const half = last >> 1;
  let i = 0;
  while (i < half) {
    let child = 2 * i + 1;
    const right = child + 1;
    if (right < last && (times[right] < times[child] || (times[right] === times[child] && seqs[right] < seqs[child]))) child = right;
    if (t < times[child] || (t === times[child] && s < seqs[child])) break;
    times[i] = times[child];
    seqs[i] = seqs[child];
    kinds[i] = kinds[child];
    args[i] = args[child];
    i = child;
  }
  times[i] = t;
  seqs[i] = s;
  kinds[i] = k;
  args[i] = x;
}

const HOLD = 0,
  DELIVER = 1,
  NODES = 100;
const received = new Float64Array(NODES);
const exp = (mean) => -mean * Math.log(1 - random());
const other = (self) => {
  const x = Math.floor(random() * (NODES - 1));
  return x >= self ? x + 1 : x;
};

if (workload === 'hold' || workload === 'hold-large') {
  const pending = workload === 'hold' ? 1_000 : 100_000;
  for (let i = 0; i < pending; i++) push(exp(1), HOLD, 0);
} else if (workload === 'pingpong') {
  for (let n = 0; n < NODES; n++) for (let j = 0; j < 10; j++) push(1 + exp(5), DELIVER, other(n));
} else {
  console.error(`unknown workload '${workload}': expected hold, hold-large or pingpong`);
  process.exit(2);
}

let processed = 0;
const start = process.hrtime.bigint();
while (processed < EVENTS && size > 0) {
  now = times[0];
  const kind = kinds[0],
    arg = args[0];
  removeTop();
  processed++;
  switch (kind) {
    case HOLD:
      push(now + exp(1), HOLD, 0);
      break;
    case DELIVER:
      received[arg] += 1;
      push(now + 1 + exp(5), DELIVER, other(arg));
      break;
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
let checksum = 0;
for (let i = 0; i < NODES; i++) checksum += received[i] * (i + 1);
console.log(JSON.stringify({ impl: 'bare-loop', workload, events: processed, seconds, eventsPerSec: processed / seconds, finalTimeMs: now, checksum }));
