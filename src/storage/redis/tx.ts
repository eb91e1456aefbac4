// Runs a MULTI/EXEC block and turns per-command errors into a thrown error.

import type { ChainableCommander } from 'ioredis';

export async function execTx(multi: ChainableCommander): Promise<unknown[]> {
  const res = await multi.exec();
  if (!res) throw new Error('transaction aborted');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
