// Runs the storage contract against the in-memory backend.

import { storeContract } from './contract/index.ts';
import { createMemoryStore } from './memory/memory-store.ts';

storeContract({ backend: 'memory', open: async (limits) => createMemoryStore(limits) });
