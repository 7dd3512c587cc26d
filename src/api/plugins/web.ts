/**
 * The web console: static ES modules from src/web (no build step), the browser libraries from
 * node_modules under /vendor/*, and an SPA fallback that serves index.html for console paths only
 * (never for /api/*, /metrics or anything that looks like a file).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { packageRoot } from '../../shared/paths.js';

const require = createRequire(import.meta.url);

/**
 * Directory of the console's static files: next to this module (src/web from source; dist/src/web once
 * `npm run build` copied it, which is what the Docker image ships), else the package's src/web.
 */
export function webRoot(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
  return existsSync(join(beside, 'index.html')) ? beside : join(packageRoot(), 'src', 'web');
}

/** Browser libraries: URL prefix → directory holding their ESM files. */
function vendorDirs(): Record<string, string> {
  return {
    preact: dirname(require.resolve('preact')),
    'preact-hooks': dirname(require.resolve('preact/hooks')),
    htm: dirname(require.resolve('htm')),
    uplot: dirname(require.resolve('uplot')),
    // the ESM browser build (policy YAML in the programme page)
    yaml: join(dirname(require.resolve('yaml/package.json')), 'browser'),
  };
}

/** CSP hashes ('sha256-…') of the inline scripts of index.html (the import map). */
export function webCspScriptHashes(): string[] {
  const file = join(webRoot(), 'index.html');
  if (!existsSync(file)) return [];
  const html = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)) {
    out.push(`'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`);
  }
  return out;
}

const NOT_CONSOLE = /^\/(api|metrics|vendor)(\/|$|\?)/;

/** pages: more page routes inside this context (they may use reply.sendFile), before the SPA fallback. */
export function webPlugin(pages: (app: FastifyInstance) => void = () => undefined): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const root = webRoot();
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      cacheControl: true,
      maxAge: 0,
    });
    pages(app);
    for (const [name, dir] of Object.entries(vendorDirs())) {
      await app.register(fastifyStatic, {
        root: dir,
        prefix: `/vendor/${name}/`,
        decorateReply: false,
        wildcard: false,
        maxAge: 3_600_000,
        allowedPath: (p) => /\.(m?js|css)$/.test(p),
      });
    }
    // SPA fallback: deep links such as /finance/statements or /members/64500/traffic load the console.
    app.get('/*', { schema: { hide: true } }, async (req, reply) => {
      const path = req.url.split('?')[0]!;
      if (NOT_CONSOLE.test(path) || /\.[a-z0-9]{1,5}$/i.test(path)) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  };
}
