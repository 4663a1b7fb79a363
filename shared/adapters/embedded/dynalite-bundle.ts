// The bundled CLI's bundle of dynalite and its LevelDB packages, beside the store server's bundle: the build
// (cli/bundle/build.ts) writes this module's value into the server's bundle. Null in the sources, where the
// packages are read from node_modules (dynalite-modules.ts).
export const DYNALITE_BUNDLE: { file: string; ascii: boolean } | null = null;
