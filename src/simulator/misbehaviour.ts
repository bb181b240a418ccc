import { SimulatorError } from './simulator-error.js';
import type { MisbehaveRule } from './types.js';

/** A rule with its remaining count. */
interface ActiveRule {
  rule: MisbehaveRule;
  remaining: number;
  /** Matching calls still to let through (the `after` of a slow rule). */
  skip: number;
}

/** Injected API faults, consumed first-in first-out by the calls they match. */
export class Misbehaviour {
  private readonly rules: ActiveRule[] = [];

  add(rule: MisbehaveRule): void {
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new SimulatorError('invalid', `times must be a positive whole number`);
    if (rule.kind === 'slow' && !(Number.isFinite(rule.ms) && rule.ms >= 0)) {
      throw new SimulatorError('invalid', `a 'slow' rule needs ms ≥ 0`);
    }
    if (rule.kind === 'other_unionid' && !(rule.openid && rule.unionid)) {
      throw new SimulatorError('invalid', `an 'other_unionid' rule needs openid and unionid`);
    }
    const after = rule.kind === 'slow' ? (rule.after ?? 0) : 0;
    if (!Number.isInteger(after) || after < 0)
      throw new SimulatorError('invalid', `after must be a whole number ≥ 0`);
    this.rules.push({ rule, remaining: times, skip: after });
  }

  /** The rule that applies to this call, counted as used; undefined when the call behaves. */
  take(path: string): MisbehaveRule | undefined {
    const index = this.rules.findIndex(({ rule }) => matches(rule.path, path));
    const active = this.rules[index];
    if (!active) return undefined;
    if (active.skip > 0) {
      active.skip--;
      return undefined;
    }
    if (--active.remaining === 0) this.rules.splice(index, 1);
    return active.rule;
  }

  /** Uses of rules still to come: 0 once every injected fault has been applied to a call. */
  get pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0);
  }

  clear(): void {
    this.rules.length = 0;
  }
}

function matches(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === 'string') return pattern === path;
  pattern.lastIndex = 0;
  return pattern.test(path);
}
