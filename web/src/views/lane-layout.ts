/**
 * Where the space-time diagram's lanes go: one per node, grouped by role (in the order roles
 * first appear), a group of two or more behind a header that folds it into one lane. Lanes
 * are never thinner than a label needs: when they do not fit, the largest groups the user has
 * not unfolded fold first, and if they still do not fit the diagram grows and scrolls. Pure
 * layout, no drawing, so it is the same for the canvas and the DOM labels beside it.
 */
import type { RunSet } from '../model/run-set.ts';
import type { Lane } from './spacetime-layer.ts';

/** The thinnest lane a label of 11 px fits in, and the thickest worth drawing. */
export const LANE_MIN_H = 18;
const LANE_MAX_H = 44;
export const GROUP_HEADER_H = 16;
export const RUN_HEADER_H = 18;

/** A role group of one run, as laid out. */
export interface LaneGroupBox {
  run: number;
  role: string;
  /** Node indices of the run, in topology order. */
  nodes: number[];
  collapsed: boolean;
  /** Top of its header (groups of one node have none). */
  top: number;
  header: boolean;
}

export interface LaneLayout {
  lanes: Lane[];
  groups: LaneGroupBox[];
  /** Per run, the top of its block (its label in compare mode). */
  runTops: number[];
  /** Height the lanes need (may exceed what was offered: the diagram then scrolls). */
  height: number;
}

/** A group's key in the fold state: the same role folds in both runs of a comparison. */
export function groupKey(role: string): string {
  return role;
}

/**
 * Lays out the lanes of every run in `height` px starting at `top`. `folded` holds the user's
 * own choices per role (true: folded, false: unfolded); roles without one fold automatically
 * when space is short.
 */
export function layoutLanes(runs: RunSet, top: number, height: number, folded: ReadonlyMap<string, boolean>): LaneLayout {
  const groupsOf = runs.stores.map((store) => {
    const order: string[] = [];
    for (const r of store.roles) if (!order.includes(r)) order.push(r);
    return order.map((role) => ({ role, nodes: store.roles.flatMap((x, i) => (x === role ? [i] : [])) }));
  });
  const auto = new Set<string>();
  const isFolded = (role: string): boolean => folded.get(role) ?? auto.has(role);
  const need = (): { lanes: number; headers: number } => {
    let lanes = 0;
    let headers = runs.compare ? runs.stores.length : 0;
    for (const groups of groupsOf) {
      for (const g of groups) {
        if (g.nodes.length > 1) headers++;
        lanes += g.nodes.length > 1 && isFolded(g.role) ? 1 : g.nodes.length;
      }
    }
    return { lanes, headers };
  };
  // Fold the largest groups the user left alone until every lane has room for its label.
  for (;;) {
    const { lanes, headers } = need();
    if (lanes * LANE_MIN_H + headers * GROUP_HEADER_H <= height) break;
    const candidates = groupsOf
      .flat()
      .filter((g) => g.nodes.length >= 3 && !folded.has(g.role) && !auto.has(g.role))
      .sort((a, b) => b.nodes.length - a.nodes.length);
    if (candidates.length === 0) break;
    auto.add(candidates[0]!.role);
  }
  const { lanes: laneCount, headers } = need();
  const h = Math.max(LANE_MIN_H, Math.min(LANE_MAX_H, (height - headers * GROUP_HEADER_H) / Math.max(1, laneCount)));
  let y = top;
  const lanes: Lane[] = [];
  const boxes: LaneGroupBox[] = [];
  const runTops: number[] = [];
  runs.stores.forEach((store, r) => {
    const blockTop = y;
    runTops.push(y);
    if (runs.compare) y += RUN_HEADER_H;
    const ys = new Array<number>(store.nodes.length).fill(0);
    for (const g of groupsOf[r]!) {
      const header = g.nodes.length > 1;
      const collapsed = header && isFolded(g.role);
      boxes.push({ run: r, role: g.role, nodes: g.nodes, collapsed, top: y, header });
      if (header) y += GROUP_HEADER_H;
      if (collapsed) {
        for (const n of g.nodes) ys[n] = y + h / 2;
        y += h;
      } else {
        for (const n of g.nodes) {
          ys[n] = y + h / 2;
          y += h;
        }
      }
    }
    lanes.push({ top: blockTop, y: ys, h, first: Math.min(...ys) - h / 2, last: Math.max(...ys) + h / 2 });
  });
  return { lanes, groups: boxes, runTops, height: y - top };
}
