// A tiny static HTTP server on 127.0.0.1 for the effects bench: MediaPipe's selfie
// segmentation solution (its npm folder, as the package ships it), the bench's own pages and
// the test picture. buzzd serves only web/ and build/assets/, so these need a home of their
// own. Every answer carries `Access-Control-Allow-Origin: *` so a page on buzzd's origin can
// fetch the picture too. Only the routes given are served; nothing else on disk is reachable.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/**
 * Starts the server. routes: {'/prefix/': directory} (every file directly in it) and
 * {'/exact/path': Buffer | file path}. Resolves {url, close()}.
 */
export async function startStatic(routes) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = lookup(routes, decodeURIComponent(url.pathname));
    const headers = { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' };
    if (!body) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    headers['Content-Type'] = TYPES[path.extname(url.pathname)] ?? 'application/octet-stream';
    res.writeHead(200, headers).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** The bytes behind `pathname`, or null. A prefix route serves only plain file names. */
function lookup(routes, pathname) {
  const exact = routes[pathname];
  if (exact !== undefined) return Buffer.isBuffer(exact) ? exact : readFile(exact);
  const slash = pathname.lastIndexOf('/');
  const dir = routes[pathname.slice(0, slash + 1)];
  const name = pathname.slice(slash + 1);
  if (typeof dir !== 'string' || !/^[\w.-]+$/.test(name) || name.startsWith('.')) return null;
  return readFile(path.join(dir, name));
}

function readFile(file) {
  try { return fs.statSync(file).isFile() ? fs.readFileSync(file) : null; } catch { return null; }
}
