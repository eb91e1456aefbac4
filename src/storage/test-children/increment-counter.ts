// Child process for multi-process tests: opens the SQLite store at argv[2] and adds 1 to "hits" argv[3] times.

import { openSqliteStore } from '../sqlite/sqlite-store.ts';

const [path, times] = process.argv.slice(2);
const store = openSqliteStore(path, { historySize: 10, maxTokens: 1_000_000, maxWeightBuckets: 1_000_000 });
for (let i = 0; i < Number(times); i++) await store.counters.add({ hits: 1 });
await store.close();
