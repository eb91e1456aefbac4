// The running winnow version, read once from package.json (shown in HTTP `Server` headers, /stat and metrics).

import pkg from '../package.json' with { type: 'json' };

export const version: string = pkg.version;
