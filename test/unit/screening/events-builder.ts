// Builds screening logs for the domain tests: `log('c1').screen('pp', 'include').screen('alc', 'exclude', 'r')`.
import type { DecisionEvent, ScreeningEvent, Stage, Vote } from '../../../shared/domain/screening/events.ts';

export class LogBuilder {
  readonly events: ScreeningEvent[] = [];
  constructor(readonly citationId: string) {}

  private base() {
    const seq = this.events.length + 1;
    return {
      seq,
      eventId: `${this.citationId}-e${seq}`,
      citationId: this.citationId,
      at: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
    };
  }

  decision(
    reviewerId: string,
    role: DecisionEvent['role'],
    stage: Stage,
    decision: Vote,
    reasonId: string | null = null,
    note: string | null = null,
  ): DecisionEvent {
    return { type: 'decision', ...this.base(), reviewerId, role, stage, decision, reasonId, note };
  }

  screen(
    reviewerId: string,
    decision: Vote,
    reasonId: string | null = null,
    stage: Stage = 'title-abstract',
  ) {
    this.events.push(this.decision(reviewerId, 'screener', stage, decision, reasonId));
    return this;
  }

  arbitrate(
    reviewerId: string,
    decision: Vote,
    reasonId: string | null = null,
    stage: Stage = 'title-abstract',
  ) {
    this.events.push(this.decision(reviewerId, 'arbiter', stage, decision, reasonId));
    return this;
  }

  duplicateOf(reviewerId: string, duplicateOf: string) {
    this.events.push({ type: 'duplicate-confirmed', ...this.base(), reviewerId, duplicateOf });
    return this;
  }
}

export function log(citationId = 'c1'): LogBuilder {
  return new LogBuilder(citationId);
}

export const screeners = {
  pp: { id: 'pp', roles: ['screener' as const] },
  alc: { id: 'alc', roles: ['screener' as const] },
  ash: { id: 'ash', roles: ['arbiter' as const] },
  both: { id: 'both', roles: ['screener' as const, 'arbiter' as const] },
  third: { id: 'third', roles: ['screener' as const] },
};
