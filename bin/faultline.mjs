#!/usr/bin/env node
// The faultline command. The sources are TypeScript; tsx compiles them on the fly (Node 20
// cannot strip types), so there is no build step between a clone and a run.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
