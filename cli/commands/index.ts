import type { Command } from '../command.ts';
import { appraiseCommand } from './appraise.ts';
import { coxCommand } from './cox.ts';
import { decisionsCommand } from './decisions.ts';
import { dedupCommand } from './dedup.ts';
import { demoCommand } from './demo.ts';
import { digestCommand } from './digest.ts';
import { exportCommand } from './export.ts';
import { extractCommand } from './extract.ts';
import { importCommand } from './import.ts';
import { includeCommand } from './include.ts';
import { kmCommand } from './km.ts';
import { logrankCommand } from './logrank.ts';
import { parseCommand } from './parse.ts';
import { initCommand, protocolCommand } from './protocol.ts';
import { queueCommand } from './queue.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { runsCommand } from './runs.ts';
import { screenCommand } from './screen.ts';
import { searchCommand } from './search.ts';
import { serveCommand } from './serve.ts';
import { statsCommand } from './stats.ts';
import { statusCommand } from './status.ts';
import { studiesCommand } from './studies.ts';
import { watchRetractionsCommand } from './watch-retractions.ts';
import { withdrawCommand } from './withdraw.ts';

/** Every sub-command, in the order `living-review --help` lists them. */
export const commands: Command[] = [
  runCommand,
  initCommand,
  protocolCommand,
  searchCommand,
  queueCommand,
  runsCommand,
  importCommand,
  parseCommand,
  demoCommand,
  dedupCommand,
  kmCommand,
  logrankCommand,
  coxCommand,
  serveCommand,
  screenCommand,
  decisionsCommand,
  appraiseCommand,
  statusCommand,
  studiesCommand,
  includeCommand,
  withdrawCommand,
  extractCommand,
  exportCommand,
  statsCommand,
  digestCommand,
  reportCommand,
  watchRetractionsCommand,
];
