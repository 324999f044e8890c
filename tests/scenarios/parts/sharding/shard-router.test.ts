import { describe, expect, it } from 'vitest';
import { ModNPlacement } from '../../../../scenarios/parts/sharding/placement.ts';
import { ShardRouter } from '../../../../scenarios/parts/sharding/shard-router.ts';

describe('ShardRouter', () => {
  it('routes with no previous owner while no migration runs', () => {
    const router = new ShardRouter(new ModNPlacement(['a', 'b']));

    expect(router.route(7).previousOwner).toBeNull();
  });

  it('names the previous owner of a moved key during a migration, and only of a moved key', () => {
    const before = new ModNPlacement(['a', 'b']);
    const after = before.withShard('c');
    const router = new ShardRouter(before);

    router.begin(after);

    for (let k = 0; k < 200; k++) {
      const route = router.route(k);
      expect(route.owner).toBe(after.ownerOf(k));
      expect(route.previousOwner).toBe(before.ownerOf(k) === after.ownerOf(k) ? null : before.ownerOf(k));
    }
    expect(router.version).toBe(1);
  });

  it('forgets the previous placement when the migration finishes', () => {
    const router = new ShardRouter(new ModNPlacement(['a', 'b']));
    router.begin(router.placement.withShard('c', []));

    router.finish();

    expect(router.migrating).toBe(false);
    for (let k = 0; k < 50; k++) expect(router.route(k).previousOwner).toBeNull();
  });

  it('refuses a second resharding while one is running', () => {
    const router = new ShardRouter(new ModNPlacement(['a', 'b']));
    router.begin(router.placement.withShard('c', []));

    expect(() => router.begin(router.placement.withShard('d', []))).toThrow(/one resharding at a time/);
  });
});
