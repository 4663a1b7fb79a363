// Which process a pid names. A pid alone is not an identity: after a crash or a reboot the number is given to
// another process (pid 1 after a restart of a container), and a lock or a run log naming it would look held
// forever. On Linux a process is identified by the boot and its start time (/proc/<pid>/stat field 22, clock
// ticks since boot), which no later process of the same pid shares. Elsewhere (macOS, Windows) there is no
// /proc: identities are null and callers fall back to the pid being alive.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let bootId: string | null | undefined;

function currentBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** "<boot id>:<start time>" of the live process `pid`; null when it is gone or the OS cannot tell. */
export function processIdentity(pid: number): string | null {
  const boot = currentBootId();
  if (boot === null) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = fields[19];
  return startTime ? `${boot}:${startTime}` : null;
}

/** The command line of the live process `pid` (arguments joined by spaces); null when unknown. */
export function processCommandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return null;
  }
}

/** This process as another one can check it later: host, pid and (where the OS tells) its identity. */
export interface ProcessRef {
  host: string;
  pid: number;
  identity: string | null;
}

export function currentProcess(): ProcessRef {
  return { host: hostname(), pid: process.pid, identity: processIdentity(process.pid) };
}

/**
 * Whether the process `ref` names still runs: false when it is gone or its pid now names another process,
 * true when it runs, null when this machine cannot tell (another host).
 */
export function isProcessRunning(ref: ProcessRef): boolean | null {
  if (ref.host !== hostname()) return null;
  if (!isProcessAlive(ref.pid)) return false;
  if (ref.identity === null) return true;
  const now = processIdentity(ref.pid);
  return now === null ? true : now === ref.identity;
}
