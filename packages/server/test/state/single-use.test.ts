import { MemorySingleUseStore } from '../../src/state/single-use.js';
import { singleUseConformance } from './single-use-conformance.js';

singleUseConformance('memory', async (now) => ({ store: new MemorySingleUseStore({ now }) }));
