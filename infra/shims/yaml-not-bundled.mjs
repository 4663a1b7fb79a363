// Stands in for the `yaml` package inside the Lambda bundles (esbuild alias, infra/bundling.ts): protocol files
// are converted to JSON when the asset is built (infra/bundle-assets.mjs), so a function never parses YAML and
// need not carry a 110 KiB parser. Reaching this is a packaging fault, reported as such.
export function parse() {
  throw new Error(
    'YAML protocol in a Lambda bundle: protocols are converted to JSON when the function is bundled (infra/bundle-assets.mjs)',
  );
}
