// Resolves every symbol's effective declaration: check defaults, then config overrides, plus composites and FAIL symbols.

import type { SymbolDecl } from './check.ts';

export interface ResolvedSymbol {
  name: string;
  weight: number;
  description: string;
  group: string;
  /** Check that owns the symbol, or `composites` / `core`. */
  owner: string;
}

export interface SymbolOverride {
  weight?: number;
  description?: string;
  group?: string;
}

export class SymbolTable {
  readonly #symbols = new Map<string, ResolvedSymbol>();

  /** Registers a check's declared symbols; a name declared twice is a configuration error. */
  declare(owner: string, decls: Record<string, SymbolDecl>): void {
    for (const [name, decl] of Object.entries(decls)) {
      const existing = this.#symbols.get(name);
      if (existing) throw new Error(`symbol ${name} is declared by both ${existing.owner} and ${owner}`);
      this.#symbols.set(name, {
        name,
        weight: decl.weight,
        description: decl.description,
        group: decl.group ?? owner,
        owner,
      });
    }
  }

  /** Applies config overrides; unknown names are returned so the caller can report them. */
  override(overrides: Record<string, SymbolOverride>): string[] {
    const unknown: string[] = [];
    for (const [name, o] of Object.entries(overrides)) {
      const s = this.#symbols.get(name);
      if (!s) {
        unknown.push(name);
        continue;
      }
      this.#symbols.set(name, {
        ...s,
        weight: o.weight ?? s.weight,
        description: o.description ?? s.description,
        group: o.group ?? s.group,
      });
    }
    return unknown;
  }

  get(name: string): ResolvedSymbol | undefined {
    return this.#symbols.get(name);
  }

  has(name: string): boolean {
    return this.#symbols.has(name);
  }

  all(): ResolvedSymbol[] {
    return [...this.#symbols.values()];
  }

  ownedBy(owner: string): ResolvedSymbol[] {
    return this.all().filter((s) => s.owner === owner);
  }
}
