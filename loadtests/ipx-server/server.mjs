// ipx 3.1.1 (sharp/libvips) as it is served: its own Node HTTP server over a folder of originals, with its
// defaults (sharp's operation cache and concurrency as ipx leaves them). The miss comparison in
// EdgeImages.LoadTests (`misses`) starts it next to the edge and asks both for the same transforms:
//   GET /w_400,f_webp,q_80/<tenant>/<file>
//
//   node server.mjs --dir /path/to/originals --port 18080
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';

const { values } = parseArgs({ options: { dir: { type: 'string' }, port: { type: 'string' } } });
if (!values.dir || !values.port) throw new Error('give --dir and --port');

const ipx = createIPX({ storage: ipxFSStorage({ dir: values.dir }) });
const server = createServer(createIPXNodeServer(ipx));
server.listen(Number.parseInt(values.port, 10), '127.0.0.1', () => console.log(`ipx on http://127.0.0.1:${values.port}/ serving ${values.dir}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
