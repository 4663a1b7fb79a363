// The shipped protocols as tests use them: the IESM review and the breast-cancer IPD pool, loaded and validated
// exactly as the CLI and the functions load them (protocols/*.yaml), with their row schemas and analysis plans.
import { join } from 'node:path';
import { loadProtocolFile } from '../../shared/config/load-protocols.ts';
import { type RowSchema, rowSchemaOf } from '../../shared/domain/extraction/patient-row.ts';
import type { AnalysisPlan } from '../../shared/domain/protocol/analysis.ts';
import { analysisPlanOf } from '../../shared/domain/protocol/plan.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';

export const PROTOCOL_DIRECTORY = join(import.meta.dirname, '..', '..', 'protocols');

const cache = new Map<string, Protocol>();

/** A shipped protocol by review id (protocols/<id>.yaml). */
export function shippedProtocol(id: 'iesm' | 'breast-ipd'): Protocol {
  let protocol = cache.get(id);
  if (!protocol) {
    protocol = loadProtocolFile(join(PROTOCOL_DIRECTORY, `${id}.yaml`));
    cache.set(id, protocol);
  }
  return protocol;
}

export const iesmProtocol = (): Protocol => shippedProtocol('iesm');
export const breastProtocol = (): Protocol => shippedProtocol('breast-ipd');

export function iesmSchema(): RowSchema {
  return rowSchemaOf(iesmProtocol().extraction!);
}

export function iesmPlan(): AnalysisPlan {
  return analysisPlanOf(iesmProtocol());
}

/** The IESM protocol under another review id (tests that need several reviews in one store). */
export function iesmProtocolAs(id: string, overrides: Partial<Protocol> = {}): Protocol {
  return { ...iesmProtocol(), id, ...overrides };
}
