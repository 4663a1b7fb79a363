// Copies the directories a function reads at run time into its Lambda asset, next to index.mjs. NodejsFunction's
// afterBundling hook runs it (infra/bundling.ts: bundleAssetsCommand), and so does the bundle benchmark.
//
//   node infra/bundle-assets.mjs TO_ROOT DEST=SOURCE...
//
// Each SOURCE directory is copied to TO_ROOT/DEST (DEST "protocols" lands at /var/task/protocols). Protocol files written in YAML are
// converted to JSON on the way (the same data: parsed with the same `yaml` package the local runner uses), so the
// bundles carry no YAML parser: shared/config/load-protocols.ts reads .json protocols with JSON.parse. Every
// other file is copied byte for byte.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse } from 'yaml';

const [toRoot, ...pairs] = process.argv.slice(2);
if (!toRoot || pairs.length === 0 || pairs.some((pair) => !pair.includes('='))) {
  console.error('usage: node infra/bundle-assets.mjs TO_ROOT DEST=SOURCE...');
  process.exit(2);
}
for (const pair of pairs) {
  const split = pair.indexOf('=');
  const directory = pair.slice(0, split);
  const from = pair.slice(split + 1);
  const to = join(toRoot, directory);
  if (directory !== 'protocols') {
    cpSync(from, to, { recursive: true });
    continue;
  }
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from).sort()) {
    const extension = extname(name);
    if (extension === '.yaml' || extension === '.yml') {
      const data = parse(readFileSync(join(from, name), 'utf8'));
      writeFileSync(
        join(to, `${name.slice(0, -extension.length)}.json`),
        `${JSON.stringify(data, null, 2)}\n`,
      );
    } else if (extension === '.json') {
      cpSync(join(from, name), join(to, name));
    }
  }
}
