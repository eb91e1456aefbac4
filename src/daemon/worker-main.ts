// Entry point of a cluster worker process: `WINNOW_CONFIG_PATH` and `WINNOW_GENERATION` come from the primary.

import { runWorker } from './worker.ts';

await runWorker(process.env.WINNOW_CONFIG_PATH || undefined, Number(process.env.WINNOW_GENERATION ?? 1));
