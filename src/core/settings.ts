// Named settings profiles (rspamd's Settings-ID): per-request check/symbol/group switches, weights and thresholds.

import type { Thresholds } from './types.ts';

export interface SettingsProfile {
  /** When set, only these checks run. */
  checksEnabled?: string[];
  checksDisabled?: string[];
  symbolsDisabled?: string[];
  groupsDisabled?: string[];
  /** Weight overrides for this profile only. */
  symbols?: Record<string, number>;
  /** Threshold overrides for this profile only (null switches an action off). */
  actions?: Partial<Thresholds>;
}

/** The effective switches for one scan, computed once per request. */
export class EffectiveSettings {
  readonly thresholds: Thresholds;
  readonly #profile: SettingsProfile;

  constructor(base: Thresholds, profile: SettingsProfile | undefined) {
    this.#profile = profile ?? {};
    this.thresholds = { ...base, ...(this.#profile.actions ?? {}) };
  }

  checkEnabled(name: string): boolean {
    const p = this.#profile;
    if (p.checksEnabled && !p.checksEnabled.includes(name)) return false;
    return !p.checksDisabled?.includes(name);
  }

  symbolEnabled(name: string, group: string): boolean {
    const p = this.#profile;
    return !p.symbolsDisabled?.includes(name) && !p.groupsDisabled?.includes(group);
  }

  weightOf(name: string): number | undefined {
    return this.#profile.symbols?.[name];
  }
}
