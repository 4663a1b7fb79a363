// The embedded store's data directory is private to its owner: anyone who can read it reads every note and
// decision in the LevelDB logs, and anyone who can read store.lock finds the server's port. So:
// - the directory is 0700 (made so when the store opens, if it was not), and everything in it 0600 / 0700
//   (the server makes what it finds private when it starts, and creates its own files under umask 077);
// - the server answers only requests signed with the store's secret as their access key id (store.secret,
//   0600, made once per directory), so a local user who finds the port still cannot use the store;
// - the directory's identity (device and inode) is written into the lock, so a copy of the directory
//   (`cp -a`, which copies the lock too) is never taken for the directory the lock's server serves.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../../errors.ts';

const SECRET_FILE = 'store.secret';
const SECRET = /^[0-9a-f]{64}$/;

export function secretPath(dataDir: string): string {
  return join(dataDir, SECRET_FILE);
}

/** Creates the data directory (0700) or makes an existing one private; throws StoreError when it cannot. */
export function ensurePrivateDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(dataDir, mode & 0o700);
  } catch (error) {
    throw new StoreError(
      `the data directory ${dataDir} is readable by others (mode ${mode.toString(8)}) and cannot be made private: ${(error as Error).message}; run "chmod 700 ${dataDir}" as its owner`,
      { cause: error },
    );
  }
}

/**
 * Takes group and other permissions off everything under `dir` (links are left alone, never followed).
 * Returns the paths it could not change.
 */
export function makeTreePrivate(dir: string): string[] {
  const failed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [dir];
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) continue;
      if ((stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o700);
      if (stat.isDirectory()) failed.push(...makeTreePrivate(path));
    } catch (error) {
      // Removed meanwhile (a temp file renamed away): nothing left to protect.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') failed.push(path);
    }
  }
  return failed;
}

/**
 * The directory's secret, made on first use: 32 random bytes as hex in store.secret (0600). Written whole
 * and exclusively (a temp file linked into place), so processes starting at once agree on one secret.
 */
export function readOrCreateStoreSecret(dataDir: string): string {
  const path = secretPath(dataDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const secret = readFileSync(path, 'utf8').trim();
      if (!SECRET.test(secret)) {
        throw new StoreError(
          `${path} does not hold a store secret (64 hex digits): remove it (no store process running) and a new one is made`,
        );
      }
      if ((lstatSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
      return secret;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temp);
    }
  }
  throw new StoreError(`could not read or create ${path}`);
}

/** "<device>:<inode>" of the directory: what a copy of it, however exact, does not share. */
export function dataDirIdentity(dataDir: string): string {
  const stat = statSync(dataDir, { bigint: true });
  return `${stat.dev}:${stat.ino}`;
}
