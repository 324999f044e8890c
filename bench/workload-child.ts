/**
 * Runs one kernel benchmark workload in a fresh process and prints one JSON line, so that
 * each measurement starts from a clean JIT (a workload's handler shapes never slow another's).
 * Usage: node --import tsx bench/workload-child.ts <hold|hold-large|pingpong> <off|memory> [events]
 */
import { runHold, runPingpong } from './kernel-workloads.ts';

const [workload = 'hold', trace = 'off', eventsText = '2000000'] = process.argv.slice(2);
const events = Number(eventsText);
const traced = trace === 'memory';
const result =
  workload === 'hold' ? runHold(events, 1_000, traced) : workload === 'hold-large' ? runHold(events, 100_000, traced) : runPingpong(events, traced);
console.log(JSON.stringify({ impl: 'faultline', workload, trace, ...result, eventsPerSec: result.events / result.seconds }));
