/**
 * Which links a partition or bridge fault cuts, as the kernel's network documents it
 * (engine/network.ts): nodes in no group form one more group; a one-way partition cuts only
 * from earlier to later groups; a bridge cuts two groups apart except through one node.
 * Used to draw the cuts the trace's partition events describe.
 */
import type { Fault } from '../../../engine/index.ts';

/** Marks the links a partition or bridge fault cuts, as the kernel's network documents them. */
export function applyPartition(matrix: Uint8Array, n: number, fault: Fault, nodeOf: (name: string) => number): void {
  if (fault.kind === 'partition') {
    const groupOf = new Int32Array(n).fill(fault.groups.length);
    fault.groups.forEach((g, i) => {
      for (const name of g) {
        const k = nodeOf(name);
        if (k >= 0) groupOf[k] = i;
      }
    });
    for (let s = 0; s < n; s++) {
      for (let d = 0; d < n; d++) {
        const gs = groupOf[s]!;
        const gd = groupOf[d]!;
        if (gs !== gd && (!fault.oneWay || gs < gd)) matrix[s * n + d] = 1;
      }
    }
  } else if (fault.kind === 'bridge') {
    const via = nodeOf(fault.via);
    for (const x of fault.groups[0].map(nodeOf)) {
      for (const y of fault.groups[1].map(nodeOf)) {
        if (x < 0 || y < 0 || x === via || y === via) continue;
        matrix[x * n + y] = 1;
        matrix[y * n + x] = 1;
      }
    }
  }
}

export function partitionLabel(fault: Fault): string {
  if (fault.kind === 'bridge') return `split, bridged by ${fault.via}`;
  if (fault.kind !== 'partition') return 'partition';
  const groups = fault.groups.map((g) => `{${g.join(', ')}}`);
  if (fault.groups.length === 1) groups.push('{the rest}');
  return `partition ${groups.join(fault.oneWay ? ' → ' : ' | ')}`;
}
